"""`cadence roster import`: a summary on success, every problem and exit 1 on failure."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from server.cli import app
from server.config import get_settings
from server.roster.models import Teacher
from tests.conftest import TEST_SECRET
from tests.roster.import_helpers import (
    ONEROSTER,
    copy_oneroster,
    edit,
)


@pytest.fixture
def roster_dir(tmp_path: Path) -> Path:
    return copy_oneroster(tmp_path)


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> Iterator[None]:
    for name, value in {
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "ENVIRONMENT": "test",
        "VAR_DIR": str(tmp_path),
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_cli_imports_and_prints_a_summary(session: Session, cli_env: None) -> None:
    result = CliRunner().invoke(app, ["roster", "import", str(ONEROSTER)])

    assert result.exit_code == 0, result.output
    assert "Roster imported (OneRoster 1.1)" in result.output
    assert "teachers" in result.output
    assert len(session.exec(select(Teacher).where(col(Teacher.active))).all()) == 4


def test_cli_prints_every_problem_and_exits_non_zero(
    session: Session, cli_env: None, roster_dir: Path
) -> None:
    edit(roster_dir / "users.csv", "s1,teacher,bnguyen", "s1,wizard,bnguyen")
    edit(roster_dir / "users.csv", "t4,active", "t1,active")

    result = CliRunner().invoke(app, ["roster", "import", str(roster_dir)])

    assert result.exit_code == 1
    assert "users.csv:3: role: 'wizard' is not a OneRoster role" in result.output
    assert "users.csv:5: sourcedId: 't1' is also on line 2" in result.output
    assert "nothing was imported: 2 problem(s)" in result.output
    assert session.exec(select(Teacher)).all() == []
