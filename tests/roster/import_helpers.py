"""Shared by the roster import tests: the fixture files and small helpers."""

import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session

from server.audit.service import Actor
from server.roster.import_plan import ImportRejected
from server.roster.import_service import ImportResult, apply_import
from server.roster.importer import build_plan, read_path

DATA = Path(__file__).parent / "data"
ONEROSTER = DATA / "oneroster"
CADENCE = DATA / "cadence_roster.csv"
TODAY = date(2025, 10, 1)
IMPORTER = Actor(user_id=None, via="roster import")


def run_import(session: Session, path: Path, *, district_name: str | None = None) -> ImportResult:
    plan = build_plan(files=read_path(path=path), district_name=district_name)
    return apply_import(session=session, plan=plan, today=TODAY, actor=IMPORTER)


def counts(result: ImportResult) -> dict[str, tuple[int, int, int, int]]:
    return {k: (c.created, c.updated, c.unchanged, c.skipped) for k, c in result.counts.items()}


def problems_of(exc: pytest.ExceptionInfo[ImportRejected]) -> set[tuple[str, int, str]]:
    return {(p.file, p.line, p.column) for p in exc.value.problems}


def copy_oneroster(tmp_path: Path) -> Path:
    """A private copy of the OneRoster set, for tests that edit it."""
    target = tmp_path / "oneroster"
    shutil.copytree(ONEROSTER, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new))
