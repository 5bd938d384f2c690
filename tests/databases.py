"""Throwaway databases for tests: a SQLite file, or a fresh PostgreSQL database."""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_URL = os.environ.get("CADENCE_TEST_POSTGRES_URL", "")
# The engine the whole suite runs on; .ci/run runs it once on each.
SUITE_URL = os.environ.get("CADENCE_TEST_DATABASE_URL", "")


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """Create an empty database on the server at `server_url`, yield its URL, drop it."""
    name = f"cadence_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def empty_database(kind: str, tmp_dir: Path) -> Iterator[str]:
    """An empty database of `kind` ('sqlite' or 'postgresql')."""
    if kind == "postgresql":
        server_url = POSTGRES_URL or SUITE_URL
        if not server_url:
            raise RuntimeError("CADENCE_TEST_POSTGRES_URL is not set")
        with postgres_database(server_url) as url:
            yield url
    else:
        yield f"sqlite:///{tmp_dir / f'{uuid.uuid4().hex[:8]}.db'}"


def suite_kind() -> str:
    return "postgresql" if SUITE_URL.startswith("postgresql") else "sqlite"
