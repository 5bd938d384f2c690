"""accounts.policy: nobody raises their own access, and nobody both leads and coaches a
school, however the role or the assignment is asked for."""

from datetime import date

import pytest
from sqlmodel import Session

from server.accounts import service as accounts_service
from server.accounts.models import Role
from server.accounts.service import AccountError
from server.audit.service import Actor
from server.roster import service as roster_service
from server.roster.models import CoachAssignmentCreate
from server.roster.service import RosterError
from tests.factories import create_assignment, create_teacher
from tests.wall import Wall


def as_actor(user_id: int | None) -> Actor:
    return Actor(user_id=user_id, via="admin pages")


def test_nobody_gives_themselves_a_role_not_even_a_district_admin(
    session: Session, wall: Wall
) -> None:
    for who, role in [(wall.admin, Role.coach), (wall.principal, Role.teacher)]:
        with pytest.raises(AccountError, match="cannot give yourself a role"):
            accounts_service.add_membership(
                session=session, user=who, role=role, district_id=wall.cedar.district_id,
                school_id=wall.cedar.id, actor=as_actor(who.id),
            )  # fmt: skip


def test_a_principal_cannot_also_coach_at_their_school_whoever_asks(
    session: Session, wall: Wall
) -> None:
    with pytest.raises(AccountError, match="principal cannot also coach"):
        accounts_service.add_membership(
            session=session, user=wall.principal, role=Role.coach,
            district_id=wall.cedar.district_id, school_id=wall.cedar.id,
            actor=as_actor(wall.admin.id),
        )  # fmt: skip
    # At another school the same person may coach (they do not lead it).
    accounts_service.add_membership(
        session=session, user=wall.principal, role=Role.coach,
        district_id=wall.oak.district_id, school_id=wall.oak.id, actor=as_actor(wall.admin.id),
    )  # fmt: skip


def test_a_coach_cannot_become_principal_of_a_school_they_coach_in(
    session: Session, wall: Wall
) -> None:
    with pytest.raises(AccountError, match="coach at this school cannot also be its principal"):
        accounts_service.add_membership(
            session=session, user=wall.coach, role=Role.principal,
            district_id=wall.cedar.district_id, school_id=wall.cedar.id,
            actor=as_actor(wall.admin.id),
        )  # fmt: skip
    # Oak's coach, assigned a Cedar teacher, cannot lead Cedar while that assignment runs.
    cedar_teacher = create_teacher(session, wall.cedar)
    assignment = create_assignment(session, wall.oak_coach, cedar_teacher, wall.year)
    with pytest.raises(AccountError, match="coaches teachers at this school"):
        accounts_service.add_membership(
            session=session, user=wall.oak_coach, role=Role.principal,
            district_id=wall.cedar.district_id, school_id=wall.cedar.id,
            actor=as_actor(wall.admin.id), today=date(2026, 9, 1),
        )  # fmt: skip
    # Once it has ended, they may.
    assignment.end_date = date(2026, 8, 31)
    session.add(assignment)
    accounts_service.add_membership(
        session=session, user=wall.oak_coach, role=Role.principal,
        district_id=wall.cedar.district_id, school_id=wall.cedar.id,
        actor=as_actor(wall.admin.id), today=date(2026, 9, 1),
    )  # fmt: skip


def _assignment(wall: Wall, coach_id: int) -> CoachAssignmentCreate:
    return CoachAssignmentCreate(
        coach_id=coach_id, teacher_id=wall.rosa.id,  # type: ignore[arg-type]
        school_year_id=wall.year.id, start_date=wall.year.start_date,  # type: ignore[arg-type]
    )  # fmt: skip


def test_nobody_assigns_themselves_and_no_principal_coaches_their_own_teachers(
    session: Session, wall: Wall
) -> None:
    # The district admin who also coaches at Oak cannot assign themselves.
    accounts_service.add_membership(
        session=session, user=wall.admin, role=Role.coach, district_id=wall.oak.district_id,
        school_id=wall.oak.id, actor=None,
    )  # fmt: skip
    with pytest.raises(RosterError, match="cannot assign yourself"):
        roster_service.create_assignment(
            session=session,
            data=_assignment(wall, wall.admin.id),
            actor=as_actor(wall.admin.id),  # type: ignore[arg-type]
        )
    # Cedar's principal coaching at Oak may not be given a Cedar teacher, even by the admin.
    accounts_service.add_membership(
        session=session, user=wall.principal, role=Role.coach, district_id=wall.oak.district_id,
        school_id=wall.oak.id, actor=None,
    )  # fmt: skip
    with pytest.raises(RosterError, match="principal of the teacher's school"):
        roster_service.create_assignment(
            session=session, data=_assignment(wall, wall.principal.id),  # type: ignore[arg-type]
            actor=as_actor(wall.admin.id),
        )  # fmt: skip
    # Another coach, by the admin: fine.
    roster_service.create_assignment(
        session=session,
        data=_assignment(wall, wall.oak_coach.id),
        actor=as_actor(wall.admin.id),  # type: ignore[arg-type]
    )
