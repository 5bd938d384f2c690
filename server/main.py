"""create_app(): settings, database engine, routers, static files, error pages."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import HTTPException, RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from server.accounts.routes import router as accounts_router
from server.coaching.report_routes import router as coaching_reports_router
from server.coaching.routes import router as coaching_router
from server.config import ROOT, Settings, get_settings
from server.db import make_engine
from server.deps import Forbidden, NotAuthenticated
from server.growth import service as growth_service
from server.growth.routes import router as growth_router
from server.observations.calibration_routes import router as calibration_router
from server.observations.routes import router as observations_router
from server.pwa import service as pwa_service
from server.pwa.routes import router as pwa_router
from server.roster.admin_assignment_routes import router as roster_assignments_router
from server.roster.admin_people_routes import router as roster_people_router
from server.roster.admin_routes import router as roster_admin_router
from server.roster.import_routes import router as roster_import_router
from server.roster.routes import router as roster_router
from server.rubrics import service as rubrics_service
from server.rubrics.routes import router as rubrics_router
from server.security import CompressAssets, SecurityMiddleware, verify_csrf
from server.sync.routes import router as sync_router
from server.templating import is_htmx, render


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_page(request: Request, status_code: int, title: str, message: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": message}, status_code=status_code)
    return render(
        request, "error.html", {"title": title, "message": message}, status_code=status_code
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotAuthenticated)
    async def _login_required(request: Request, _exc: NotAuthenticated) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "Not signed in"}, status_code=401)
        target = "/login?next=" + quote(request.url.path, safe="/")
        if is_htmx(request):
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        return _error_page(request, 403, "Not allowed", exc.message)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> Response:
        titles = {403: "Not allowed", 404: "Not found", 405: "Not allowed"}
        response = _error_page(
            request, exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail)
        )
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'][1:]) or 'request'}: {err['msg']}"
            for err in errors
        )
        # An id in the path that is no id (a word, zero, beyond any row) names nothing: 404.
        # Anything else malformed is a 400 that names the field.
        if errors and all(err["loc"][0] == "path" for err in errors):
            return _error_page(request, 404, "Not found", f"Nothing here has that id ({problems}).")
        return _error_page(request, 400, "Check the request", problems)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """On start (every worker): register the rubric files, shipped and the district's, and
    start the growth pages' background worker (stopped on shutdown)."""
    await run_in_threadpool(
        rubrics_service.sync_at_startup, engine=app.state.engine, settings=app.state.settings
    )
    growth_service.start_worker(
        app.state.engine, replica_url=app.state.settings.growth_replica_url or None
    )
    try:
        yield
    finally:
        await run_in_threadpool(growth_service.stop_worker)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="Cadence",
        dependencies=[Depends(verify_csrf)],
        # No public schema or docs: the API is the app's own (docs/sync.md describes it).
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings.database_url)
    app.state.asset_version = pwa_service.asset_version()
    app.add_middleware(SecurityMiddleware)
    app.add_middleware(CompressAssets)
    app.mount("/static", StaticFiles(directory=ROOT / "web" / "static"), name="static")
    for router in (
        accounts_router,
        roster_router,
        roster_admin_router,
        roster_people_router,
        roster_assignments_router,
        roster_import_router,
        rubrics_router,
        observations_router,
        calibration_router,
        coaching_router,
        coaching_reports_router,
        growth_router,
        sync_router,
        pwa_router,
    ):
        app.include_router(router)
    install_error_handlers(app)
    return app
