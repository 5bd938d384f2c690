"""Roster import, step one: read the files, pick the format, validate every row into a plan."""

import io
import zipfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from server.roster.cadence_csv import parse_cadence_csv
from server.roster.import_plan import (
    FILE,
    ImportPlan,
    ImportRejected,
    Problem,
    Problems,
    SourceFile,
)
from server.roster.oneroster import ORGS, USERS, parse_oneroster

# Far above any district's roster; stops a hostile zip from filling memory.
MAX_TOTAL_BYTES = 50 * 1024 * 1024

__all__ = [
    "MAX_TOTAL_BYTES",
    "ImportPlan",
    "ImportRejected",
    "Problem",
    "SourceFile",
    "build_plan",
    "read_path",
]


def read_path(*, path: Path) -> list[SourceFile]:
    """The CSV files in a directory, or the one file (CSV or zip) at `path`."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
        if not files:
            raise ImportRejected([Problem(str(path), 1, FILE, "no .csv files in this folder")])
    else:
        files = [path]
    total = sum(p.stat().st_size for p in files)
    if total > MAX_TOTAL_BYTES:
        raise ImportRejected([Problem(str(path), 1, FILE, _too_big(total))])
    return [SourceFile(p.name, p.read_bytes()) for p in files]


def _too_big(size: int) -> str:
    return f"{size // 1_000_000} MB is more than the {MAX_TOTAL_BYTES // 1_000_000} MB limit"


def _unzip(source: SourceFile) -> list[SourceFile]:
    """The CSV files inside a zip, by their base names (folders inside the zip are ignored)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(source.data))
    except zipfile.BadZipFile:
        raise ImportRejected([Problem(source.name, 1, FILE, "not a readable zip file")]) from None
    with archive:
        members = [
            m
            for m in archive.infolist()
            if not m.is_dir()
            and m.filename.lower().endswith(".csv")
            and not m.filename.startswith("__MACOSX/")
        ]
        total = sum(m.file_size for m in members)
        if total > MAX_TOTAL_BYTES:
            raise ImportRejected([Problem(source.name, 1, FILE, _too_big(total))])
        if not members:
            raise ImportRejected([Problem(source.name, 1, FILE, "the zip holds no .csv files")])
        return [SourceFile(PurePosixPath(m.filename).name, archive.read(m)) for m in members]


def _expand(sources: Sequence[SourceFile]) -> list[SourceFile]:
    zips = [s for s in sources if s.name.lower().endswith(".zip")]
    if not zips:
        return list(sources)
    if len(sources) > 1:
        problem = Problem(zips[0].name, 1, FILE, "upload one zip on its own, or only CSV files")
        raise ImportRejected([problem])
    return _unzip(zips[0])


def build_plan(*, files: Sequence[SourceFile], district_name: str | None = None) -> ImportPlan:
    """Validate every row of every file; raise ImportRejected listing every problem."""
    sources = _expand(files)
    problems = Problems()
    by_name: dict[str, SourceFile] = {}
    for source in sources:
        key = source.name.lower()
        if not key.endswith(".csv"):
            problems.add(source.name, 1, FILE, "import .csv files or one .zip of them")
        elif key in by_name:
            problems.add(source.name, 1, FILE, "two files have this name")
        by_name[key] = source
    problems.raise_if_any()
    if ORGS in by_name or USERS in by_name:
        plan = parse_oneroster(files=by_name, problems=problems)
        used = {ORGS, USERS, "academicsessions.csv"}
        plan.ignored_files = sorted(s.name for s in sources if s.name.lower() not in used)
    elif len(sources) == 1:
        plan = parse_cadence_csv(source=sources[0], district_name=district_name, problems=problems)
    else:
        names = ", ".join(sorted(s.name for s in sources))
        message = "expected OneRoster files (orgs.csv, users.csv) or one Cadence roster CSV"
        raise ImportRejected([Problem(names, 1, FILE, message)])
    problems.raise_if_any()
    return plan
