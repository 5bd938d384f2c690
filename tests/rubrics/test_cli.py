"""`cadence rubrics check` and `cadence rubrics list`."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from server.cli import app
from server.config import get_settings
from server.rubrics import service as rubrics_service
from server.rubrics.schema import Rubric
from tests.conftest import TEST_SECRET
from tests.rubrics.builders import rubric_data, write_rubric

runner = CliRunner()


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ENVIRONMENT", "test")
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.delenv("RUBRIC_DIRS", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_check_the_shipped_files(cli_env: None, session: Session) -> None:
    result = runner.invoke(app, ["rubrics", "check"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert any(
        line.endswith(
            "iqa-math.yaml: ok: iqa-math 2026.1 (9 dimensions; not stored yet: would be added)"
        )
        for line in lines
    ), lines
    assert "database: compared with the stored versions" in lines
    assert lines[-1] == "5 file(s) checked: no problems"
    assert rubrics_service.list_current(session=session) == []  # nothing written


def test_check_prints_each_problem_and_exits_1(cli_env: None, tmp_path: Path) -> None:
    data = rubric_data()
    data["dimensions"][1]["scale"] = "nope"
    broken = write_rubric(tmp_path / "rubrics", data)
    good = write_rubric(tmp_path / "rubrics", rubric_data(id="fine"))
    result = runner.invoke(app, ["rubrics", "check", str(tmp_path / "rubrics"), "/no/such/place"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert "/no/such/place: no such file or folder" in lines
    scale_problem = [line for line in lines if line.startswith(f"{broken}: ")]
    assert len(scale_problem) == 1
    assert scale_problem[0].startswith(
        f"{broken}: dimensions[1].scale: unknown scale 'nope' (scales: one-three) (line "
    )
    assert any(line.startswith(f"{good}: ok: fine 1") for line in lines)
    assert lines[-1] == "2 problem(s) in 2 of 2 file(s)"


def test_check_reports_a_change_to_a_used_version_without_writing(
    cli_env: None, session: Session, tmp_path: Path
) -> None:
    _outcome, row, _problem = rubrics_service.register(
        session=session, rubric=Rubric.model_validate(rubric_data()), source="tiny.yaml"
    )
    assert row is not None
    rubrics_service.mark_used(session=session, version=row)
    session.commit()
    changed = rubric_data(title="Tiny, edited")
    path = write_rubric(tmp_path, changed)

    result = runner.invoke(app, ["rubrics", "check", str(path)])

    assert result.exit_code == 1
    (problem,) = [line for line in result.stdout.splitlines() if line.startswith(str(path))]
    assert problem.startswith(f"{path}: version: tiny 1 is used by observations (since ")
    assert problem.endswith("Changed: title changed")
    session.refresh(row)
    assert row.title == "Tiny rubric"


def test_check_only_validates_when_the_database_is_not_migrated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli_env: None
) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{empty}")
    get_settings.cache_clear()
    result = runner.invoke(app, ["rubrics", "check"])
    assert result.exit_code == 0, result.output
    assert "database: not compared, not migrated or not reachable" in result.stdout
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'absent.db'}")
    get_settings.cache_clear()
    result = runner.invoke(app, ["rubrics", "check"])
    assert result.exit_code == 0, result.output
    assert "database: none yet, not compared" in result.stdout
    assert not (tmp_path / "absent.db").exists()


def test_check_includes_the_district_folders(
    cli_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    district = tmp_path / "district"
    write_rubric(district, rubric_data(id="maple", scales=[]))
    monkeypatch.setenv("RUBRIC_DIRS", str(district))
    get_settings.cache_clear()
    result = runner.invoke(app, ["rubrics", "check"])
    assert result.exit_code == 1
    assert f"{district / 'maple.yaml'}: scales: List should have at least 1 item" in result.stdout


def test_list_json(cli_env: None) -> None:
    result = runner.invoke(app, ["rubrics", "list", "--json"])
    assert result.exit_code == 0, result.output
    rubrics = json.loads(result.stdout)
    assert [(r["id"], r["version"]) for r in rubrics] == [
        ("iqa-math", "2026.1"),
        ("learning-culture", "2026.1"),
        ("nctm-practices", "2026.1"),
        ("student-engagement", "2026.1"),
        ("task-demand", "2026.1"),
    ]
    iqa = rubrics[0]
    assert set(iqa) == {"id", "version", "title", "dimensions", "tallies", "file"}
    first, second = iqa["dimensions"][:2]
    assert first == {
        "id": "task-potential",
        "name": "Potential of the task",
        "group": "Academic Rigor",
        "group_id": "academic-rigor",
        "scale": "iqa-1-4",
        "min": 1,
        "max": 4,
        "not_observed": True,
        "items": [],
    }
    assert (second["min"], second["max"]) == (0, 4)
    assert iqa["dimensions"][-1]["group"] == "Accountable Talk"
    nctm = rubrics[2]
    assert {(d["min"], d["max"]) for d in nctm["dimensions"]} == {(1, 5)}
    assert nctm["dimensions"][0]["items"] == ["states-goal", "goal-in-progression", "uses-goal"]


def test_list_table_and_a_broken_file(cli_env: None, tmp_path: Path) -> None:
    table = runner.invoke(app, ["rubrics", "list"])
    assert table.exit_code == 0, table.output
    assert "iqa-math" in table.stdout and "task-demand" in table.stdout
    write_rubric(tmp_path, rubric_data(id="bad", groups=[]))
    write_rubric(tmp_path, rubric_data(id="good"))
    result = runner.invoke(app, ["rubrics", "list", "--json", str(tmp_path)])
    assert result.exit_code == 1
    assert [r["id"] for r in json.loads(result.stdout)] == ["good"]
    assert "run `cadence rubrics check`" in result.stderr
