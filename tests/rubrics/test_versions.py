"""Stored versions: new versions, updates while unused, refusals once used, district folders,
concurrent registration, and loading at app start."""

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from server.config import Settings
from server.main import create_app
from server.rubrics import service as rubrics_service
from server.rubrics.models import RubricVersion
from server.rubrics.schema import Rubric
from tests.conftest import make_settings
from tests.rubrics.builders import rubric_data, write_rubric


def stored(session: Session) -> dict[tuple[str, str], RubricVersion]:
    session.expire_all()
    return {(r.rubric_id, r.version): r for r in session.exec(select(RubricVersion))}


def rubric(**overrides: object) -> Rubric:
    return Rubric.model_validate(rubric_data(**overrides))


def changed_tiny() -> Rubric:
    data = rubric_data()
    data["dimensions"][0]["levels"][1]["descriptor"] = "Plenty of talk."
    data["dimensions"].append({"id": "x", "name": "X", "group": "main", "scale": "one-three"})
    return Rubric.model_validate(data)


def register(session: Session, value: Rubric) -> tuple[str, str | None]:
    outcome, _row, problem = rubrics_service.register(session=session, rubric=value, source="t")
    session.commit()
    return outcome, str(problem) if problem else None


def test_register_add_unchanged_and_a_new_version_string(session: Session) -> None:
    assert register(session, rubric()) == ("added", None)
    first = stored(session)[("tiny", "1")]
    created, digest = first.created_at, first.content_hash
    assert register(session, rubric()) == ("unchanged", None)
    assert register(session, rubric(version="2", title="Tiny, revised")) == ("added", None)
    rows = stored(session)
    assert set(rows) == {("tiny", "1"), ("tiny", "2")}
    assert (rows[("tiny", "1")].created_at, rows[("tiny", "1")].content_hash) == (created, digest)
    assert rows[("tiny", "1")].title == "Tiny rubric"
    current = rubrics_service.list_current(session=session)
    assert [(r.rubric_id, r.version) for r in current] == [("tiny", "2")]


def test_changed_content_under_an_unused_version_is_updated(session: Session) -> None:
    register(session, rubric())
    assert register(session, changed_tiny()) == ("updated", None)
    row = stored(session)[("tiny", "1")]
    assert row.content_hash == rubrics_service.content_hash(changed_tiny())
    assert rubrics_service.rubric_of(row) == changed_tiny()


def test_changed_content_under_a_used_version_is_refused_and_says_what_changed(
    session: Session,
) -> None:
    register(session, rubric())
    row = stored(session)[("tiny", "1")]
    rubrics_service.mark_used(session=session, version=row)
    session.commit()
    before = (row.content_hash, dict(row.content))

    outcome, problem = register(session, changed_tiny())

    assert outcome == "refused"
    assert problem is not None
    assert problem.startswith("t: version: tiny 1 is used by observations (since ")
    assert "give the file a new version string" in problem
    assert problem.endswith(
        "Changed: dimensions[0].levels[1].descriptor changed; dimension 'x' added"
    )
    row = stored(session)[("tiny", "1")]
    assert (row.content_hash, row.content) == before
    # The same content again is fine, and a new version string is the way to change it.
    assert register(session, rubric())[0] == "unchanged"
    assert register(session, changed_tiny().model_copy(update={"version": "2"}))[0] == "added"


def test_an_update_loses_to_an_observation_that_used_the_version_meanwhile(
    session: Session, engine: Engine
) -> None:
    register(session, rubric())
    row = stored(session)[("tiny", "1")]  # read as unused...
    with Session(engine) as other:  # ...then another request scores an observation with it
        other_row = other.get(RubricVersion, row.id)
        assert other_row is not None
        rubrics_service.mark_used(session=other, version=other_row)
        other.commit()
    outcome, problem = register(session, changed_tiny())
    assert outcome == "refused"
    assert problem and "dimension 'x' added" in problem
    assert stored(session)[("tiny", "1")].content_hash == rubrics_service.content_hash(rubric())


def test_two_workers_registering_at_once_do_not_crash(
    session: Session, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_rubric(tmp_path, rubric_data())
    real_find = rubrics_service.find_version
    calls = {"n": 0}

    def find_after_the_other_worker(**kwargs: object) -> RubricVersion | None:
        calls["n"] += 1
        if calls["n"] == 1:  # another worker inserts between our read and our insert
            with Session(engine) as other:
                rubrics_service.register(session=other, rubric=rubric(), source="other")
                other.commit()
            return None
        return real_find(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(rubrics_service, "find_version", find_after_the_other_worker)
    report = rubrics_service.sync_rubric_files(session=session, paths=[path])
    assert report.unchanged == ["tiny 1"] and not report.refused and not report.added
    assert len(stored(session)) == 1


def test_sync_the_shipped_folder_then_nothing_to_write(session: Session) -> None:
    files, missing = rubrics_service.find_rubric_files(paths=[rubrics_service.SHIPPED_DIR])
    assert not missing
    first = rubrics_service.sync_rubric_files(session=session, paths=files)
    assert sorted(first.added) == [
        "iqa-math 2026.1",
        "learning-culture 2026.1",
        "nctm-practices 2026.1",
        "student-engagement 2026.1",
        "task-demand 2026.1",
    ]
    assert stored(session)[("iqa-math", "2026.1")].source == "rubrics/iqa-math.yaml"
    again = rubrics_service.sync_rubric_files(session=session, paths=files)
    assert (again.added, again.updated, again.refused) == ([], [], [])
    assert len(again.unchanged) == 5


def test_sync_skips_broken_and_refused_files_and_loads_the_rest(
    session: Session, tmp_path: Path
) -> None:
    good = write_rubric(tmp_path, rubric_data(id="good"))
    broken = write_rubric(tmp_path, rubric_data(id="broken", scales=[]))
    report = rubrics_service.sync_rubric_files(session=session, paths=[broken, good])
    assert report.added == ["good 1"]
    assert [p.where for p in report.refused] == ["scales"]
    assert set(stored(session)) == {("good", "1")}


def district_settings(database_url: str, tmp_path: Path, *folders: Path) -> Settings:
    return make_settings(database_url, tmp_path, rubric_dirs=list(folders))


def test_a_district_folder_from_the_settings(
    session: Session, database_url: str, tmp_path: Path
) -> None:
    district = tmp_path / "district"
    write_rubric(district, rubric_data(id="maple-walkthrough", title="Maple walkthrough"))
    # The district's own variant of a shipped rubric: a new version string is fine...
    iqa = rubrics_service.load_rubric_file(rubrics_service.SHIPPED_DIR / "iqa-math.yaml")
    variant = iqa.model_dump(mode="json") | {"version": "2026.1-maple", "title": "IQA (Maple)"}
    write_rubric(district, variant, name="iqa-maple.yaml")
    # ...but the shipped id and version with other content is refused.
    clash = iqa.model_dump(mode="json") | {"title": "IQA, our way"}
    write_rubric(district, clash, name="iqa-clash.yaml")

    settings = district_settings(database_url, tmp_path, district)
    report = rubrics_service.sync_configured_rubrics(session=session, settings=settings)

    assert "maple-walkthrough 1" in report.added
    assert "iqa-math 2026.1-maple" in report.added
    assert "iqa-math 2026.1" in report.added
    (refused,) = report.refused
    assert refused.file.endswith("iqa-clash.yaml")
    assert "iqa-math 2026.1 is already defined by" in refused.message
    assert "title changed" in refused.message
    assert stored(session)[("iqa-math", "2026.1")].title.startswith("Instructional Quality")
    current = {r.rubric_id: r.version for r in rubrics_service.list_current(session=session)}
    assert current["iqa-math"] == "2026.1-maple"


def test_rubric_dirs_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUBRIC_DIRS", f"{tmp_path}/a, {tmp_path}/b")
    assert Settings(var_dir=tmp_path).rubric_dirs == [tmp_path / "a", tmp_path / "b"]
    monkeypatch.setenv("RUBRIC_DIRS", f'["{tmp_path}/c"]')
    assert Settings(var_dir=tmp_path).rubric_dirs == [tmp_path / "c"]
    monkeypatch.delenv("RUBRIC_DIRS")
    assert Settings(var_dir=tmp_path).rubric_dirs == []


def test_the_app_loads_rubrics_at_start_and_logs_what_it_skips(
    session: Session, database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    district = tmp_path / "district"
    write_rubric(district, rubric_data(id="ours"))
    write_rubric(district, rubric_data(id="oops", dimensions=[]))
    settings = district_settings(database_url, tmp_path, district, tmp_path / "missing")
    with caplog.at_level(logging.WARNING), TestClient(create_app(settings)):
        pass
    rows = stored(session)
    assert ("ours", "1") in rows and ("iqa-math", "2026.1") in rows
    assert not any(key[0] == "oops" for key in rows)
    skipped = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("oops.yaml: dimensions: " in m for m in skipped), skipped
    assert any("missing: no such file or folder" in m for m in skipped), skipped


def test_the_app_starts_on_a_database_that_is_not_migrated(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path)
    app = create_app(settings)
    with caplog.at_level(logging.WARNING), TestClient(app) as client:
        assert client.get("/login").status_code == 200
    app.state.engine.dispose()
    assert any("rubrics not loaded" in r.getMessage() for r in caplog.records)
