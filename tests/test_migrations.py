"""Alembic builds exactly the models' schema, and takes it down again, on both engines."""

import re
import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import Session

from server import migrate
from server.accounts.models import Role
from server.audit import service as audit_service
from server.db import make_engine
from server.models import metadata
from tests.conftest import make_settings
from tests.databases import POSTGRES_URL, empty_database
from tests.factories import (
    create_assignment,
    create_check_in,
    create_cycle,
    create_district,
    create_rubric_version,
    create_school,
    create_school_year,
    create_teacher,
    create_user,
)
from tests.observations.conftest import this_school_year_start

ENGINES = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]


@pytest.mark.parametrize("kind", ENGINES)
def test_upgrade_head_gives_exactly_the_models_schema(kind: str, tmp_path: Path) -> None:
    with empty_database(kind, tmp_path) as url:
        migrate.upgrade(url)
        engine = make_engine(url)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
            tables = set(inspect(conn).get_table_names())
        engine.dispose()
        assert tables == {*metadata.tables, "alembic_version"}


@pytest.mark.parametrize("kind", ENGINES)
def test_downgrade_base_removes_everything_and_upgrade_works_again(
    kind: str, tmp_path: Path
) -> None:
    with empty_database(kind, tmp_path) as url:
        migrate.upgrade(url)
        migrate.downgrade(url, "base")
        engine = make_engine(url)
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        engine.dispose()
        migrate.upgrade(url)
        engine = make_engine(url)
        with engine.connect() as conn:
            assert set(metadata.tables) <= set(inspect(conn).get_table_names())
        engine.dispose()


def test_sqlite_runs_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_migration_files_have_dated_names() -> None:
    names = [p.name for p in migrate.migrations_dir().glob("*.py")]
    assert names
    for name in names:
        assert re.match(r"^\d{8}_\d{4}_[0-9a-f]+_\w+\.py$", name), name


def test_constraints_follow_the_naming_convention(tmp_path: Path) -> None:
    with empty_database("sqlite", tmp_path) as url:
        migrate.upgrade(url)
        engine = make_engine(url)
        inspector = inspect(engine)
        fks = inspector.get_foreign_keys("membership")
        assert {fk["name"] for fk in fks} >= {
            "fk_membership_user_id_user",
            "fk_membership_school_id_school",
        }
        engine.dispose()


@pytest.mark.parametrize("kind", ENGINES)
def test_events_written_before_audit_event_teacher_get_their_record_s_teacher(
    kind: str, tmp_path: Path
) -> None:
    """A read or sync of a cycle, check-in or commitment logged one event per record before
    the table existed: the migration names each record's teacher, so "whose records"
    finds them too."""
    with empty_database(kind, tmp_path) as url:
        migrate.upgrade(url)
        engine = make_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            district = create_district(session)
            school = create_school(session, district)
            year = create_school_year(session, district, start_year=this_school_year_start())
            coach = create_user(
                session, make_settings(url, tmp_path), role=Role.coach, school=school
            )
            teacher = create_teacher(session, school)
            create_assignment(session, coach, teacher, year)
            create_rubric_version(session, "talk")
            session.commit()
            cycle = create_cycle(session, coach, teacher)
            check_in = create_check_in(session, coach, cycle)
            written = {
                name: audit_service.record(
                    session=session, user_id=coach.id, action=action, entity=entity,
                    entity_id=entity_id,
                )
                for name, action, entity, entity_id in (
                    ("cycle", "read", "cycle", cycle.id),
                    ("check_in", "sync_read", "check_in", check_in.id),
                    ("unknown", "sync_read", "commitment", uuid.uuid4()),
                    ("not an id", "read", "cycle", "not-a-uuid"),
                    ("export", "export", "district", district.id),
                )
            }  # fmt: skip
            session.commit()
            ids = {name: event.id for name, event in written.items()}
        migrate.downgrade(url, "b41c7e9d2a63")
        migrate.upgrade(url)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT audit_event_id, teacher_id FROM audit_event_teacher"))
            assert sorted(rows.all()) == [(ids["cycle"], teacher.id), (ids["check_in"], teacher.id)]
        engine.dispose()
