"""The observation page for the people an observation was shared with (the teacher, and a
principal the teacher shared it with): read-only, with the teacher's reflection and sharing
on. Its coach scores, finalizes and shares in the coach's app (/observe/{id}), which this
page sends them to. And a co-observed lesson's agreement page, where its two raters
reconcile (co_observation.py): online only, since it needs both raters' scores, which no
tablet holds until both have finalized."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from server.accounts.service import Viewer
from server.deps import Forbidden, SessionDep, ViewerDep
from server.forms import errors_from_validation
from server.observations import agreement_page, co_observation, district_agreement, service
from server.observations.co_observation import Pair
from server.observations.operations import (
    AddReflection,
    ConflictError,
    ConsensusScore,
    OperationError,
    Reconcile,
    Share,
)
from server.observations.views import (
    load,
    render_page,
    run,
)
from server.templating import render

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


# --- A co-observed lesson's agreement ------------------------------------------------------


def _pair(session: SessionDep, viewer: Viewer, observation_id: uuid.UUID) -> Pair:
    """The co-observed lesson if this viewer may see its agreement: 404 when there is no
    such observation or it has one observer, 403 for anyone but its raters and the
    district's admins (never a principal or the teacher)."""
    obs = service.get_observation(session=session, observation_id=observation_id)
    pair = None if obs is None else co_observation.pair_of(session=session, observation=obs)
    if obs is None or pair is None:
        raise HTTPException(404, "There is no such co-observed lesson.")
    teacher = service.get_teacher_of(session=session, observation=obs)
    if not co_observation.can_see_agreement(
        viewer=viewer, pair=pair, district_id=teacher.district_id
    ):
        raise Forbidden(
            "Agreement is shown to the lesson's two raters, district specialists and admins."
        )
    return pair


def _agreement(
    request: Request, session: SessionDep, viewer: Viewer, pair: Pair, **extra: Any
) -> Response:
    ctx = agreement_page.context(session=session, viewer=viewer, pair=pair)
    ctx.update(extra)
    status_code = 400 if ctx["errors"] else 200
    return render(request, "observations/agreement.html", ctx, status_code=status_code)


@router.get("/observations/{observation_id}/agreement")
def agreement(
    request: Request, observation_id: uuid.UUID, session: SessionDep, viewer: ViewerDep
) -> Response:
    pair = _pair(session, viewer, observation_id)
    if observation_id != pair.first.id:
        return RedirectResponse(f"/observations/{pair.first.id}/agreement", status_code=303)
    return _agreement(request, session, viewer, pair, saved=request.query_params.get("saved"))


async def form_fields(request: Request) -> dict[str, str]:
    """The posted form's fields (names made from the rubric's cells, so no fixed model)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def consensus_of(fields: dict[str, str]) -> tuple[list[ConsensusScore], dict[str, str]]:
    """The consensus cells posted (c:RV:DIM:ITEM = a level, or "not-observed"; "" = not
    chosen), and an error per field that is not a level."""
    scores, errors = [], {}
    for name, raw in fields.items():
        parts = name.split(":")
        if parts[0] != "c" or len(parts) != 4 or raw == "":
            continue
        _, rv, dim, item = parts
        key = f"scores.{rv}:{dim}" + (f":{item}" if item else "")
        try:
            value = None if raw == "not-observed" else int(raw)
            scores.append(
                ConsensusScore(
                    rubric_version_id=int(rv), dimension_id=dim, item_id=item, value=value
                )
            )
        except ValueError:
            errors[key] = "choose one of the levels"
    return scores, errors


@router.post("/observations/{observation_id}/reconcile")
def reconcile(
    request: Request,
    observation_id: uuid.UUID,
    session: SessionDep,
    viewer: ViewerDep,
    fields: Annotated[dict[str, str], Depends(form_fields)],
) -> Response:
    pair = _pair(session, viewer, observation_id)
    if not co_observation.is_rater(viewer=viewer, pair=pair):
        raise Forbidden("Only the lesson's two raters can reconcile it.")
    scores, errors = consensus_of(fields)
    chosen = {k: v for k, v in fields.items() if k.startswith("c:")}
    if not errors:
        try:
            run(
                session=session,
                viewer=viewer,
                op=Reconcile(observation_id=pair.first.id, scores=scores),
            )
        except (ValidationError, OperationError, ConflictError) as exc:
            field = getattr(exc, "field", "scores")
            errors[field] = getattr(exc, "message", str(exc))
    if errors:
        session.expire_all()
        fresh = _pair(session, viewer, pair.first.id)
        return _agreement(request, session, viewer, fresh, errors=errors, chosen=chosen)
    return RedirectResponse(f"/observations/{pair.first.id}/agreement?saved=1", status_code=303)


@router.get("/district/co-observations")
def district_co_observations(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """The district's co-observed lessons and their raters' agreement (district admins and
    specialists)."""
    district_id = viewer.district_id
    if district_id is None or not co_observation.oversees_raters(
        viewer=viewer, district_id=district_id
    ):
        raise Forbidden("Raters' agreement is shown to district admins and specialists.")
    summary = district_agreement.district_agreement(session=session, district_id=district_id)
    ctx = {"summary": summary, "scope": viewer.admin_scope(), "section": "co-observations"}
    return render(request, "observations/district_agreement.html", ctx)
