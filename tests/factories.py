"""Factories: create_x(session, ...) builds a row with sensible defaults and flushes it."""

import itertools
from datetime import date

from sqlmodel import Session

from server.accounts import service as accounts_service
from server.accounts.models import Role, User, UserCreate
from server.config import Settings
from server.roster import service as roster_service
from server.roster.models import (
    CoachAssignment,
    CoachAssignmentCreate,
    District,
    School,
    SchoolCreate,
    SchoolLevel,
    SchoolYear,
    SchoolYearCreate,
    Teacher,
    TeacherCreate,
)

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


def create_district(session: Session, name: str | None = None) -> District:
    return roster_service.get_or_create_district(
        session=session, name=name or f"District {next(_counter)}"
    )


def create_school(
    session: Session,
    district: District,
    name: str | None = None,
    level: SchoolLevel = SchoolLevel.elementary,
) -> School:
    assert district.id is not None
    data = SchoolCreate(name=name or f"School {next(_counter)}", level=level)
    return roster_service.create_school(session=session, district_id=district.id, data=data)


def create_school_year(session: Session, district: District, start_year: int = 2026) -> SchoolYear:
    assert district.id is not None
    data = SchoolYearCreate(
        name=f"{start_year}-{str(start_year + 1)[-2:]}",
        start_date=date(start_year, 8, 1),
        end_date=date(start_year + 1, 7, 31),
    )
    return roster_service.create_school_year(session=session, district_id=district.id, data=data)


def create_user(
    session: Session,
    settings: Settings,
    *,
    role: Role | None = None,
    school: School | None = None,
    district: District | None = None,
    email: str | None = None,
    name: str | None = None,
    password: str | None = PASSWORD,
) -> User:
    n = next(_counter)
    user = accounts_service.create_user(
        session=session,
        settings=settings,
        data=UserCreate(
            email=email or f"person{n}@example.org", name=name or f"Person {n}", password=password
        ),
    )
    if role is not None:
        district_id = school.district_id if school else (district.id if district else None)
        assert district_id is not None, "give a school or a district with a role"
        accounts_service.add_membership(
            session=session,
            user=user,
            role=role,
            district_id=district_id,
            school_id=school.id if school else None,
        )
    return user


def create_teacher(
    session: Session,
    school: School,
    *,
    name: str | None = None,
    email: str | None = None,
    cohort: SchoolYear | None = None,
) -> Teacher:
    data = TeacherCreate(
        name=name or f"Teacher {next(_counter)}",
        email=email,
        school_id=school.id,  # type: ignore[arg-type]
        cohort_year_id=cohort.id if cohort else None,
    )
    return roster_service.create_teacher(session=session, district_id=school.district_id, data=data)


def create_assignment(
    session: Session,
    coach: User,
    teacher: Teacher,
    year: SchoolYear,
    *,
    start: date | None = None,
    end: date | None = None,
) -> CoachAssignment:
    data = CoachAssignmentCreate(
        coach_id=coach.id,  # type: ignore[arg-type]
        teacher_id=teacher.id,  # type: ignore[arg-type]
        school_year_id=year.id,  # type: ignore[arg-type]
        start_date=start or year.start_date,
        end_date=end,
    )
    return roster_service.create_assignment(session=session, data=data)
