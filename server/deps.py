"""Typed FastAPI dependencies, all in one place."""

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlmodel import Session

from server.accounts import service as accounts_service
from server.accounts.models import Role
from server.accounts.service import AdminScope, Viewer
from server.config import Settings
from server.db import RowId
from server.roster import service as roster_service
from server.roster.models import School
from server.security import SESSION_COOKIE


class NotAuthenticated(Exception):
    """No valid session: the handler sends the browser to the login page."""


class Forbidden(Exception):
    """Signed in, but this person may not see or change this."""

    def __init__(self, message: str = "You do not have access to this page.") -> None:
        super().__init__(message)
        self.message = message


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_db(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_db)]


def get_optional_viewer(request: Request, session: SessionDep) -> Viewer | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    user = accounts_service.user_for_token(session=session, token=token)
    if user is None:
        return None
    viewer = accounts_service.load_viewer(session=session, user=user)
    request.state.viewer = viewer
    return viewer


OptionalViewerDep = Annotated[Viewer | None, Depends(get_optional_viewer)]


def get_viewer(viewer: OptionalViewerDep) -> Viewer:
    if viewer is None:
        raise NotAuthenticated()
    return viewer


ViewerDep = Annotated[Viewer, Depends(get_viewer)]


def require_role(*roles: Role) -> Callable[[Viewer], Viewer]:
    """A dependency that lets through only people holding one of `roles`."""

    def check(viewer: ViewerDep) -> Viewer:
        if not any(viewer.has_role(role) for role in roles):
            raise Forbidden()
        return viewer

    return check


CoachDep = Annotated[Viewer, Depends(require_role(Role.coach))]
# The app's observation screens: a coach's, and a district specialist's lessons they were
# invited to co-observe (their own observations, from their tablet's store).
ObserverDep = Annotated[Viewer, Depends(require_role(Role.coach, Role.specialist))]
TeacherDep = Annotated[Viewer, Depends(require_role(Role.teacher))]
PrincipalOrAdminDep = Annotated[Viewer, Depends(require_role(Role.principal, Role.district_admin))]
DistrictAdminDep = Annotated[Viewer, Depends(require_role(Role.district_admin))]


def get_admin_scope(viewer: PrincipalOrAdminDep) -> AdminScope:
    """The admin pages' scope: the whole district for a district admin, else a principal's
    own schools."""
    scope = viewer.admin_scope()
    if scope is None:
        raise Forbidden()
    return scope


def get_district_admin_scope(viewer: DistrictAdminDep) -> AdminScope:
    scope = viewer.admin_scope()
    if scope is None or not scope.is_district_admin:
        raise Forbidden("Only a district administrator can do this.")
    return scope


# District admin or principal; scope.school_ids limits a principal to their own schools.
AdminScopeDep = Annotated[AdminScope, Depends(get_admin_scope)]
DistrictAdminScopeDep = Annotated[AdminScope, Depends(get_district_admin_scope)]


def get_school(school_id: RowId, session: SessionDep) -> School:
    """The school named in the path, or 404. Each route keeps its own rule of who may see it,
    and lists the viewer before the school so that a signed-out visitor is sent to sign in."""
    school = roster_service.get_school(session=session, school_id=school_id)
    if school is None:
        raise HTTPException(404, "No such school.")
    return school


SchoolDep = Annotated[School, Depends(get_school)]
