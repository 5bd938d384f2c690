"""Admin pages: the district (or school) overview, schools, school years, roster teachers.

District admins manage the whole district; a principal their own school(s). People are in
admin_people_routes.py, coach assignments in admin_assignment_routes.py.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlmodel import Session

from server.accounts.service import AdminScope
from server.audit.service import Actor
from server.db import RowId
from server.deps import AdminScopeDep, DistrictAdminScopeDep, Forbidden, SessionDep
from server.forms import field_error, validate
from server.roster import service as roster_service
from server.roster.admin_common import (
    LEVEL_OPTIONS,
    check_school_choice,
    render_admin,
    saved,
    school_in_scope,
    school_options,
    scoped_schools,
    year_options,
)
from server.roster.models import (
    SchoolCreate,
    SchoolUpdate,
    SchoolYearCreate,
    Teacher,
    TeacherCreate,
    TeacherUpdate,
)
from server.roster.service import RosterError

router = APIRouter()


class SchoolForm(BaseModel):
    name: str = ""
    level: str = ""


class SchoolYearForm(BaseModel):
    name: str = ""
    start_date: str = ""
    end_date: str = ""


class TeacherForm(BaseModel):
    name: str = ""
    email: str = ""
    school_id: str = ""
    cohort_year_id: str = ""
    active: bool = False


@router.get("/admin")
def admin_home(request: Request, session: SessionDep, scope: AdminScopeDep) -> Response:
    schools = scoped_schools(session=session, scope=scope)
    counts = roster_service.school_counts(
        session=session, district_id=scope.district_id, school_ids=scope.school_filter
    )
    return render_admin(
        request, "admin/home.html", scope, "home", {"schools": schools, "counts": counts}
    )


# --- Schools ---------------------------------------------------------------------------


@router.get("/admin/schools")
def schools_page(request: Request, session: SessionDep, scope: AdminScopeDep) -> Response:
    schools = scoped_schools(session=session, scope=scope)
    counts = roster_service.school_counts(
        session=session, district_id=scope.district_id, school_ids=scope.school_filter
    )
    return render_admin(
        request, "admin/schools.html", scope, "schools", {"schools": schools, "counts": counts}
    )


def _school_form(
    request: Request,
    scope: AdminScope,
    values: dict[str, Any],
    *,
    school_id: RowId | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    context = {
        "school_id": school_id,
        "values": values,
        "errors": errors or {},
        "levels": LEVEL_OPTIONS,
    }
    status = 400 if errors else 200
    return render_admin(
        request, "admin/school_form.html", scope, "schools", context, status_code=status
    )


@router.get("/admin/schools/new")
def new_school(request: Request, scope: DistrictAdminScopeDep) -> Response:
    return _school_form(request, scope, {"name": "", "level": ""})


@router.post("/admin/schools/new")
def create_school(
    request: Request,
    session: SessionDep,
    scope: DistrictAdminScopeDep,
    form: Annotated[SchoolForm, Form()],
) -> Response:
    data, errors = validate(SchoolCreate, form.model_dump())
    if data is None:
        return _school_form(request, scope, form.model_dump(), errors=errors)
    roster_service.create_school(session=session, district_id=scope.district_id, data=data)
    session.commit()
    return saved("/admin/schools", "school-created")


@router.get("/admin/schools/{school_id}/edit")
def edit_school(
    request: Request, school_id: RowId, session: SessionDep, scope: AdminScopeDep
) -> Response:
    school = school_in_scope(session=session, scope=scope, school_id=school_id)
    values = {"name": school.name, "level": school.level.value}
    return _school_form(request, scope, values, school_id=school_id)


@router.post("/admin/schools/{school_id}/edit")
def update_school(
    request: Request,
    school_id: RowId,
    session: SessionDep,
    scope: AdminScopeDep,
    form: Annotated[SchoolForm, Form()],
) -> Response:
    school = school_in_scope(session=session, scope=scope, school_id=school_id)
    data, errors = validate(SchoolUpdate, form.model_dump())
    if data is None:
        return _school_form(request, scope, form.model_dump(), school_id=school_id, errors=errors)
    roster_service.update_school(session=session, school=school, data=data)
    session.commit()
    return saved("/admin/schools", "school-saved")


# --- School years (district-wide) ------------------------------------------------------


def _school_years_page(
    request: Request,
    session: Session,
    scope: AdminScope,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
) -> Response:
    years = roster_service.list_school_years(session=session, district_id=scope.district_id)
    context = {"years": years, "values": values, "errors": errors or {}}
    return render_admin(
        request,
        "admin/school_years.html",
        scope,
        "years",
        context,
        status_code=400 if errors else 200,
    )


@router.get("/admin/school-years")
def school_years(request: Request, session: SessionDep, scope: DistrictAdminScopeDep) -> Response:
    return _school_years_page(
        request, session, scope, {"name": "", "start_date": "", "end_date": ""}
    )


@router.post("/admin/school-years")
def create_school_year(
    request: Request,
    session: SessionDep,
    scope: DistrictAdminScopeDep,
    form: Annotated[SchoolYearForm, Form()],
) -> Response:
    data, errors = validate(SchoolYearCreate, form.model_dump())
    if data is not None:
        try:
            roster_service.create_school_year(
                session=session, district_id=scope.district_id, data=data
            )
        except RosterError as exc:
            session.rollback()
            errors = field_error(exc)
    if errors:
        return _school_years_page(request, session, scope, form.model_dump(), errors)
    session.commit()
    return saved("/admin/school-years", "year-created")


# --- Roster teachers (with or without a login) ------------------------------------------


def _teacher_in_scope(*, session: Session, scope: AdminScope, teacher_id: RowId) -> Teacher:
    teacher = roster_service.get_teacher(session=session, teacher_id=teacher_id)
    if teacher is None:
        raise HTTPException(404, "No such teacher.")
    school = roster_service.get_school(session=session, school_id=teacher.school_id)
    if school is None or not scope.covers_school(school):
        raise Forbidden("You can only manage teachers at your own school.")
    return teacher


def _teacher_form(
    request: Request,
    session: Session,
    scope: AdminScope,
    values: dict[str, Any],
    *,
    teacher: Teacher | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    schools = scoped_schools(session=session, scope=scope)
    years = roster_service.list_school_years(session=session, district_id=scope.district_id)
    context = {
        "teacher": teacher,
        "values": values,
        "errors": errors or {},
        "schools": school_options(schools),
        "years": year_options(years),
    }
    status = 400 if errors else 200
    return render_admin(
        request, "admin/teacher_form.html", scope, "people", context, status_code=status
    )


@router.get("/admin/teachers/new")
def new_teacher(
    request: Request, session: SessionDep, scope: AdminScopeDep, school_id: RowId | None = None
) -> Response:
    schools = scoped_schools(session=session, scope=scope)
    if school_id is None and len(schools) == 1:
        school_id = schools[0].id
    values = {"name": "", "email": "", "school_id": school_id or "", "cohort_year_id": ""}
    return _teacher_form(request, session, scope, values)


@router.post("/admin/teachers/new")
def create_teacher(
    request: Request,
    session: SessionDep,
    scope: AdminScopeDep,
    form: Annotated[TeacherForm, Form()],
) -> Response:
    data, errors = validate(TeacherCreate, form.model_dump(exclude={"active"}))
    if data is not None:
        check_school_choice(session=session, scope=scope, school_id=data.school_id)
        try:
            roster_service.create_teacher(session=session, district_id=scope.district_id, data=data)
        except RosterError as exc:
            session.rollback()
            errors = field_error(exc)
    if errors:
        return _teacher_form(request, session, scope, form.model_dump(), errors=errors)
    session.commit()
    return saved("/admin/people", "teacher-created")


@router.get("/admin/teachers/{teacher_id}/edit")
def edit_teacher(
    request: Request, teacher_id: RowId, session: SessionDep, scope: AdminScopeDep
) -> Response:
    teacher = _teacher_in_scope(session=session, scope=scope, teacher_id=teacher_id)
    values = {
        "name": teacher.name,
        "email": teacher.email or "",
        "school_id": teacher.school_id,
        "cohort_year_id": teacher.cohort_year_id or "",
        "active": teacher.active,
    }
    return _teacher_form(request, session, scope, values, teacher=teacher)


@router.post("/admin/teachers/{teacher_id}/edit")
def update_teacher(
    request: Request,
    teacher_id: RowId,
    session: SessionDep,
    scope: AdminScopeDep,
    form: Annotated[TeacherForm, Form()],
) -> Response:
    teacher = _teacher_in_scope(session=session, scope=scope, teacher_id=teacher_id)
    data, errors = validate(TeacherUpdate, form.model_dump())
    if data is not None:
        check_school_choice(session=session, scope=scope, school_id=data.school_id)
        try:
            roster_service.update_teacher(
                session=session, teacher=teacher, data=data,
                actor=Actor(user_id=scope.viewer.id, via="admin pages"),
                may_change_email=scope.is_district_admin,
            )  # fmt: skip
        except RosterError as exc:
            session.rollback()
            errors = field_error(exc)
    if errors:
        return _teacher_form(
            request, session, scope, form.model_dump(), teacher=teacher, errors=errors
        )
    session.commit()
    return saved("/admin/people", "teacher-saved")
