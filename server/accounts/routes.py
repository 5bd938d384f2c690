"""Sign in, sign out, and the landing redirect for each role."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response

from server.accounts import service as accounts_service
from server.accounts.models import Role
from server.accounts.service import LoginThrottled, Viewer
from server.deps import OptionalViewerDep, SessionDep, SettingsDep
from server.security import SESSION_COOKIE, set_cookie
from server.templating import render

router = APIRouter()

HOME_BY_ROLE = {
    Role.coach: "/week",
    Role.teacher: "/my-coaching",
    Role.principal: "/school",
    Role.district_admin: "/admin",
}
FAILED_LOGIN = "That email and password do not match an account. Check both and try again."


def home_path(viewer: Viewer) -> str:
    return HOME_BY_ROLE[viewer.roles[0]] if viewer.roles else "/no-role"


def _safe_next(target: str | None) -> str | None:
    # Only same-site paths: never bounce a fresh session to another host.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return None


@router.get("/healthz", include_in_schema=False)
def healthz() -> PlainTextResponse:
    """For load balancers and uptime checks: the process answers (no database touched)."""
    return PlainTextResponse("ok")


@router.get("/", include_in_schema=False)
def landing(viewer: OptionalViewerDep) -> Response:
    return RedirectResponse(home_path(viewer) if viewer else "/login", status_code=303)


@router.get("/login")
def login_form(request: Request, viewer: OptionalViewerDep, next: str | None = None) -> Response:
    if viewer is not None:
        return RedirectResponse(home_path(viewer), status_code=303)
    return render(request, "login.html", {"next": _safe_next(next), "email": ""})


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str | None, Form()] = None,
) -> Response:
    errors: dict[str, str] = {}
    if not email.strip():
        errors["email"] = "Enter your email address."
    if not password:
        errors["password"] = "Enter your password."
    user = None
    if not errors:
        try:
            user = accounts_service.authenticate(
                session=session,
                settings=settings,
                email=email,
                password=password,
                ip=request.client.host if request.client else None,
            )
        except LoginThrottled as exc:
            errors["form"] = str(exc)
        else:
            if user is None:
                errors["form"] = FAILED_LOGIN
    if user is None:
        context = {"next": _safe_next(next), "email": email, "errors": errors}
        status = 429 if "Too many" in errors.get("form", "") else 400
        return render(request, "login.html", context, status_code=status)
    token = accounts_service.start_session(session=session, settings=settings, user=user)
    viewer = accounts_service.load_viewer(session=session, user=user)
    response = RedirectResponse(_safe_next(next) or home_path(viewer), status_code=303)
    set_cookie(
        response, request, settings, SESSION_COOKIE, token, max_age=settings.session_days * 86400
    )
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        accounts_service.end_session(session=session, token=token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/no-role")
def no_role(request: Request, viewer: OptionalViewerDep) -> Response:
    if viewer is None:
        return RedirectResponse("/login", status_code=303)
    if viewer.roles:
        return RedirectResponse(home_path(viewer), status_code=303)
    return render(request, "no_role.html")
