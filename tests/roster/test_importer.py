"""Roster import: reading OneRoster and Cadence CSV, and rejecting bad input whole."""

import zipfile
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

from server.accounts.models import Membership, Role, User
from server.roster.import_plan import ImportRejected
from server.roster.models import CoachAssignment, District, School, SchoolLevel, SchoolYear, Teacher
from tests.factories import create_district
from tests.roster.import_helpers import (
    CADENCE,
    ONEROSTER,
    counts,
    edit,
    problems_of,
    run_import,
)


def test_oneroster_folder_imports_staff_and_skips_students(session: Session) -> None:
    result = run_import(session, ONEROSTER)

    assert counts(result) == {
        "districts": (1, 0, 0, 0),
        "schools": (2, 0, 0, 0),
        "school years": (2, 0, 0, 1),
        "people": (2, 0, 0, 2),
        "roles": (3, 0, 0, 0),
        "teachers": (4, 0, 0, 0),
        "coach assignments": (0, 0, 0, 0),
    }
    assert result.ignored_files == ["manifest.csv"]
    district = session.exec(select(District)).one()
    assert (district.name, district.source_id) == ("Lakeside Unified", "d1")
    schools = {s.source_id: s for s in session.exec(select(School))}
    assert schools["s1"].level == SchoolLevel.elementary
    assert schools["s2"].level == SchoolLevel.middle
    years = {y.name: (y.start_date, y.end_date) for y in session.exec(select(SchoolYear))}
    assert years == {
        "2024-25": (date(2024, 8, 15), date(2025, 6, 30)),
        "2025-26": (date(2025, 8, 15), date(2026, 6, 30)),
    }
    teachers = {t.source_id: t for t in session.exec(select(Teacher))}
    assert set(teachers) == {"t1", "t2", "t3", "t4"}
    assert teachers["t1"].email == "alice.morgan@lakeside.example"
    assert teachers["t1"].name == "Alice Morgan"
    assert teachers["t3"].school_id == schools["s2"].id  # the first school listed
    assert teachers["t4"].email is None
    assert all(t.user_id is None and t.active for t in teachers.values())
    users = {u.source_id: u for u in session.exec(select(User))}
    assert set(users) == {"a1", "a2"}  # no students, no teacher logins
    assert all(u.password_hash is None for u in users.values())
    roles = {(m.user_id, m.role, m.school_id) for m in session.exec(select(Membership))}
    assert roles == {
        (users["a1"].id, Role.district_admin, None),
        (users["a2"].id, Role.principal, schools["s1"].id),
        (users["a2"].id, Role.principal, schools["s2"].id),
    }


def test_oneroster_zip_imports_the_same(session: Session, tmp_path: Path) -> None:
    archive = tmp_path / "roster.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in ONEROSTER.iterdir():
            # Exports often wrap the files in a folder; only the base names count.
            zf.write(path, f"export-2025/{path.name}")

    result = run_import(session, archive)

    assert counts(result)["teachers"] == (4, 0, 0, 0)
    assert counts(result)["people"] == (2, 0, 0, 2)
    assert len(session.exec(select(School)).all()) == 2


def test_cadence_csv_imports_people_cohorts_and_coaching(session: Session) -> None:
    result = run_import(session, CADENCE)

    assert counts(result) == {
        "districts": (1, 0, 0, 0),
        "schools": (3, 0, 0, 0),
        "school years": (2, 0, 0, 0),
        "people": (4, 0, 0, 0),
        "roles": (4, 0, 0, 0),
        "teachers": (4, 0, 0, 0),
        "coach assignments": (3, 0, 0, 0),
    }
    district = session.exec(select(District)).one()
    assert district.name == "My district"
    levels = {s.name: s.level for s in session.exec(select(School))}
    assert levels == {
        "Oak Elementary": SchoolLevel.elementary,
        "Pine High": SchoolLevel.high,
        "Cedar Academy": SchoolLevel.other,
    }
    years = {y.name: y for y in session.exec(select(SchoolYear))}
    assert (years["2025-26"].start_date, years["2025-26"].end_date) == (
        date(2025, 8, 15),
        date(2026, 6, 30),
    )
    teachers = {t.source_id: t for t in session.exec(select(Teacher))}
    assert teachers["c-t1"].email == "ana.torres@district.example"
    assert teachers["c-t1"].cohort_year_id == years["2025-26"].id
    assert teachers["c-t2"].cohort_year_id == years["2024-25"].id
    assert teachers["c-t4"].cohort_year_id is None
    # Teachers are roster entries only: no sign-in is made for them.
    assert (
        session.exec(select(User).where(User.email == "ana.torres@district.example")).first()
        is None
    )
    coach = session.exec(select(User).where(User.email == "maria@district.example")).one()
    assignments = session.exec(
        select(CoachAssignment).where(CoachAssignment.coach_id == coach.id)
    ).all()
    assert {a.teacher_id for a in assignments} == {teachers["c-t1"].id, teachers["c-t2"].id}
    assert {(a.school_year_id, a.start_date) for a in assignments} == {
        (years["2025-26"].id, date(2025, 8, 15))
    }
    admin = session.exec(select(User).where(User.source_id == "c-admin")).one()
    admin_roles = session.exec(select(Membership).where(Membership.user_id == admin.id)).all()
    assert [(m.role, m.school_id) for m in admin_roles] == [(Role.district_admin, None)]


def test_cadence_csv_goes_into_the_only_district_or_the_named_one(session: Session) -> None:
    existing = create_district(session, "Riverside Schools")
    session.commit()
    run_import(session, CADENCE)
    assert {s.district_id for s in session.exec(select(School))} == {existing.id}

    with pytest.raises(ImportRejected) as exc:
        create_district(session, "Second District")
        session.commit()
        run_import(session, CADENCE)
    assert problems_of(exc) == {("cadence_roster.csv", 1, "district")}

    result = run_import(session, CADENCE, district_name="Second District")
    assert counts(result)["districts"] == (0, 0, 1, 0)
    assert counts(result)["teachers"] == (4, 0, 0, 0)  # teacher source ids are per district


def test_bad_oneroster_rows_import_nothing_and_every_problem_is_reported(
    session: Session, roster_dir: Path
) -> None:
    edit(
        roster_dir / "orgs.csv",
        "s2,active,2025-07-01T00:00:00Z,Harbor Middle School,",
        "s2,active,2025-07-01T00:00:00Z,,",
    )
    edit(roster_dir / "orgs.csv", "LE,d1", "LE,d9")
    edit(roster_dir / "academicSessions.csv", "2024-08-15,2025-06-30", "2024-08-15,2024-06-30")
    edit(roster_dir / "academicSessions.csv", "2025-08-15,2026-06-30", "2025-08-15,2026-13-01")
    edit(roster_dir / "users.csv", "Alice.Morgan@Lakeside.example", "alice.morgan@")
    edit(roster_dir / "users.csv", "s1,teacher,bnguyen", "s1,wizard,bnguyen")
    edit(roster_dir / "users.csv", '"s2,s1",teacher', '"s2,s7",teacher')
    edit(roster_dir / "users.csv", "t4,active", "t1,active")
    edit(roster_dir / "users.csv", "A002,frank.osei@lakeside.example", "A002,")

    with pytest.raises(ImportRejected) as exc:
        run_import(session, roster_dir)

    assert problems_of(exc) == {
        ("orgs.csv", 3, "parentSourcedId"),
        ("orgs.csv", 4, "name"),
        ("academicSessions.csv", 2, "endDate"),
        ("academicSessions.csv", 3, "endDate"),
        ("users.csv", 2, "email"),
        ("users.csv", 3, "role"),
        ("users.csv", 4, "orgSourcedIds"),
        ("users.csv", 5, "sourcedId"),
        ("users.csv", 7, "email"),
    }
    messages = {(p.file, p.line): p.message for p in exc.value.problems}
    assert "is also on line 2" in messages[("users.csv", 5)]
    assert "not in orgs.csv: s7" in messages[("users.csv", 4)]
    assert "is not after startDate" in messages[("academicSessions.csv", 2)]
    assert str(exc.value.problems[0]).startswith("academicSessions.csv:2: endDate: ")
    assert session.exec(select(District)).all() == []
    assert session.exec(select(Teacher)).all() == []


def test_missing_header_column_and_missing_file_are_reported_on_line_1(
    session: Session, roster_dir: Path
) -> None:
    edit(roster_dir / "users.csv", ",givenName,", ",firstName,")
    with pytest.raises(ImportRejected) as exc:
        run_import(session, roster_dir)
    assert problems_of(exc) == {("users.csv", 1, "givenName")}

    (roster_dir / "orgs.csv").unlink()
    with pytest.raises(ImportRejected) as exc:
        run_import(session, roster_dir)
    assert problems_of(exc) == {("orgs.csv", 1, "(file)")}


def test_unreadable_input_is_located_too(
    session: Session, tmp_path: Path, roster_dir: Path
) -> None:
    def problems_for(path: Path) -> set[tuple[str, int, str]]:
        with pytest.raises(ImportRejected) as exc:
            run_import(session, path)
        return problems_of(exc)

    latin = tmp_path / "latin.csv"
    latin.write_bytes("source_id,name,role\nr1,José,teacher\n".encode("latin-1"))
    assert problems_for(latin) == {("latin.csv", 2, "(file)")}

    # A quoted value may span lines; the next row is still reported on its own line.
    multi = tmp_path / "multi.csv"
    multi.write_text('source_id,name,role,school\nm1,"Ann\nLee",teacher,Oak\nm2,Bo,teacher,Oak,x\n')
    assert problems_for(multi) == {("multi.csv", 4, "(row)")}

    spreadsheet = tmp_path / "roster.xlsx"
    spreadsheet.write_bytes(b"PK\x03\x04")
    assert problems_for(spreadsheet) == {("roster.xlsx", 1, "(file)")}

    # A broken orgs.csv header is one problem, not one more per user.
    edit(roster_dir / "orgs.csv", "sourcedId,status", "id,status")
    assert problems_for(roster_dir) == {("orgs.csv", 1, "sourcedId")}
    assert session.exec(select(District)).all() == []


def test_bad_cadence_rows_import_nothing_and_every_problem_is_reported(
    session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "people.csv"
    path.write_text(
        "source_id,name,email,role,school,school_level,cohort,coach_email\n"
        "x1,,ann@d.example,teacher,Oak,,2025-26,\n"  # 2: no name
        "x2,Bo,bo@d.example,janitor,Oak,,,\n"  # 3: unknown role
        "x3,Cy,cy@d.example,district_admin,Oak,,,\n"  # 4: admin with a school
        "x4,Di,,coach,Oak,,,\n"  # 5: coach without email
        "x5,Ed,ed@d.example,teacher,Oak,,2025-27,ann@d.example\n"  # 6: bad cohort, not a coach
        "x5,Flo,flo@d.example,teacher,,huge,,\n"  # 7: duplicate id, no school, bad level
        "x7,Gil,gil@d.example,teacher,Oak,,,not-an-email\n"  # 8: bad coach email
    )
    with pytest.raises(ImportRejected) as exc:
        run_import(session, path)
    assert problems_of(exc) == {
        ("people.csv", 2, "name"),
        ("people.csv", 3, "role"),
        ("people.csv", 4, "school"),
        ("people.csv", 5, "email"),
        ("people.csv", 6, "cohort"),
        ("people.csv", 6, "coach_email"),
        ("people.csv", 7, "source_id"),
        ("people.csv", 7, "school"),
        ("people.csv", 7, "school_level"),
        ("people.csv", 8, "coach_email"),
    }
    assert session.exec(select(District)).all() == []
