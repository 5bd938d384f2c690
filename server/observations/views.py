"""Shared by the observation routes: loading with the access check, the page context,
running an operation with its errors mapped to HTTP, and the time filters for templates."""

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from server.accounts.service import Viewer
from server.deps import Forbidden
from server.forms import parse_row_id
from server.observations import service
from server.observations.models import Observation, ObservationRevision
from server.observations.operations import (
    NotFound,
    Operation,
    OperationResult,
    PermissionDenied,
)
from server.observations.scoring import Sheet, find_tag
from server.roster import service as roster_service
from server.templating import is_htmx, render, templates

# A fragment the page's script should swap in even though the status is 4xx.
SWAP_HEADER = "X-Cadence-Swap"
# ?saved=<key> after a POST-redirect-GET; only these fixed texts are ever shown.
NOTICES = {
    "finalized": "Observation finalized. Changes from now on are kept as revisions.",
    "shared": "Shared with the teacher.",
    "shared-principal": "Shared with your principal.",
    "reflection": "Reflection saved.",
    "saved": "Saved.",
}
GRADES = ["K", *[str(n) for n in range(1, 13)], "Mixed"]


def local(value: datetime) -> datetime:
    """The server's local time zone (the district's, on a district server)."""
    return value.astimezone()


def clock(value: datetime | None) -> str:
    return local(value).strftime("%H:%M") if value else ""


def long_date(value: datetime | None) -> str:
    return local(value).strftime("%a %-d %b %Y, %H:%M") if value else ""


def input_datetime(value: datetime | None) -> str:
    return local(value).strftime("%Y-%m-%dT%H:%M") if value else ""


def parse_local_datetime(text: str) -> datetime | None:
    """A datetime-local value (no zone) read as the server's local time."""
    try:
        return datetime.fromisoformat(text.strip()).astimezone()
    except ValueError:
        return None


def minutes(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


CONTEXT_LABELS = {
    "created": "Observation started",
    "status": "Status",
    "timer": "Lesson timer",
    "shared_with_teacher_at": "Shared with the teacher",
    "shared_with_principal_at": "Shared with the principal",
    "observed_at": "Lesson date and time",
    "grade": "Grade",
    "course_unit": "Course or unit",
    "lesson_goal": "Lesson goal",
    "task_description": "Task",
    "class_size": "Class size",
}


def _short(value: Any, limit: int = 140) -> str:
    if value is None or value == "":
        return "\u2013"
    if isinstance(value, dict):
        if "not_observed" in value:
            return "Not observed" if value["not_observed"] else str(value.get("value"))
        if "elapsed" in value:
            running = "running" if value.get("started_at") else "paused"
            return f"{running}, {minutes(int(value['elapsed']))} before"
        return _short(value.get("text"), limit)
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        try:
            return long_date(datetime.fromisoformat(value))
        except ValueError:
            pass
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_revision(sheet: Sheet, rev: ObservationRevision) -> tuple[str, str, str]:
    """(what changed, before, after) in words, for the revision history."""
    parts = rev.field.split(":")
    found = find_tag(sheet.rubrics, ":".join(parts[:2])) if len(parts) >= 2 else None
    dim_name = found[1].name if found else rev.field
    if rev.entity == "observation":
        what = CONTEXT_LABELS.get(rev.field, rev.field)
        if rev.field == "created":
            return what, "", ""
    elif rev.entity == "score":
        what = f"Score: {dim_name}" + (f", item {parts[2]}" if len(parts) > 2 else "")
    elif rev.entity == "evidence":
        what = f"Evidence: {dim_name}"
    elif rev.entity == "note":
        what = "Note added"
    elif rev.entity == "tally":
        version_id = parse_row_id(parts[0])
        rs = sheet.rubric(version_id) if version_id is not None else None
        tally = next((t for t in rs.rubric.tallies if t.id == parts[1]), None) if rs else None
        category = next((c for c in tally.categories if c.id == parts[2]), None) if tally else None
        what = f"Tally: {tally.name} \u2013 {category.label}" if tally and category else rev.field
    else:
        what = rev.entity.capitalize()
    return what, _short(rev.old), _short(rev.new)


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
) -> HTMLResponse:
    ctx = page_context(session=session, viewer=viewer, obs=obs, request=request)
    ctx.update(extra)
    template = "observations/observe.html" if ctx["can_edit"] else "observations/view.html"
    return render(request, template, ctx, status_code=status_code)


def render_fragment(
    request: Request,
    block: str,
    ctx: dict[str, Any],
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """One block of the scoring page; a 4xx one carries the header that lets it swap in."""
    response = render(
        request, "observations/observe.html", ctx, block=block, status_code=status_code
    )
    if status_code >= 400:
        response.headers[SWAP_HEADER] = "1"
    return response


def htmx_or(
    request: Request, fragment: Callable[[], HTMLResponse], fallback: Callable[[], Any]
) -> Any:
    return fragment() if is_htmx(request) else fallback()
