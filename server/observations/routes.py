"""Observation pages: a coach's teacher page, the new-observation form, the observation
page (scoring for its coach, read-only for the teacher and a principal it was shared with),
finalize, share and the teacher's reflection. Autosave endpoints: write_routes.py."""

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from server.accounts.service import Viewer
from server.db import RowId
from server.deps import CoachDep, Forbidden, SessionDep, ViewerDep
from server.forms import FormErrors, errors_from_validation, parse_row_id
from server.observations import service
from server.observations.models import ObservationCreate
from server.observations.operations import (
    AddReflection,
    ConflictError,
    CreateObservation,
    Finalize,
    FinalizeGaps,
    OperationError,
    Share,
)
from server.observations.views import (
    GRADES,
    input_datetime,
    load,
    load_editable,
    parse_local_datetime,
    render_page,
    run,
)
from server.roster import service as roster_service
from server.roster.models import Teacher
from server.templating import render

router = APIRouter()


class NewObservationForm(BaseModel):
    observation_id: str = ""
    rubric_version_ids: list[str] = []
    observed_at: str = ""
    grade: str = ""
    course_unit: str = ""
    lesson_goal: str = ""
    task_description: str = ""
    class_size: str = ""


class ReflectionForm(BaseModel):
    text: str = ""


def _coach_teacher(session: SessionDep, viewer: Viewer, teacher_id: RowId) -> Teacher:
    teacher = roster_service.get_teacher(session=session, teacher_id=teacher_id)
    if teacher is None:
        raise HTTPException(404, "There is no such teacher.")
    if not service.coaches_teacher(session=session, coach_id=viewer.id, teacher_id=teacher_id):
        raise Forbidden("This teacher is not in your caseload.")
    return teacher


@router.get("/teachers/{teacher_id}")
def teacher_page(
    request: Request, teacher_id: RowId, session: SessionDep, viewer: CoachDep
) -> Response:
    teacher = _coach_teacher(session, viewer, teacher_id)
    observations = service.list_by_observer(
        session=session, teacher_id=teacher_id, observer_id=viewer.id
    )
    can_observe = service.in_caseload(
        session=session, coach_id=viewer.id, teacher_id=teacher_id, on=date.today()
    )
    school = roster_service.get_school(session=session, school_id=teacher.school_id)
    return render(
        request,
        "observations/teacher.html",
        {
            "teacher": teacher,
            "school": school,
            "observations": observations,
            "can_observe": can_observe,
        },
    )


def _new_form(
    request: Request,
    session: SessionDep,
    teacher: Teacher,
    values: dict[str, Any],
    errors: FormErrors | None = None,
) -> Response:
    context = {
        "teacher": teacher,
        "values": values,
        "errors": errors or {},
        "rubrics": service.list_rubric_choices(session=session),
        "grades": GRADES,
    }
    return render(request, "observations/new.html", context, status_code=400 if errors else 200)


def _require_caseload(session: SessionDep, viewer: Viewer, teacher: Teacher) -> None:
    assert teacher.id is not None
    if not service.in_caseload(
        session=session, coach_id=viewer.id, teacher_id=teacher.id, on=date.today()
    ):
        raise Forbidden(f"{teacher.name} is not in your caseload this school year.")


@router.get("/teachers/{teacher_id}/observations/new")
def new_observation(
    request: Request, teacher_id: RowId, session: SessionDep, viewer: CoachDep
) -> Response:
    teacher = _coach_teacher(session, viewer, teacher_id)
    _require_caseload(session, viewer, teacher)
    rubrics = service.list_rubric_choices(session=session)
    values = NewObservationForm(
        observation_id=str(uuid.uuid4()),  # the client id: a resubmitted form creates one
        observed_at=input_datetime(datetime.now().astimezone()),
        rubric_version_ids=[str(rubrics[0].id)] if len(rubrics) == 1 else [],
    ).model_dump()
    return _new_form(request, session, teacher, values)


def _parse_new(
    form: NewObservationForm, teacher_id: RowId
) -> tuple[ObservationCreate | None, FormErrors]:
    errors: FormErrors = {}
    observed_at = parse_local_datetime(form.observed_at) if form.observed_at.strip() else None
    if observed_at is None:
        errors["observed_at"] = "Enter the date and time of the lesson."
    if form.grade and form.grade not in GRADES:
        errors["grade"] = "Choose one from the list."
    rubric_ids = [i for i in map(parse_row_id, form.rubric_version_ids) if i is not None]
    if not rubric_ids:
        errors["rubric_version_ids"] = "Choose at least one rubric."
    values = {
        **form.model_dump(exclude={"observation_id", "rubric_version_ids", "observed_at"}),
        "observed_at": observed_at,
        "teacher_id": teacher_id,
        "rubric_version_ids": rubric_ids,
        "class_size": form.class_size.strip() or None,
    }
    try:
        data = ObservationCreate.model_validate(values)
    except ValidationError as exc:
        found = errors_from_validation(exc, ObservationCreate)
        return None, {**found, **errors}
    return (None, errors) if errors else (data, {})


@router.post("/teachers/{teacher_id}/observations/new")
def create_observation(
    request: Request,
    teacher_id: RowId,
    session: SessionDep,
    viewer: CoachDep,
    form: Annotated[NewObservationForm, Form()],
) -> Response:
    teacher = _coach_teacher(session, viewer, teacher_id)
    _require_caseload(session, viewer, teacher)
    values = form.model_dump()
    try:
        observation_id = uuid.UUID(form.observation_id)
    except ValueError:
        observation_id = uuid.uuid4()
        values["observation_id"] = str(observation_id)
    data, errors = _parse_new(form, teacher_id)
    if data is None:
        return _new_form(request, session, teacher, values, errors)
    try:
        result = run(
            session=session,
            viewer=viewer,
            op=CreateObservation(observation_id=observation_id, data=data),
        )
    except OperationError as exc:
        return _new_form(request, session, teacher, values, {exc.field: exc.message})
    return RedirectResponse(f"/observations/{result.observation.id}", status_code=303)


@router.get("/observations/{observation_id}")
def observation_page(
    request: Request, observation_id: uuid.UUID, session: SessionDep, viewer: ViewerDep
) -> Response:
    obs = load(session=session, viewer=viewer, observation_id=observation_id)
    return render_page(request, session=session, viewer=viewer, obs=obs)


@router.post("/observations/{observation_id}/finalize")
def finalize(
    request: Request, observation_id: uuid.UUID, session: SessionDep, viewer: ViewerDep
) -> Response:
    obs = load_editable(session=session, viewer=viewer, observation_id=observation_id)
    try:
        run(session=session, viewer=viewer, op=Finalize(observation_id=obs.id))
    except FinalizeGaps as exc:
        return render_page(
            request, session=session, viewer=viewer, obs=obs, status_code=400, problems=exc.missing,
            problems_title="Not finalized. Score these, or mark them not observed:",
        )  # fmt: skip
    return RedirectResponse(f"/observations/{obs.id}?saved=finalized", status_code=303)


@router.post("/observations/{observation_id}/share")
def share_with_teacher(
    request: Request, observation_id: uuid.UUID, session: SessionDep, viewer: ViewerDep
) -> Response:
    obs = load_editable(session=session, viewer=viewer, observation_id=observation_id)
    try:
        run(session=session, viewer=viewer, op=Share(observation_id=obs.id, audience="teacher"))
    except OperationError as exc:
        return render_page(
            request, session=session, viewer=viewer, obs=obs, status_code=400,
            share_error=exc.message,
        )  # fmt: skip
    return RedirectResponse(f"/observations/{obs.id}?saved=shared", status_code=303)


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
        message = "Write your reflection first." if isinstance(exc, ValidationError) else str(exc)
        return render_page(
            request, session=session, viewer=viewer, obs=obs, status_code=400,
            errors={"text": message}, reflection_text=form.text,
        )  # fmt: skip
    return RedirectResponse(f"/observations/{obs.id}?saved=reflection", status_code=303)
