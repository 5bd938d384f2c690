"""The observation page for the people an observation was shared with (the teacher, and a
principal the teacher shared it with): read-only, with the teacher's reflection and sharing
on. Its coach scores, finalizes and shares in the coach's app (/observe/{id}), which this
page sends them to."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from server.accounts.service import Viewer
from server.deps import Forbidden, SessionDep, ViewerDep
from server.forms import errors_from_validation
from server.observations import service
from server.observations.operations import (
    AddReflection,
    ConflictError,
    OperationError,
    Share,
)
from server.observations.views import (
    load,
    render_page,
    run,
)

router = APIRouter()


class ReflectionForm(BaseModel):
    text: str = ""


@router.get("/observations/{observation_id}")
def observation_page(
    request: Request, observation_id: uuid.UUID, session: SessionDep, viewer: ViewerDep
) -> Response:
    obs = load(session=session, viewer=viewer, observation_id=observation_id)
    return render_page(request, session=session, viewer=viewer, obs=obs)


def _load_for_teacher(session: SessionDep, viewer: Viewer, observation_id: uuid.UUID) -> Any:
    obs = load(session=session, viewer=viewer, observation_id=observation_id)
    if not service.can_reflect(session=session, viewer=viewer, observation=obs):
        raise Forbidden("Only the observed teacher can do this.")
    return obs


@router.post("/observations/{observation_id}/share-principal")
def share_with_principal(
    observation_id: uuid.UUID, session: SessionDep, viewer: ViewerDep
) -> Response:
    obs = _load_for_teacher(session, viewer, observation_id)
    run(session=session, viewer=viewer, op=Share(observation_id=obs.id, audience="principal"))
    return RedirectResponse(f"/observations/{obs.id}?saved=shared-principal", status_code=303)


@router.post("/observations/{observation_id}/reflection")
def reflect(
    request: Request,
    observation_id: uuid.UUID,
    session: SessionDep,
    viewer: ViewerDep,
    form: Annotated[ReflectionForm, Form()],
) -> Response:
    obs = _load_for_teacher(session, viewer, observation_id)
    try:
        op = AddReflection(observation_id=obs.id, text=form.text)
        run(session=session, viewer=viewer, op=op)
    except (ValidationError, OperationError, ConflictError) as exc:
        message = str(exc)
        if isinstance(exc, ValidationError):
            message = errors_from_validation(exc, AddReflection).get("text", "")
            if not form.text.strip():
                message = "Write your reflection first."
        return render_page(
            request, session=session, viewer=viewer, obs=obs, status_code=400,
            errors={"text": message}, reflection_text=form.text,
        )  # fmt: skip
    return RedirectResponse(f"/observations/{obs.id}?saved=reflection", status_code=303)
