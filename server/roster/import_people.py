"""Roster import: write people (sign-ins and roles), roster teachers and coach assignments."""

from typing import Any

from sqlmodel import col, select

from server.accounts import policy
from server.accounts.models import Membership, Role, User
from server.accounts.service import get_user_by_email
from server.roster.import_plan import Origin, PersonPlan, RolePlan, TeacherPlan
from server.roster.import_run import ImportRun, row_id
from server.roster.models import CoachAssignment, Teacher
from server.roster.service import current_school_year


def apply_person(run: ImportRun, plan: PersonPlan) -> None:
    """Match by source id, else adopt a hand-made account with the same email."""
    user = run.first(select(User).where(User.source_id == plan.source_id))
    by_email = get_user_by_email(session=run.session, email=plan.email) if plan.email else None
    if by_email is not None and (user is None or by_email.id != user.id):
        if user is not None or by_email.source_id is not None:
            run.problem(plan.origin, "email", f"{plan.email} is someone else's ({by_email.name})")
            return
        user = by_email
    if user is None and plan.only_existing:
        run.counts["people"].skipped += 1
        return
    if user is None:
        assert plan.email is not None  # the parsers require it for everyone created
        new = User(email=plan.email, name=plan.name, source_id=plan.source_id)
        user = run.save("people", new, {"is_active": plan.active}, new=True)
    else:
        values: dict[str, Any] = {"source_id": plan.source_id, "is_active": plan.active}
        if not plan.only_existing:
            values.update(name=plan.name, email=plan.email)
        user = run.save("people", user, values)
    for role in plan.roles:
        _membership(run, user, role, plan.origin)


def _membership(run: ImportRun, user: User, plan: RolePlan, origin: Origin) -> None:
    """Roles are only ever added: one given on the admin pages is not the file's to remove."""
    district_id = row_id(run.districts[plan.district_key])
    school_id = row_id(run.schools[plan.school_key]) if plan.school_key else None
    found = run.first(
        select(Membership).where(
            Membership.user_id == user.id,
            Membership.role == plan.role,
            Membership.district_id == district_id,
            Membership.school_id == school_id,
        )
    )
    if found is None:
        problem = policy.role_grant_problem(
            session=run.session, actor_id=run.actor.user_id, user_id=row_id(user),
            role=plan.role, school_id=school_id, today=run.today,
        )  # fmt: skip
        if problem:
            run.problem(origin, "role", problem)
            return
    new = Membership(
        user_id=row_id(user), role=plan.role, district_id=district_id, school_id=school_id
    )
    run.save("roles", found or new, {}, new=found is None)


def apply_teacher(run: ImportRun, plan: TeacherPlan) -> None:
    """Match by source id, else adopt a roster entry with the same email and no source id."""
    keys = [plan.district_key] if plan.district_key is not None else list(run.districts)
    district_ids = [row_id(run.districts[key]) for key in keys]
    in_districts = col(Teacher.district_id).in_(district_ids)
    found = run.first(select(Teacher).where(in_districts, Teacher.source_id == plan.source_id))
    if found is None and plan.email and not plan.only_existing:
        found = run.first(
            select(Teacher).where(
                in_districts, Teacher.email == plan.email, col(Teacher.source_id).is_(None)
            )
        )
    if plan.only_existing:
        if found is None:
            run.counts["teachers"].skipped += 1
        else:
            run.save("teachers", found, {"active": False})
        return
    district_id = district_ids[0]
    if plan.email:
        clash = run.first(
            select(Teacher).where(
                Teacher.district_id == district_id,
                Teacher.email == plan.email,
                Teacher.id != (found.id if found else None),
            )
        )
        if clash is not None:
            run.problem(
                plan.origin, "email", f"{plan.email} is already on the roster ({clash.name})"
            )
            return
    values: dict[str, Any] = {
        "name": plan.name,
        "email": plan.email,
        "school_id": row_id(run.schools[plan.school_key or ""]),
        "source_id": plan.source_id,
        "active": plan.active,
    }
    # No cohort in the file leaves the one set on the admin pages alone.
    cohort = run.years.get((district_id, plan.cohort)) if plan.cohort else None
    if cohort is not None:
        values["cohort_year_id"] = cohort.id
    if found is None:
        teacher = run.save("teachers", Teacher(district_id=district_id, **values), {}, new=True)
    else:
        teacher = run.save("teachers", found, values)
    if plan.coach_email:
        _assign(run, teacher, plan.coach_email, plan)


def _assign(run: ImportRun, teacher: Teacher, coach_email: str, plan: TeacherPlan) -> None:
    """Coach the teacher for the whole current school year, unless that is so already."""
    coach = get_user_by_email(session=run.session, email=coach_email)
    if coach is None or not run.first(
        select(Membership).where(
            Membership.user_id == coach.id,
            Membership.role == Role.coach,
            Membership.district_id == teacher.district_id,
        )
    ):
        run.problem(plan.origin, "coach_email", f"{coach_email} is not a coach in this district")
        return
    problem = policy.assignment_problem(
        session=run.session, actor_id=run.actor.user_id, coach_id=row_id(coach), teacher=teacher
    )
    if problem:
        run.problem(plan.origin, "coach_email", problem)
        return
    year = current_school_year(
        session=run.session, district_id=teacher.district_id, today=run.today
    )
    if year is None:
        message = "there is no school year to assign coaches in: give the teacher a cohort"
        run.problem(plan.origin, "coach_email", message)
        return
    found = run.first(
        select(CoachAssignment).where(
            CoachAssignment.coach_id == coach.id,
            CoachAssignment.teacher_id == teacher.id,
            CoachAssignment.school_year_id == year.id,
        )
    )
    new = CoachAssignment(
        coach_id=row_id(coach),
        teacher_id=row_id(teacher),
        school_year_id=row_id(year),
        start_date=year.start_date,
    )
    run.save("coach assignments", found or new, {}, new=found is None)
