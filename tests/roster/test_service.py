"""Roster service rules behind the admin pages: counts, filters, scopes and refusals."""

from datetime import date

import pytest
from sqlmodel import Session

from server.accounts import service as accounts_service
from server.accounts.models import Role
from server.audit.service import Actor
from server.config import Settings
from server.roster import service as roster_service
from server.roster.models import CoachAssignmentUpdate, SchoolYearCreate
from server.roster.service import RosterError
from tests.factories import (
    create_assignment,
    create_district,
    create_school,
    create_school_year,
    create_teacher,
    create_user,
)


def test_school_counts_count_active_teachers_and_each_coach_once(
    session: Session, settings: Settings
) -> None:
    district = create_district(session)
    cedar = create_school(session, district, name="Cedar")
    oak = create_school(session, district, name="Oak")
    empty = create_school(session, district, name="Empty")
    create_teacher(session, cedar)
    create_teacher(session, cedar)
    gone = create_teacher(session, cedar)
    gone.active = False
    create_teacher(session, oak)
    coach = create_user(session, settings, role=Role.coach, school=cedar)
    assert district.id is not None
    accounts_service.add_membership(
        session=session,
        user=coach,
        role=Role.coach,
        district_id=district.id,
        school_id=oak.id,
        actor=None,
    )
    create_user(session, settings, role=Role.coach, school=oak)
    create_user(session, settings, role=Role.teacher, school=oak)  # a teacher login: +1 teacher
    session.flush()

    counts = roster_service.school_counts(session=session, district_id=district.id)
    assert counts[cedar.id] == roster_service.SchoolCounts(teachers=2, coaches=1)  # type: ignore[index]
    assert counts[oak.id] == roster_service.SchoolCounts(teachers=2, coaches=2)  # type: ignore[index]
    assert counts[empty.id] == roster_service.SchoolCounts(teachers=0, coaches=0)  # type: ignore[index]
    only_oak = roster_service.school_counts(
        session=session,
        district_id=district.id,
        school_ids={oak.id},  # type: ignore[arg-type]
    )
    assert list(only_oak) == [oak.id]


def test_list_teachers_can_leave_out_or_keep_only_teachers_with_a_login(
    session: Session, settings: Settings
) -> None:
    district = create_district(session)
    school = create_school(session, district)
    roster_only = create_teacher(session, school, name="Roster Only")
    create_user(session, settings, role=Role.teacher, school=school, name="Has Login")
    assert district.id is not None

    def names(has_login: bool | None) -> list[str]:
        return [
            t.name
            for t in roster_service.list_teachers(
                session=session, district_id=district.id, has_login=has_login
            )
        ]

    assert names(None) == ["Has Login", "Roster Only"]
    assert names(False) == [roster_only.name]
    assert names(True) == ["Has Login"]


def test_list_assignments_keeps_to_the_schools_asked_for_newest_year_first(
    session: Session, settings: Settings
) -> None:
    district = create_district(session)
    cedar = create_school(session, district, name="Cedar")
    oak = create_school(session, district, name="Oak")
    old = create_school_year(session, district, start_year=2025)
    new = create_school_year(session, district, start_year=2026)
    coach = create_user(session, settings, role=Role.coach, school=cedar)
    mine = create_teacher(session, cedar, name="Mine")
    theirs = create_teacher(session, oak, name="Theirs")
    create_assignment(session, coach, mine, old)
    create_assignment(session, coach, mine, new)
    create_assignment(session, coach, theirs, new)
    assert district.id is not None

    everything = roster_service.list_assignments(session=session, district_id=district.id)
    assert [(r.year.name, r.teacher.name) for r in everything] == [
        (new.name, "Mine"),
        (new.name, "Theirs"),
        (old.name, "Mine"),
    ]
    assert everything[0].school.name == "Cedar" and everything[0].coach.id == coach.id
    cedar_only = roster_service.list_assignments(
        session=session,
        district_id=district.id,
        school_ids={cedar.id},  # type: ignore[arg-type]
    )
    assert {r.teacher.name for r in cedar_only} == {"Mine"}
    assert len(cedar_only) == 2


def test_school_year_names_are_unique_in_a_district(session: Session) -> None:
    district = create_district(session)
    year = create_school_year(session, district, start_year=2026)
    assert district.id is not None
    with pytest.raises(RosterError) as refused:
        roster_service.create_school_year(
            session=session,
            district_id=district.id,
            data=SchoolYearCreate(
                name=year.name, start_date=date(2030, 8, 1), end_date=date(2031, 7, 31)
            ),
        )
    assert refused.value.field == "name"
    other = create_district(session)
    assert other.id is not None
    again = roster_service.create_school_year(
        session=session,
        district_id=other.id,
        data=SchoolYearCreate(name=year.name, start_date=year.start_date, end_date=year.end_date),
    )
    assert again.district_id == other.id


def test_updating_an_assignment_checks_it_like_a_new_one(
    session: Session, settings: Settings
) -> None:
    district = create_district(session)
    school = create_school(session, district)
    year = create_school_year(session, district, start_year=2026)
    coach = create_user(session, settings, role=Role.coach, school=school)
    not_a_coach = create_user(session, settings, role=Role.teacher, school=school)
    teacher = create_teacher(session, school)
    assignment = create_assignment(session, coach, teacher, year)

    def update(**changes: object) -> None:
        data = CoachAssignmentUpdate.model_validate(
            {**assignment.model_dump(exclude={"id", "created_at"}), **changes}
        )
        roster_service.update_assignment(
            session=session, assignment=assignment, data=data, actor=Actor(user_id=None, via="t")
        )

    with pytest.raises(RosterError) as refused:
        update(start_date=date(2028, 1, 1))
    assert refused.value.field == "start_date"
    with pytest.raises(RosterError) as refused:
        update(coach_id=not_a_coach.id)
    assert refused.value.field == "coach_id"
    update(end_date=date(2027, 3, 1))
    assert assignment.end_date == date(2027, 3, 1)
