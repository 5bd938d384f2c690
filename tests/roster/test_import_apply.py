"""Roster import: re-imports, deactivation, adopting accounts, rolling back."""

from pathlib import Path

import pytest
from sqlmodel import Session, select

from server.accounts.models import Membership, User
from server.config import Settings
from server.roster.import_plan import ImportRejected
from server.roster.models import District, School, Teacher
from tests.factories import create_district, create_user
from tests.roster.import_helpers import (
    CADENCE,
    counts,
    edit,
    problems_of,
    run_import,
)


def test_reimport_updates_by_source_id_without_duplicates(
    session: Session, roster_dir: Path
) -> None:
    run_import(session, roster_dir)
    again = run_import(session, roster_dir)
    assert counts(again) == {
        "districts": (0, 0, 1, 0),
        "schools": (0, 0, 2, 0),
        "school years": (0, 0, 2, 1),
        "people": (0, 0, 2, 2),
        "roles": (0, 0, 3, 0),
        "teachers": (0, 0, 4, 0),
        "coach assignments": (0, 0, 0, 0),
    }

    edit(
        roster_dir / "users.csv",
        "Alice,Morgan,,T001,Alice.Morgan@",
        "Alice,Morgan-Lee,,T001,alice.ml@",
    )
    edit(roster_dir / "orgs.csv", "Harbor Middle School", "Harbor Middle")
    changed = run_import(session, roster_dir)
    assert counts(changed)["teachers"] == (0, 1, 3, 0)
    assert counts(changed)["schools"] == (0, 1, 1, 0)
    assert len(session.exec(select(Teacher)).all()) == 4
    alice = session.exec(select(Teacher).where(Teacher.source_id == "t1")).one()
    assert (alice.name, alice.email) == ("Alice Morgan-Lee", "alice.ml@lakeside.example")

    cadence_first = run_import(session, CADENCE, district_name="Lakeside Unified")
    cadence_again = run_import(session, CADENCE, district_name="Lakeside Unified")
    assert counts(cadence_first)["coach assignments"] == (3, 0, 0, 0)
    assert counts(cadence_again)["coach assignments"] == (0, 0, 3, 0)
    assert counts(cadence_again)["teachers"] == (0, 0, 4, 0)
    assert len(session.exec(select(Teacher)).all()) == 8


def test_tobedeleted_rows_deactivate_instead_of_deleting(
    session: Session, roster_dir: Path
) -> None:
    run_import(session, roster_dir)
    users = roster_dir / "users.csv"
    edit(
        users, "t1,active,2025-07-01T00:00:00Z,true,s1", "t1,tobedeleted,2025-08-01T00:00:00Z,true,"
    )
    edit(users, "a2,active", "a2,tobedeleted")
    with users.open("a") as f:
        f.write("t9,tobedeleted,2025-08-01T00:00:00Z,true,,teacher,,,Nia,Gone,,,,,,,,\n")

    result = run_import(session, roster_dir)

    assert counts(result)["teachers"] == (0, 1, 3, 1)  # t9 was never here: nothing to do
    t1 = session.exec(select(Teacher).where(Teacher.source_id == "t1")).one()
    assert t1.active is False
    a2 = session.exec(select(User).where(User.source_id == "a2")).one()
    assert a2.is_active is False
    assert len(session.exec(select(Teacher)).all()) == 4  # nothing deleted
    assert session.exec(select(Membership).where(Membership.user_id == a2.id)).all()


def test_existing_account_is_adopted_but_a_clash_rolls_everything_back(
    session: Session, settings: Settings, roster_dir: Path
) -> None:
    district = create_district(session, "Lakeside Unified")
    hand_made = create_user(session, settings, email="frank.osei@lakeside.example")
    session.commit()

    run_import(session, roster_dir)

    session.refresh(hand_made)
    assert hand_made.source_id == "a2"
    assert hand_made.password_hash is not None  # the password made by hand still works
    adopted = session.exec(select(District)).one()
    assert (adopted.id, adopted.source_id) == (district.id, "d1")

    other = create_user(session, settings, email="someone@lakeside.example")
    other.source_id = "hr-77"
    session.add(other)
    session.commit()
    with (roster_dir / "orgs.csv").open("a") as f:
        f.write("s3,active,2025-08-01T00:00:00Z,Bay High,school,BH,d1\n")
    edit(roster_dir / "users.csv", "A001,erin.walsh@", "A001,someone@")

    # The clash only shows against the database, after the new school was written.
    with pytest.raises(ImportRejected) as exc:
        run_import(session, roster_dir)

    assert problems_of(exc) == {("users.csv", 6, "email")}
    assert "someone else's" in exc.value.problems[0].message
    assert session.exec(select(School).where(School.name == "Bay High")).first() is None
    erin = session.exec(select(User).where(User.source_id == "a1")).one()
    assert erin.email == "erin.walsh@lakeside.example"


def test_a_school_year_from_another_feed_is_not_taken_over(
    session: Session, roster_dir: Path
) -> None:
    run_import(session, roster_dir)
    edit(roster_dir / "academicSessions.csv", "y2025,", "y2025-new,")

    with pytest.raises(ImportRejected) as exc:
        run_import(session, roster_dir)

    assert problems_of(exc) == {("academicSessions.csv", 3, "title")}
    assert exc.value.problems[0].message == "another school year is named 2025-26"
