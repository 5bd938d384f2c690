"""Alembic builds exactly the models' schema, and takes it down again, on both engines."""

import re
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from server import migrate
from server.db import make_engine
from server.models import metadata
from tests.databases import POSTGRES_URL, empty_database

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
