"""Shared by the admin pages: rendering with the admin sub-navigation, saved notices, and
the scope checks on ids that arrive in a URL or a form."""

from typing import Any
from urllib.parse import urlencode

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session

from server.accounts.service import AdminScope
from server.deps import Forbidden
from server.roster import service as roster_service
from server.roster.models import School, SchoolLevel, SchoolYear
from server.templating import render

# ?saved=<key> after a POST-redirect-GET; only these fixed texts are ever shown.
NOTICES = {
    "school-created": "School created.",
    "school-saved": "School saved.",
    "year-created": "School year created.",
    "person-created": "Person created.",
    "person-invited": "Invitation sent: they choose their own password from a link mailed to them, which works once.",
    "person-saved": "Changes saved.",
    "role-added": "Role added.",
    "role-removed": "Role removed.",
    "teacher-created": "Teacher added to the roster.",
    "teacher-saved": "Teacher saved.",
    "assignment-created": "Assignment created.",
    "assignment-saved": "Assignment saved.",
}
LEVEL_OPTIONS = [(level.value, level.value.capitalize()) for level in SchoolLevel]


def render_admin(
    request: Request,
    template: str,
    scope: AdminScope,
    section: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """Render an admin page: the scope drives the sub-navigation, ?saved= the notice."""
    ctx = {
        "scope": scope,
        "section": section,
        "notice": NOTICES.get(request.query_params.get("saved", "")),
        "errors": {},
        **(context or {}),
    }
    return render(request, template, ctx, status_code=status_code)


def saved(path: str, key: str, **params: int) -> RedirectResponse:
    """The redirect after a successful POST, carrying the confirmation to show."""
    query = urlencode({**params, "saved": key})
    return RedirectResponse(f"{path}?{query}", status_code=303)


def school_in_scope(*, session: Session, scope: AdminScope, school_id: int) -> School:
    """A school named in a URL: 404 when unknown, 403 when someone else's."""
    school = roster_service.get_school(session=session, school_id=school_id)
    if school is None:
        raise HTTPException(404, "No such school.")
    if not scope.covers_school(school):
        raise Forbidden("You can only manage your own school.")
    return school


def check_school_choice(*, session: Session, scope: AdminScope, school_id: int | None) -> None:
    """A school picked in a form: one outside the viewer's scope is refused (403); an unknown
    one is left for the service to reject as a field error."""
    if school_id is None:
        return
    school = roster_service.get_school(session=session, school_id=school_id)
    if school is not None and not scope.covers_school(school):
        raise Forbidden("You can only choose your own school.")


def scoped_schools(*, session: Session, scope: AdminScope) -> list[School]:
    return roster_service.list_schools(
        session=session, district_id=scope.district_id, school_ids=scope.school_filter
    )


def school_options(schools: list[School]) -> list[tuple[int | None, str]]:
    return [(s.id, s.name) for s in schools]


def year_options(years: list[SchoolYear]) -> list[tuple[int | None, str]]:
    return [(y.id, y.name) for y in years]
