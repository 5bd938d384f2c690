"""A district for the trust-wall tests: a principal, a coach and a roster teacher without a
login whose coaching (a cycle with a private check-in, a scored observation) already exists."""

from dataclasses import dataclass

import pytest
from sqlmodel import Session

from server.accounts.models import Role, User
from server.config import Settings
from server.roster.models import School, SchoolYear, Teacher
from tests.factories import (
    create_assignment,
    create_check_in,
    create_cycle,
    create_district,
    create_observation,
    create_rubric_version,
    create_school,
    create_school_year,
    create_teacher,
    create_user,
)

PRIVATE_NOTE = "Rosa worries about her evaluation; she asked me to keep this between us."
ROSA_EMAIL = "rosa@example.org"


@dataclass
class Wall:
    cedar: School
    oak: School
    year: SchoolYear
    admin: User
    principal: User  # leads Cedar
    oak_principal: User
    coach: User  # coaches Rosa at Cedar
    oak_coach: User
    rosa: Teacher  # on Cedar's roster, no login, coached
    teacher_user: User  # a Cedar teacher with a login


@pytest.fixture
def wall(session: Session, settings: Settings) -> Wall:
    district = create_district(session)
    cedar = create_school(session, district, name="Cedar Elementary")
    oak = create_school(session, district, name="Oak Middle")
    year = create_school_year(session, district, start_year=2026)
    admin = create_user(
        session, settings, role=Role.district_admin, district=district, email="admin@example.org"
    )
    principal = create_user(
        session, settings, role=Role.principal, school=cedar, email="principal@example.org"
    )
    oak_principal = create_user(
        session, settings, role=Role.principal, school=oak, email="oakprincipal@example.org"
    )
    coach = create_user(session, settings, role=Role.coach, school=cedar, email="coach@example.org")
    oak_coach = create_user(
        session, settings, role=Role.coach, school=oak, email="oakcoach@example.org"
    )
    teacher_user = create_user(
        session, settings, role=Role.teacher, school=cedar, email="teacher@example.org"
    )
    rosa = create_teacher(session, cedar, name="Rosa Roster", email=ROSA_EMAIL)
    create_assignment(session, coach, rosa, year)
    create_rubric_version(session)
    cycle = create_cycle(session, coach, rosa, start=year.start_date)
    create_check_in(session, coach, cycle, on=year.start_date, notes=PRIVATE_NOTE)
    create_observation(session, coach, rosa, [create_rubric_version(session)], final=True)
    session.commit()
    return Wall(
        cedar, oak, year, admin, principal, oak_principal, coach, oak_coach, rosa, teacher_user
    )
