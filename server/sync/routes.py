"""The JSON sync API (docs/sync.md): bootstrap, push, pull, conflicts, quarantine. Authenticated by the session
cookie (same origin plus the X-Cadence-Sync header) or a bearer token; 401 is JSON."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from server.accounts.service import Viewer
from server.deps import Forbidden, NotAuthenticated, SessionDep, get_optional_viewer
from server.observations.merge import jsonable
from server.observations.operations import (
    ConflictError,
    NotFound,
    OperationError,
    PermissionDenied,
)
from server.security import api_request_problem, bearer_token
from server.sync import bootstrap as bootstrap_service
from server.sync import service
from server.sync.bootstrap import BootstrapOut
from server.sync.service import (
    BatchError,
    ConflictOut,
    DismissIn,
    DismissOut,
    PullOut,
    PushIn,
    PushOut,
    QuarantineOut,
    ResolveIn,
    ResolveOut,
)

router = APIRouter(prefix="/api/sync")
# The coach's app says whose page made each request; a mismatch is answered 409 with this mark.
PAGE_USER_HEADER = "X-Cadence-User"
STALE_PAGE_HEADER = "X-Cadence-Stale-Page"


def get_api_viewer(request: Request, session: SessionDep) -> Viewer:
    """A bearer token, else the session cookie with the API's CSRF check (every method)."""
    token = bearer_token(request)
    if token is not None:
        viewer = service.viewer_for_token(session=session, token=token)
        if viewer is None:
            raise NotAuthenticated()
        return viewer
    cookie_viewer = get_optional_viewer(request, session)
    if cookie_viewer is None:
        raise NotAuthenticated()
    problem = api_request_problem(request)
    if problem:
        raise Forbidden(problem)
    drawn_for = request.headers.get(PAGE_USER_HEADER)
    if drawn_for is not None and drawn_for != str(cookie_viewer.id):
        # A page kept for the person before (a shared tablet) must not send or receive
        # anything under the session of the person signed in now.
        raise HTTPException(
            status_code=409,
            detail=f"{PAGE_USER_HEADER}: this page was drawn for another person than the one "
            "signed in. Reload it.",
            headers={STALE_PAGE_HEADER: "1"},
        )
    return cookie_viewer


ApiViewerDep = Annotated[Viewer, Depends(get_api_viewer)]


@router.post("/push")
def push(body: PushIn, viewer: ApiViewerDep, session: SessionDep) -> PushOut:
    try:
        return service.push(session=session, actor=viewer, batch=body)
    except BatchError as exc:
        raise HTTPException(400, str(exc)) from exc


@router.get("/pull")
def pull(
    viewer: ApiViewerDep,
    session: SessionDep,
    cursor: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=service.PULL_LIMIT)] = service.PULL_LIMIT,
) -> PullOut:
    return service.pull(session=session, actor=viewer, cursor=cursor, limit=limit)


@router.get("/conflicts")
def conflicts(viewer: ApiViewerDep, session: SessionDep) -> list[ConflictOut]:
    rows = service.list_open_conflicts(session=session, actor=viewer)
    return [service.conflict_out(row) for row in rows]


@router.post("/conflicts/resolve")
def resolve(body: ResolveIn, viewer: ApiViewerDep, session: SessionDep) -> ResolveOut:
    try:
        result = service.resolve_conflict(
            session=session, actor=viewer, conflict_id=body.conflict_id, choice=body.choice,
            value=body.given_value(),
        )  # fmt: skip
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except PermissionDenied as exc:
        raise HTTPException(403, exc.message) from exc
    except ConflictError as exc:
        raise HTTPException(409, str(exc)) from exc
    except OperationError as exc:
        raise HTTPException(400, str(exc)) from exc
    return ResolveOut(conflict_id=body.conflict_id, resolution=body.choice, version=result.version)


@router.get("/bootstrap")
def bootstrap(viewer: ApiViewerDep, session: SessionDep) -> BootstrapOut:
    return bootstrap_service.bootstrap(session=session, actor=viewer)


@router.get("/quarantine")
def quarantine(viewer: ApiViewerDep, session: SessionDep) -> list[QuarantineOut]:
    rows = service.list_quarantine(session=session, actor=viewer)
    return [service.quarantine_out(row) for row in rows]


@router.post("/quarantine/dismiss")
def dismiss(body: DismissIn, viewer: ApiViewerDep, session: SessionDep) -> DismissOut:
    try:
        row = service.dismiss_quarantined(session=session, actor=viewer, quarantine_id=body.id)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    assert row.id is not None and row.dismissed_at is not None
    return DismissOut(id=row.id, dismissed_at=jsonable(row.dismissed_at))
