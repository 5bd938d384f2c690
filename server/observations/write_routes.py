"""Autosave endpoints of the scoring page: a score tap, evidence, a note, a tally tap, the
timer, the lesson context. Each builds one operation and answers an htmx request with the
block it changed, a plain form post with a redirect back to the page (works without JS)."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from server.accounts.service import Viewer
from server.deps import SessionDep, ViewerDep
from server.forms import errors_from_validation, parse_int
from server.observations import service
from server.observations.models import Observation, ObservationUpdate
from server.observations.operations import (
    AddNote,
    ConflictError,
    Operation,
    OperationError,
    OperationResult,
    SetEvidence,
    SetScore,
    SetTally,
    SetTimer,
    UpdateContext,
)
from server.observations.views import (
    load_editable,
    page_context,
    parse_local_datetime,
    render_fragment,
    render_page,
    run,
)
from server.templating import is_htmx

router = APIRouter()


class ScoreForm(BaseModel):
    rubric_version_id: str = ""
    dimension_id: str = ""
    item_id: str = ""
    value: str = ""
    base_version: str = ""


class EvidenceForm(BaseModel):
    rubric_version_id: str = ""
    dimension_id: str = ""
    text: str = ""
    base_version: str = ""


class NoteForm(BaseModel):
    note_id: str = ""
    text: str = ""
    tags: list[str] = []


class TallyForm(BaseModel):
    rubric_version_id: str = ""
    tally_id: str = ""
    category_id: str = ""
    delta: str = ""


class TimerForm(BaseModel):
    action: str = ""


class ContextForm(BaseModel):
    observed_at: str = ""
    grade: str = ""
    course_unit: str = ""
    lesson_goal: str = ""
    task_description: str = ""
    class_size: str = ""
    base_version: str = ""


def _int(text: str) -> int | None:
    return parse_int(text)


def _message(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "form"
    return f"{where}: {err['msg'].removeprefix('Value error, ')}"


class Outcome:
    """An operation's result, or the message (and status) to show in place."""

    def __init__(self, result: OperationResult | None, error: str = "", status: int = 200) -> None:
        self.result, self.error, self.status = result, error, status


def _attempt(session: SessionDep, viewer: Viewer, build: Any) -> Outcome:
    """Build the op (pydantic checks the input) and run it; 400/409 become an Outcome."""
    try:
        op: Operation = build()
        return Outcome(run(session=session, viewer=viewer, op=op))
    except ValidationError as exc:
        return Outcome(None, _message(exc), 400)
    except ConflictError as exc:
        return Outcome(None, str(exc), 409)
    except OperationError as exc:
        return Outcome(None, str(exc), 400)


def _respond(
    request: Request,
    session: SessionDep,
    viewer: Viewer,
    obs: Observation,
    outcome: Outcome,
    block: str,
    anchor: str,
    **ctx: Any,
) -> Response:
    if not is_htmx(request):
        if outcome.error:
            return render_page(
                request, session=session, viewer=viewer, obs=obs,
                status_code=outcome.status, problems=[outcome.error],
            )  # fmt: skip
        return RedirectResponse(f"/observations/{obs.id}#{anchor}", status_code=303)
    context = page_context(session=session, viewer=viewer, obs=obs, with_revisions=False)
    result = outcome.result
    context.update(
        oob=True,
        error=outcome.error,
        conflict=outcome.status == 409,
        saved_at=result.at if result and result.changed else None,
        **ctx,
    )
    return render_fragment(request, block, context, status_code=outcome.status)


def _unit(
    session: SessionDep, obs: Observation, rv_text: str, dim_id: str, item_id: str | None = None
) -> dict[str, Any] | None:
    """The rubric, dimension (and, for a score, item) a fragment is about, if they exist."""
    sheet = service.load_sheet(session=session, observation=obs)
    rs = sheet.rubric(_int(rv_text) or -1)
    dim = rs.rubric.dimension(dim_id) if rs else None
    if rs is None or dim is None:
        return None
    item = next((i for i in dim.items if i.id == item_id), None)
    if item_id is not None and dim.items and item is None:
        return None
    return {"rs": rs, "dim": dim, "item": item}


def _unrenderable(
    request: Request, session: SessionDep, viewer: Viewer, obs: Observation, outcome: Outcome
) -> Response:
    """An htmx write about a dimension (or tally) that does not exist: no fragment to show
    the message in, so the whole page with it (400; the script shows "not saved")."""
    return render_page(
        request, session=session, viewer=viewer, obs=obs, status_code=400,
        problems=[outcome.error or "This is not part of the observation."],
    )  # fmt: skip


@router.post("/observations/{observation_id}/scores")
def set_score(
    request: Request, observation_id: uuid.UUID, session: SessionDep, viewer: ViewerDep,
    form: Annotated[ScoreForm, Form()],
) -> Response:  # fmt: skip
    obs = load_editable(session=session, viewer=viewer, observation_id=observation_id)
    not_observed = form.value == "not_observed"
    outcome = _attempt(session, viewer, lambda: SetScore(
        observation_id=obs.id, base_version=_int(form.base_version),
        rubric_version_id=form.rubric_version_id, dimension_id=form.dimension_id,
        item_id=form.item_id, not_observed=not_observed,
        value=None if not_observed else form.value or None,
    ))  # fmt: skip
    unit = _unit(session, obs, form.rubric_version_id, form.dimension_id, form.item_id)
    if unit is None and is_htmx(request):
        return _unrenderable(request, session, viewer, obs, outcome)
    anchor = f"dim-{form.rubric_version_id}-{form.dimension_id}"
    return _respond(request, session, viewer, obs, outcome, "score_unit", anchor, **(unit or {}))


@router.post("/observations/{observation_id}/evidence")
def set_evidence(
    request: Request, observation_id: uuid.UUID, session: SessionDep, viewer: ViewerDep,
    form: Annotated[EvidenceForm, Form()],
) -> Response:  # fmt: skip
    obs = load_editable(session=session, viewer=viewer, observation_id=observation_id)
    outcome = _attempt(session, viewer, lambda: SetEvidence(
        observation_id=obs.id, base_version=_int(form.base_version),
        rubric_version_id=form.rubric_version_id, dimension_id=form.dimension_id, text=form.text,
    ))  # fmt: skip
    unit = _unit(session, obs, form.rubric_version_id, form.dimension_id)
    if unit is None and is_htmx(request):
        return _unrenderable(request, session, viewer, obs, outcome)
    anchor = f"dim-{form.rubric_version_id}-{form.dimension_id}"
    return _respond(
        request, session, viewer, obs, outcome, "evidence_status", anchor, **(unit or {})
    )


@router.post("/observations/{observation_id}/notes")
def add_note(
    request: Request, observation_id: uuid.UUID, session: SessionDep, viewer: ViewerDep,
    form: Annotated[NoteForm, Form()],
) -> Response:  # fmt: skip
    obs = load_editable(session=session, viewer=viewer, observation_id=observation_id)
    try:
        note_id = uuid.UUID(form.note_id)
    except ValueError:
        note_id = uuid.uuid4()
    outcome = _attempt(session, viewer, lambda: AddNote(
        observation_id=obs.id, note_id=note_id, text=form.text, tags=form.tags,
    ))  # fmt: skip
    kept = (
        {"note_text": form.text, "note_tags": form.tags, "note_id": note_id}
        if outcome.error
        else {}
    )
    return _respond(request, session, viewer, obs, outcome, "notes", "notes", **kept)


@router.post("/observations/{observation_id}/tallies")
def set_tally(
    request: Request, observation_id: uuid.UUID, session: SessionDep, viewer: ViewerDep,
    form: Annotated[TallyForm, Form()],
) -> Response:  # fmt: skip
    obs = load_editable(session=session, viewer=viewer, observation_id=observation_id)
    outcome = _attempt(session, viewer, lambda: SetTally(
        observation_id=obs.id, rubric_version_id=form.rubric_version_id, tally_id=form.tally_id,
        category_id=form.category_id, delta=form.delta or None,
    ))  # fmt: skip
    sheet = service.load_sheet(session=session, observation=obs)
    rs = sheet.rubric(_int(form.rubric_version_id) or -1)
    tally = next((t for t in rs.rubric.tallies if t.id == form.tally_id), None) if rs else None
    if (rs is None or tally is None) and is_htmx(request):
        return _unrenderable(request, session, viewer, obs, outcome)
    anchor = f"tally-{form.rubric_version_id}-{form.tally_id}"
    return _respond(request, session, viewer, obs, outcome, "tally", anchor, rs=rs, tally=tally)


@router.post("/observations/{observation_id}/timer")
def set_timer(
    request: Request, observation_id: uuid.UUID, session: SessionDep, viewer: ViewerDep,
    form: Annotated[TimerForm, Form()],
) -> Response:  # fmt: skip
    obs = load_editable(session=session, viewer=viewer, observation_id=observation_id)
    outcome = _attempt(
        session,
        viewer,
        lambda: SetTimer(observation_id=obs.id, action=form.action),
    )
    return _respond(request, session, viewer, obs, outcome, "timer", "timer")


def _context_update(form: ContextForm) -> ObservationUpdate:
    observed_at: datetime | str | None = parse_local_datetime(form.observed_at)
    values = {
        **form.model_dump(exclude={"base_version", "observed_at", "class_size"}),
        "observed_at": observed_at or form.observed_at or None,
        "class_size": form.class_size.strip() or None,
    }
    try:
        return ObservationUpdate.model_validate(values)
    except ValidationError as exc:
        name, message = next(iter(errors_from_validation(exc, ObservationUpdate).items()))
        raise OperationError(name, message) from exc


@router.post("/observations/{observation_id}/context")
def update_context(
    request: Request, observation_id: uuid.UUID, session: SessionDep, viewer: ViewerDep,
    form: Annotated[ContextForm, Form()],
) -> Response:  # fmt: skip
    obs = load_editable(session=session, viewer=viewer, observation_id=observation_id)
    outcome = _attempt(session, viewer, lambda: UpdateContext(
        observation_id=obs.id, base_version=_int(form.base_version), data=_context_update(form),
    ))  # fmt: skip
    return _respond(request, session, viewer, obs, outcome, "context_status", "context")
