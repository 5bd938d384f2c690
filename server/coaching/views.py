"""Shared by the coaching page routes: loading a cycle (or a check-in or commitment) for the
pair with the refusals as HTTP errors, a form's write through apply_coaching_operation with
its errors and conflicts as a FormState to show, and the cycle page's context and answers."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, NoReturn

from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from server.accounts import service as accounts_service
from server.accounts.service import Viewer
from server.coaching import access, service
from server.coaching.models import CoachingCycle, CycleUpdate
from server.coaching.operations import CoachingOperation
from server.deps import Forbidden
from server.forms import errors_from_validation, parse_int
from server.observations.operations import ConflictError, NotFound, OperationError, PermissionDenied
from server.templating import is_htmx, render

# ?saved=<key> after a POST-redirect-GET; only these fixed texts are ever shown.
NOTICES = {
    "reflection": "Reflection saved.",
    "progress": "Progress saved.",
    "shared": "Shared: your principal now sees this cycle's summary.",
    "unshared": "Not shared any more: your principal no longer sees this cycle's summary.",
    "commitment": "Commitment updated.",
}
CONFLICTS = {
    "reflection": "This reflection was changed somewhere else (another tab or device) after "
    "you opened this page.",
    "summary_progress": "The progress text was changed (by your coach, or on another device) "
    "after you opened this page.",
    "shared": "Sharing was changed on another device after you opened this page.",
    "status": "This commitment was changed (by your coach, or on another device) after you "
    "opened this page.",
}


@dataclass
class FormState:
    """A form after a post: the value sent (kept on an error), the message for its field,
    on a conflict the value saved meanwhile, and the version the next post is based on."""

    value: str = ""
    error: str = ""
    conflict: bool = False
    current: Any = None
    base_version: int | None = None
    saved: bool = False


def int_or_none(text: str) -> int | None:
    return parse_int(text, low=0)


def refused(exc: Exception) -> NoReturn:
    if isinstance(exc, NotFound):
        raise HTTPException(404, str(exc)) from exc
    assert isinstance(exc, PermissionDenied)
    raise Forbidden(exc.message) from exc


def load_cycle(session: Session, viewer: Viewer, cycle_id: uuid.UUID) -> CoachingCycle:
    try:
        return service.get_cycle_for(session=session, viewer=viewer, cycle_id=cycle_id)
    except (NotFound, PermissionDenied) as exc:
        refused(exc)


def teacher_only(session: Session, viewer: Viewer, cycle: CoachingCycle, what: str) -> None:
    if not access.is_pair_teacher(session=session, viewer=viewer, cycle=cycle):
        raise Forbidden(f"Only the teacher of this cycle can {what}.")


def write(
    session: Session,
    viewer: Viewer,
    entity: str,
    entity_id: uuid.UUID,
    build: Callable[[], CoachingOperation],
    base_text: str,
) -> FormState:
    """Build the operation (pydantic checks the input) and apply it at the form's version:
    FormState(saved=True), or the message for the field (and on a conflict the current
    value, with the version to base a second try on)."""
    try:
        result = service.apply_coaching_operation(
            session=session, actor=viewer, entity_id=entity_id, op=build(),
            base_version=int_or_none(base_text),
        )  # fmt: skip
    except ValidationError as exc:
        errors = errors_from_validation(exc, CycleUpdate)
        return FormState(error=next(iter(errors.values())), base_version=int_or_none(base_text))
    except OperationError as exc:
        message = exc.message[:1].upper() + exc.message[1:]
        return FormState(error=message, base_version=int_or_none(base_text))
    except ConflictError as exc:
        name = "reflection" if exc.field.startswith("reflection") else exc.field
        version = service.current_version(session=session, entity=entity, entity_id=entity_id)
        return FormState(
            error=CONFLICTS.get(name, exc.message), conflict=True, current=exc.current,
            base_version=version,
        )  # fmt: skip
    except (NotFound, PermissionDenied) as exc:
        refused(exc)
    return FormState(saved=True, base_version=result.version)


def page_context(
    request: Request,
    session: Session,
    viewer: Viewer,
    cycle: CoachingCycle,
    states: dict[str, FormState],
) -> dict[str, Any]:
    """Everything the cycle page shows (the caller has the cycle from get_cycle_for)."""
    views = service.check_ins_of(session=session, cycle=cycle)
    return {
        "cycle": cycle,
        "teacher": access.teacher_of(session=session, cycle=cycle),
        "coach": accounts_service.get_user(session=session, user_id=cycle.coach_id),
        "check_ins": views,
        "links": service.linked_observations(
            session=session, viewer=viewer, check_ins=[v.check_in for v in views]
        ),
        "is_teacher": access.is_pair_teacher(session=session, viewer=viewer, cycle=cycle),
        "states": states,
        "today": date.today(),
        "notice": NOTICES.get(request.query_params.get("saved", "")),
    }


def answer(
    request: Request,
    session: Session,
    viewer: Viewer,
    cycle: CoachingCycle,
    *,
    key: str,
    state: FormState,
    block: str,
    saved: str,
    field: tuple[str, str],
    **focus: Any,
) -> Response:
    """A plain post: the redirect after a save, else the page with the message at the top
    (naming `field`: its id and label) and in place. An htmx post: the form's block
    (`focus` names the check-in or commitment it is about)."""
    if state.saved and not is_htmx(request):
        anchor = "summary" if block == "summary" else key
        return RedirectResponse(
            f"/coaching/cycles/{cycle.id}?saved={saved}#{anchor}", status_code=303
        )
    ctx = page_context(request, session, viewer, cycle, {key: state})
    if is_htmx(request):
        return render(request, "coaching/cycle.html", {**ctx, **focus}, block=block)
    ctx["problem"] = {
        "field": field[0], "label": field[1], "message": state.error, "conflict": state.conflict,
    }  # fmt: skip
    status = 409 if state.conflict else 400
    return render(request, "coaching/cycle.html", ctx, status_code=status)
