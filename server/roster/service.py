"""Roster: schools, school years, teachers, coach assignments and caseloads."""

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, func, or_, select

from server.accounts import policy
from server.accounts.models import Membership, Role, User
from server.audit import service as audit_service
from server.audit.service import Actor
from server.roster.models import (
    CoachAssignment,
    CoachAssignmentBase,
    District,
    School,
    SchoolCreate,
    SchoolUpdate,
    SchoolYear,
    SchoolYearCreate,
    Teacher,
    TeacherCreate,
    TeacherUpdate,
)


class RosterError(ValueError):
    """A roster change that breaks a rule; `field` names the form field at fault."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class CaseloadEntry:
    teacher: Teacher
    school: School
    assignment: CoachAssignment
    cohort: SchoolYear | None


def get_or_create_district(
    *, session: Session, name: str, source_id: str | None = None
) -> District:
    query = select(District).where(
        District.source_id == source_id if source_id else District.name == name
    )
    district = session.exec(query).first()
    if district is None:
        district = District(name=name, source_id=source_id)
        session.add(district)
        session.flush()
    return district


def first_district(*, session: Session) -> District | None:
    return session.exec(select(District).order_by(col(District.id))).first()


def list_schools(
    *, session: Session, district_id: int, school_ids: set[int] | None = None
) -> list[School]:
    query = select(School).where(School.district_id == district_id)
    if school_ids is not None:
        query = query.where(col(School.id).in_(school_ids))
    return list(session.exec(query.order_by(School.name)))


def get_school(*, session: Session, school_id: int) -> School | None:
    return session.get(School, school_id)


def create_school(*, session: Session, district_id: int, data: SchoolCreate) -> School:
    school = School(district_id=district_id, **data.model_dump())
    session.add(school)
    session.flush()
    return school


def update_school(*, session: Session, school: School, data: SchoolUpdate) -> School:
    school.sqlmodel_update(data.model_dump())
    session.add(school)
    session.flush()
    return school


@dataclass(frozen=True)
class SchoolCounts:
    teachers: int
    coaches: int


def school_counts(
    *, session: Session, district_id: int, school_ids: set[int] | None = None
) -> dict[int, SchoolCounts]:
    """Active roster teachers and coaches per school, for every school listed."""
    schools = list_schools(session=session, district_id=district_id, school_ids=school_ids)
    ids = [s.id for s in schools]
    teachers = dict(
        session.exec(
            select(Teacher.school_id, func.count())
            .where(col(Teacher.school_id).in_(ids), col(Teacher.active).is_(True))
            .group_by(col(Teacher.school_id))
        ).all()
    )
    coaches = dict(
        session.exec(
            select(Membership.school_id, func.count(func.distinct(Membership.user_id)))
            .where(col(Membership.school_id).in_(ids), Membership.role == Role.coach)
            .group_by(col(Membership.school_id))
        ).all()
    )
    return {
        s.id: SchoolCounts(teachers=teachers.get(s.id, 0), coaches=coaches.get(s.id, 0))
        for s in schools
        if s.id is not None
    }


def get_school_year(*, session: Session, school_year_id: int) -> SchoolYear | None:
    return session.get(SchoolYear, school_year_id)


def list_school_years(*, session: Session, district_id: int) -> list[SchoolYear]:
    query = select(SchoolYear).where(SchoolYear.district_id == district_id)
    return list(session.exec(query.order_by(col(SchoolYear.start_date).desc())))


def create_school_year(*, session: Session, district_id: int, data: SchoolYearCreate) -> SchoolYear:
    clash = session.exec(
        select(SchoolYear).where(
            SchoolYear.district_id == district_id, SchoolYear.name == data.name
        )
    ).first()
    if clash is not None:
        raise RosterError("name", f"the school year {data.name} already exists")
    year = SchoolYear(district_id=district_id, **data.model_dump())
    session.add(year)
    session.flush()
    return year


def current_school_year(*, session: Session, district_id: int, today: date) -> SchoolYear | None:
    """The year containing `today`, else the latest one that has started, else the first."""
    years = list_school_years(session=session, district_id=district_id)
    for year in years:
        if year.start_date <= today <= year.end_date:
            return year
    started = [y for y in years if y.start_date <= today]
    return started[0] if started else (years[-1] if years else None)


def list_teachers(
    *,
    session: Session,
    district_id: int,
    school_ids: set[int] | None = None,
    has_login: bool | None = None,
) -> list[Teacher]:
    query = select(Teacher).where(Teacher.district_id == district_id)
    if school_ids is not None:
        query = query.where(col(Teacher.school_id).in_(school_ids))
    if has_login is not None:
        user_id = col(Teacher.user_id)
        query = query.where(user_id.is_not(None) if has_login else user_id.is_(None))
    return list(session.exec(query.order_by(Teacher.name)))


def get_teacher(*, session: Session, teacher_id: int) -> Teacher | None:
    return session.get(Teacher, teacher_id)


def teacher_for_user(*, session: Session, user_id: int) -> Teacher | None:
    return session.exec(select(Teacher).where(Teacher.user_id == user_id)).first()


def _check_teacher(
    *,
    session: Session,
    district_id: int,
    data: TeacherCreate | TeacherUpdate,
    teacher_id: int | None = None,
) -> None:
    school = session.get(School, data.school_id)
    if school is None or school.district_id != district_id:
        raise RosterError("school_id", "choose a school in this district")
    if data.cohort_year_id is not None:
        year = session.get(SchoolYear, data.cohort_year_id)
        if year is None or year.district_id != district_id:
            raise RosterError("cohort_year_id", "choose a school year in this district")
    if data.email:
        clash = session.exec(
            select(Teacher).where(
                Teacher.district_id == district_id,
                Teacher.email == data.email,
                Teacher.id != teacher_id,
            )
        ).first()
        if clash is not None:
            raise RosterError("email", f"{data.email} is already on the roster ({clash.name})")


def create_teacher(*, session: Session, district_id: int, data: TeacherCreate) -> Teacher:
    _check_teacher(session=session, district_id=district_id, data=data)
    teacher = Teacher(district_id=district_id, **data.model_dump())
    session.add(teacher)
    session.flush()
    return teacher


def update_teacher(
    *,
    session: Session,
    teacher: Teacher,
    data: TeacherUpdate,
    actor: Actor | None,
    may_change_email: bool = True,
) -> Teacher:
    """Change a roster entry. Its email is what a new login is matched to (and where the
    invitation goes), so changing it is refused unless `may_change_email` (a district admin),
    and an audited change when `actor` is given."""
    _check_teacher(
        session=session, district_id=teacher.district_id, data=data, teacher_id=teacher.id
    )
    if data.email != teacher.email:
        if not may_change_email:
            raise RosterError("email", "only a district admin can change a teacher's email address")
        if actor is not None:
            audit_service.record_change(
                session=session, actor=actor, action="account", entity="teacher",
                entity_id=teacher.id, change="updated", before={"email": teacher.email},
                after={"email": data.email},
            )  # fmt: skip
    teacher.sqlmodel_update(data.model_dump())
    session.add(teacher)
    session.flush()
    return teacher


def list_coaches(
    *, session: Session, district_id: int, school_ids: set[int] | None = None
) -> list[User]:
    query = (
        select(User)
        .join(Membership)
        .where(Membership.role == Role.coach, Membership.district_id == district_id)
    )
    if school_ids is not None:
        query = query.where(col(Membership.school_id).in_(school_ids))
    return list(session.exec(query.distinct().order_by(User.name)))


def _check_assignment(
    *, session: Session, data: CoachAssignmentBase, actor: Actor | None
) -> Teacher:
    teacher = session.get(Teacher, data.teacher_id)
    if teacher is None:
        raise RosterError("teacher_id", "choose a teacher")
    coach_ids = {c.id for c in list_coaches(session=session, district_id=teacher.district_id)}
    if data.coach_id not in coach_ids:
        raise RosterError("coach_id", "choose a coach in this district")
    problem = policy.assignment_problem(
        session=session, actor_id=actor.user_id if actor else None, coach_id=data.coach_id,
        teacher=teacher,
    )  # fmt: skip
    if problem:
        raise RosterError("coach_id", problem)
    year = session.get(SchoolYear, data.school_year_id)
    if year is None or year.district_id != teacher.district_id:
        raise RosterError("school_year_id", "choose a school year in this district")
    if not year.start_date <= data.start_date <= year.end_date:
        raise RosterError("start_date", f"must fall within {year.name}")
    return teacher


def _assignment_values(assignment: CoachAssignment | CoachAssignmentBase) -> dict[str, object]:
    values = assignment.model_dump(
        include={"coach_id", "teacher_id", "school_year_id", "start_date", "end_date"}
    )
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def create_assignment(
    *, session: Session, data: CoachAssignmentBase, actor: Actor | None
) -> CoachAssignment:
    """`actor` None writes no audit event (the demo, the tests' factories)."""
    _check_assignment(session=session, data=data, actor=actor)
    assignment = CoachAssignment(**data.model_dump())
    session.add(assignment)
    session.flush()
    if actor is not None:
        audit_service.record_change(
            session=session, actor=actor, action="assignment", entity="assignment",
            entity_id=assignment.id, change="created", after=_assignment_values(assignment),
        )  # fmt: skip
    return assignment


def update_assignment(
    *, session: Session, assignment: CoachAssignment, data: CoachAssignmentBase, actor: Actor
) -> CoachAssignment:
    _check_assignment(session=session, data=data, actor=actor)
    before = _assignment_values(assignment)
    assignment.sqlmodel_update(data.model_dump())
    session.add(assignment)
    session.flush()
    after = _assignment_values(assignment)
    if before != after:
        changed = [k for k in before if before[k] != after[k]]
        audit_service.record_change(
            session=session, actor=actor, action="assignment", entity="assignment",
            entity_id=assignment.id, change="updated",
            before={k: before[k] for k in changed}, after={k: after[k] for k in changed},
        )  # fmt: skip
    return assignment


def get_assignment(*, session: Session, assignment_id: int) -> CoachAssignment | None:
    return session.get(CoachAssignment, assignment_id)


@dataclass(frozen=True)
class AssignmentRow:
    assignment: CoachAssignment
    teacher: Teacher
    school: School
    coach: User
    year: SchoolYear


def list_assignments(
    *, session: Session, district_id: int, school_ids: set[int] | None = None
) -> list[AssignmentRow]:
    """Coach assignments of teachers in the district (or at these schools), newest year first."""
    years = {y.id: y for y in list_school_years(session=session, district_id=district_id)}
    query = (
        select(CoachAssignment, Teacher, School, User)
        .join(Teacher, col(Teacher.id) == CoachAssignment.teacher_id)
        .join(School, col(School.id) == Teacher.school_id)
        .join(User, col(User.id) == CoachAssignment.coach_id)
        .where(Teacher.district_id == district_id)
        .order_by(School.name, Teacher.name, col(CoachAssignment.start_date))
    )
    if school_ids is not None:
        query = query.where(col(Teacher.school_id).in_(school_ids))
    rows = [
        AssignmentRow(assignment=a, teacher=t, school=s, coach=c, year=years[a.school_year_id])
        for a, t, s, c in session.exec(query)
    ]
    # Stable sort: newest school year first, the order above within each year.
    return sorted(rows, key=lambda row: row.year.start_date, reverse=True)


def caseload(*, session: Session, coach_id: int, on: date) -> list[CaseloadEntry]:
    """The teachers a coach is assigned to on a given day."""
    query = (
        select(CoachAssignment, Teacher, School)
        .join(Teacher, col(Teacher.id) == CoachAssignment.teacher_id)
        .join(School, col(School.id) == Teacher.school_id)
        .where(
            CoachAssignment.coach_id == coach_id,
            col(CoachAssignment.start_date) <= on,
            or_(col(CoachAssignment.end_date).is_(None), col(CoachAssignment.end_date) >= on),
        )
        .order_by(School.name, Teacher.name)
    )
    entries = []
    for assignment, teacher, school in session.exec(query):
        cohort = session.get(SchoolYear, teacher.cohort_year_id) if teacher.cohort_year_id else None
        entries.append(
            CaseloadEntry(teacher=teacher, school=school, assignment=assignment, cohort=cohort)
        )
    return entries


def coaches_of_teacher(*, session: Session, teacher_id: int, on: date) -> list[User]:
    query = (
        select(User)
        .join(CoachAssignment, col(CoachAssignment.coach_id) == User.id)
        .where(
            CoachAssignment.teacher_id == teacher_id,
            col(CoachAssignment.start_date) <= on,
            or_(col(CoachAssignment.end_date).is_(None), col(CoachAssignment.end_date) >= on),
        )
    )
    return list(session.exec(query.distinct()))


@dataclass(frozen=True)
class SchoolSummary:
    school: School
    teachers: int
    coached_teachers: int
    coaches: int
    cohorts: dict[str, int]


def school_summary(*, session: Session, school: School, on: date) -> SchoolSummary:
    """Counts only: the principal's view of coaching at a school, no individual content."""
    assert school.id is not None
    teachers = list_teachers(
        session=session, district_id=school.district_id, school_ids={school.id}
    )
    active = [t for t in teachers if t.active]
    coached = {
        a.teacher_id
        for a in session.exec(
            select(CoachAssignment).where(
                col(CoachAssignment.teacher_id).in_([t.id for t in active]),
                col(CoachAssignment.start_date) <= on,
                or_(col(CoachAssignment.end_date).is_(None), col(CoachAssignment.end_date) >= on),
            )
        )
    }
    years = {
        y.id: y.name for y in list_school_years(session=session, district_id=school.district_id)
    }
    cohorts: dict[str, int] = {}
    for teacher in active:
        label = (
            years.get(teacher.cohort_year_id, "Not in the program")
            if teacher.cohort_year_id
            else "Not in the program"
        )
        cohorts[label] = cohorts.get(label, 0) + 1
    coaches = list_coaches(session=session, district_id=school.district_id, school_ids={school.id})
    return SchoolSummary(
        school=school,
        teachers=len(active),
        coached_teachers=len(coached),
        coaches=len(coaches),
        cohorts=dict(sorted(cohorts.items())),
    )
