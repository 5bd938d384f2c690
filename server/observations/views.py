"""Shared by the observation routes: loading with the access check, the page context,
running an operation with its errors mapped to HTTP, and the time filters for templates."""

import uuid
from datetime import datetime
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from server.accounts.service import Viewer
from server.deps import Forbidden
from server.observations import service
from server.observations.models import Observation
from server.observations.operations import (
    NotFound,
    Operation,
    OperationResult,
    PermissionDenied,
)
from server.observations.wording import (
    clock,
    describe_revision,
    input_datetime,
    long_date,
    minutes,
)
from server.roster import service as roster_service
from server.templating import render, templates

# ?saved=<key> after a POST-redirect-GET; only these fixed texts are ever shown.
NOTICES = {
    "shared-principal": "Shared with your principal.",
    "reflection": "Reflection saved.",
    "saved": "Saved.",
}
GRADES = ["K", *[str(n) for n in range(1, 13)], "Mixed"]


templates.env.filters.update(
    clock=clock, long_date=long_date, input_datetime=input_datetime, minutes=minutes
)
templates.env.globals.update(
    describe_revision=describe_revision, new_uuid=lambda: str(uuid.uuid4())
)


def load(*, session: Session, viewer: Viewer, observation_id: uuid.UUID) -> Observation:
    """The observation if this viewer may see it: 404 when missing, 403 when not theirs."""
    obs = service.get_observation(session=session, observation_id=observation_id)
    if obs is None:
        raise HTTPException(404, "There is no such observation.")
    if not service.can_view(session=session, viewer=viewer, observation=obs):
        raise Forbidden("This observation is not yours to see.")
    return obs


def load_editable(*, session: Session, viewer: Viewer, observation_id: uuid.UUID) -> Observation:
    obs = load(session=session, viewer=viewer, observation_id=observation_id)
    if not service.can_edit(viewer=viewer, observation=obs):
        raise Forbidden("Only the coach who wrote this observation can change it.")
    return obs


def run(*, session: Session, viewer: Viewer, op: Operation) -> OperationResult:
    """apply_operation; PermissionDenied -> 403 and NotFound -> 404 here, while
    OperationError and ConflictError go back to the route to show in place."""
    try:
        return service.apply_operation(session=session, actor=viewer, op=op)
    except PermissionDenied as exc:
        raise Forbidden(exc.message) from exc
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc


def page_context(
    *,
    session: Session,
    viewer: Viewer,
    obs: Observation,
    request: Request | None = None,
    with_revisions: bool = True,
) -> dict[str, Any]:
    """Everything the observation page (editable or read-only) shows; a fragment needs no
    revision history."""
    teacher = service.get_teacher_of(session=session, observation=obs)
    sheet = service.load_sheet(session=session, observation=obs)
    can_edit = service.can_edit(viewer=viewer, observation=obs)
    can_reflect = service.can_reflect(session=session, viewer=viewer, observation=obs)
    own = next((r for r in sheet.reflections if r.author_id == viewer.id), None)
    saved = request.query_params.get("saved", "") if request else ""
    return {
        "obs": obs,
        "base": f"/observations/{obs.id}",
        "sheet": sheet,
        "teacher": teacher,
        "school": roster_service.get_school(session=session, school_id=teacher.school_id),
        "can_edit": can_edit,
        "can_reflect": can_reflect,
        # A principal never reads the teacher's reflection; the teacher and coach do.
        "reflections": sheet.reflections if can_edit or can_reflect else [],
        "own_reflection": own,
        "revisions": (
            service.list_revisions(session=session, observation_id=obs.id) if with_revisions else []
        ),
        "timer_seconds": service.lesson_seconds(observation=obs, at=datetime.now().astimezone()),
        "notice": NOTICES.get(saved),
        "problems": [],
        "errors": {},
        "grades": GRADES,
    }


def render_page(
    request: Request,
    *,
    session: Session,
    viewer: Viewer,
    obs: Observation,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    """The read-only page (the teacher, a principal it was shared with); its coach works on it
    in the coach's app instead, where it is scored and reviewed offline as online."""
    if service.can_edit(viewer=viewer, observation=obs):
        return RedirectResponse(f"/observe/{obs.id}", status_code=303)
    ctx = page_context(session=session, viewer=viewer, obs=obs, request=request)
    ctx.update(extra)
    return render(request, "observations/view.html", ctx, status_code=status_code)
