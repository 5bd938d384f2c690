"""Shared fixtures: a migrated database per run, a clean slate per test, an HTTP client."""

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from server import migrate
from server.config import Settings
from server.db import make_engine
from server.main import create_app
from server.models import metadata
from tests.databases import POSTGRES_URL, empty_database, suite_kind

TEST_SECRET = "test-secret-key-4f9a1c7e2b8d6053a1f4c9e7b2d8a6f0"
# The trust-wall district (`wall` fixture) for tests of who may reach what.
pytest_plugins = ["tests.wall"]


def pytest_report_header() -> list[str]:
    lines = [f"cadence: suite database = {suite_kind()}"]
    if not POSTGRES_URL:
        lines.append("cadence: CADENCE_TEST_POSTGRES_URL unset: migration tests run on SQLite only")
    return lines


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with empty_database(suite_kind(), tmp_path_factory.mktemp("db")) as url:
        migrate.upgrade(url)
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def make_settings(database_url: str, var_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": "test",
        "database_url": database_url,
        "secret_key": TEST_SECRET,
        "var_dir": var_dir,
        # Cheap hashes: tests check behaviour, not hashing cost.
        "argon2_time_cost": 1,
        "argon2_memory_kib": 64,
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path)


def _wipe(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the migrated database; every table is emptied after the test."""
    with Session(engine, expire_on_commit=False) as session:
        yield session
    _wipe(engine)


@pytest.fixture
def client(settings: Settings, session: Session) -> Iterator[TestClient]:
    app = create_app(settings)
    with TestClient(app, base_url="http://testserver") as client:
        yield client
    app.state.engine.dispose()


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


def get_csrf(client: TestClient, path: str = "/login") -> str:
    return csrf_from(client.get(path).text)


def login(client: TestClient, email: str, password: str) -> httpx.Response:
    token = get_csrf(client)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
