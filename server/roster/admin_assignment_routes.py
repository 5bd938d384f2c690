"""Admin pages for coach assignments: which coach works with which teacher, and when.

District admins assign any coach in the district to any teacher; a principal assigns the
coaches at their school to the teachers at their school.
"""

from datetime import date
from itertools import groupby
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlmodel import Session

from server.accounts import service as accounts_service
from server.accounts.models import User
from server.accounts.service import AdminScope
from server.audit.service import Actor
from server.db import RowId
from server.deps import AdminScopeDep, Forbidden, SessionDep
from server.forms import FormErrors, field_error, validate
from server.roster import service as roster_service
from server.roster.admin_common import render_admin, saved, scoped_schools, year_options
from server.roster.models import (
    CoachAssignment,
    CoachAssignmentBase,
    CoachAssignmentCreate,
    CoachAssignmentUpdate,
    Teacher,
)
from server.roster.service import RosterError

router = APIRouter()


class AssignmentForm(BaseModel):
    coach_id: str = ""
    teacher_id: str = ""
    school_year_id: str = ""
    start_date: str = ""
    end_date: str = ""


@router.get("/admin/assignments")
def assignments_page(request: Request, session: SessionDep, scope: AdminScopeDep) -> Response:
    rows = roster_service.list_assignments(
        session=session, district_id=scope.district_id, school_ids=scope.school_filter
    )
    by_year = [(year, list(group)) for year, group in groupby(rows, key=lambda r: r.year)]
    return render_admin(
        request, "admin/assignments.html", scope, "assignments", {"by_year": by_year}
    )


def _teacher_in_scope(session: Session, scope: AdminScope, teacher_id: RowId) -> Teacher | None:
    """The chosen teacher; None when unknown (the service names the field), 403 when theirs
    is another school."""
    teacher = roster_service.get_teacher(session=session, teacher_id=teacher_id)
    if teacher is None:
        return None
    school = roster_service.get_school(session=session, school_id=teacher.school_id)
    if school is None or not scope.covers_school(school):
        raise Forbidden("You can only assign teachers at your own school.")
    return teacher


def _assignment_in_scope(
    session: Session, scope: AdminScope, assignment_id: RowId
) -> CoachAssignment:
    assignment = roster_service.get_assignment(session=session, assignment_id=assignment_id)
    if assignment is None:
        raise HTTPException(404, "No such assignment.")
    _teacher_in_scope(session, scope, assignment.teacher_id)
    return assignment


def _coach_choices(
    session: Session, scope: AdminScope, current: CoachAssignment | None
) -> list[User]:
    """Coaches in scope (a principal: those at their school), plus the assignment's own coach
    so that editing keeps it selectable."""
    coaches = roster_service.list_coaches(
        session=session, district_id=scope.district_id, school_ids=scope.school_filter
    )
    if current is not None and current.coach_id not in {c.id for c in coaches}:
        coach = accounts_service.get_user(session=session, user_id=current.coach_id)
        if coach is not None:
            coaches = sorted([*coaches, coach], key=lambda c: c.name)
    return coaches


def _options(
    session: Session, scope: AdminScope, current: CoachAssignment | None
) -> dict[str, list[tuple[int | None, str]]]:
    schools = {s.id: s.name for s in scoped_schools(session=session, scope=scope)}
    teachers = roster_service.list_teachers(
        session=session, district_id=scope.district_id, school_ids=scope.school_filter
    )
    years = roster_service.list_school_years(session=session, district_id=scope.district_id)
    return {
        "coaches": [(c.id, c.name) for c in _coach_choices(session, scope, current)],
        "teachers": [
            (t.id, f"{t.name} ({schools.get(t.school_id, '')})")
            for t in teachers
            if t.active or (current is not None and t.id == current.teacher_id)
        ],
        "years": year_options(years),
    }


def _form(
    request: Request,
    session: Session,
    scope: AdminScope,
    values: dict[str, Any],
    *,
    assignment: CoachAssignment | None = None,
    errors: FormErrors | None = None,
) -> Response:
    context = {
        "assignment": assignment,
        "values": values,
        "errors": errors or {},
        **_options(session, scope, assignment),
    }
    status = 400 if errors else 200
    return render_admin(
        request, "admin/assignment_form.html", scope, "assignments", context, status_code=status
    )


def _save(
    session: Session,
    scope: AdminScope,
    data: CoachAssignmentBase,
    assignment: CoachAssignment | None,
) -> FormErrors:
    """Check the viewer's scope, then create or update; the refusal as form errors."""
    _teacher_in_scope(session, scope, data.teacher_id)
    if data.coach_id not in {c.id for c in _coach_choices(session, scope, assignment)}:
        return {"coach_id": "Choose a coach from the list."}
    actor = Actor(user_id=scope.viewer.id, via="admin pages")
    try:
        if assignment is None:
            roster_service.create_assignment(session=session, data=data, actor=actor)
        else:
            roster_service.update_assignment(
                session=session, assignment=assignment, data=data, actor=actor
            )
    except RosterError as exc:
        session.rollback()
        return field_error(exc)
    session.commit()
    return {}


@router.get("/admin/assignments/new")
def new_assignment(
    request: Request, session: SessionDep, scope: AdminScopeDep, teacher_id: RowId | None = None
) -> Response:
    today = date.today()
    year = roster_service.current_school_year(
        session=session, district_id=scope.district_id, today=today
    )
    start = (
        (today if year.start_date <= today <= year.end_date else year.start_date) if year else ""
    )
    values = {
        "coach_id": "",
        "teacher_id": teacher_id or "",
        "school_year_id": year.id if year else "",
        "start_date": start,
        "end_date": "",
    }
    return _form(request, session, scope, values)


@router.post("/admin/assignments/new")
def create_assignment(
    request: Request,
    session: SessionDep,
    scope: AdminScopeDep,
    form: Annotated[AssignmentForm, Form()],
) -> Response:
    values = form.model_dump()
    data, errors = validate(CoachAssignmentCreate, values)
    if data is not None:
        errors = _save(session, scope, data, None)
    if errors:
        return _form(request, session, scope, values, errors=errors)
    return saved("/admin/assignments", "assignment-created")


@router.get("/admin/assignments/{assignment_id}/edit")
def edit_assignment(
    request: Request, assignment_id: RowId, session: SessionDep, scope: AdminScopeDep
) -> Response:
    assignment = _assignment_in_scope(session, scope, assignment_id)
    values = assignment.model_dump(
        include={"coach_id", "teacher_id", "school_year_id", "start_date", "end_date"}
    )
    return _form(request, session, scope, values, assignment=assignment)


@router.post("/admin/assignments/{assignment_id}/edit")
def update_assignment(
    request: Request,
    assignment_id: RowId,
    session: SessionDep,
    scope: AdminScopeDep,
    form: Annotated[AssignmentForm, Form()],
) -> Response:
    assignment = _assignment_in_scope(session, scope, assignment_id)
    values = form.model_dump()
    data, errors = validate(CoachAssignmentUpdate, values)
    if data is not None:
        errors = _save(session, scope, data, assignment)
    if errors:
        return _form(request, session, scope, values, assignment=assignment, errors=errors)
    return saved("/admin/assignments", "assignment-saved")
