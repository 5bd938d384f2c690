"""Rubrics: load and check files, register versions, and hand out the content to score with.

A version is (rubric id, version string). Until an observation uses it (first_used_at), a file
may still change its content; from then on the content is frozen and a changed file is refused
with the list of what changed. A new version string always makes a new stored version.
"""

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, col, select

from server import yamldoc
from server.config import ROOT, Settings
from server.db import utcnow
from server.rubrics.models import RubricVersion
from server.rubrics.schema import Rubric

logger = logging.getLogger(__name__)

SHIPPED_DIR = ROOT / "rubrics"
RUBRIC_SUFFIXES = (".yaml", ".yml")


RubricProblem = yamldoc.FileProblem


class RubricFileError(yamldoc.FileProblemsError):
    """Every problem found in one rubric file."""


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    refused: list[RubricProblem] = field(default_factory=list)


@dataclass(frozen=True)
class RubricFile:
    """A file that loaded and validated."""

    path: Path
    rubric: Rubric
    digest: str

    @property
    def label(self) -> str:
        return f"{self.rubric.id} {self.rubric.version}"


# Loading --------------------------------------------------------------------------------------


@lru_cache(maxsize=128)
def _parse(raw: bytes) -> Rubric:
    """Parse and validate a file's bytes (cached: app starts re-read the same files)."""
    return yamldoc.parse(raw, Rubric)


def load_rubric_file(path: Path) -> Rubric:
    """Parse and validate one YAML file; RubricFileError lists every problem found."""
    return yamldoc.load_file(path, _parse, RubricFileError)


def find_rubric_files(*, paths: Iterable[Path]) -> tuple[list[Path], list[RubricProblem]]:
    """Expand files and folders (their *.yaml and *.yml, not sub-folders) in the given order."""
    files: list[Path] = []
    problems: list[RubricProblem] = []
    for path in paths:
        if path.is_dir():
            files += sorted(
                p for p in path.iterdir() if p.suffix in RUBRIC_SUFFIXES and p.is_file()
            )
        elif path.is_file():
            files.append(path)
        else:
            problems.append(RubricProblem(str(path), "", "no such file or folder"))
    return files, problems


def configured_folders(*, settings: Settings) -> list[Path]:
    """The shipped rubrics first, then the district's own folders (RUBRIC_DIRS), in order."""
    return [SHIPPED_DIR, *settings.rubric_dirs]


def read_rubric_files(*, paths: Iterable[Path]) -> tuple[list[RubricFile], list[RubricProblem]]:
    """Load files in order. A later file that reuses an earlier file's id and version with
    other content is refused (the shipped folder comes first, so it wins)."""
    loaded: dict[tuple[str, str], RubricFile] = {}
    problems: list[RubricProblem] = []
    for path in paths:
        try:
            rubric = load_rubric_file(path)
        except RubricFileError as exc:
            problems += exc.problems
            continue
        current = RubricFile(path=path, rubric=rubric, digest=content_hash(rubric))
        earlier = loaded.get((rubric.id, rubric.version))
        if earlier is None:
            loaded[(rubric.id, rubric.version)] = current
        elif earlier.digest != current.digest:
            changes = describe_changes(old=earlier.rubric, new=rubric)
            problems.append(
                RubricProblem(
                    str(path),
                    "version",
                    f"{current.label} is already defined by {earlier.path} with other content "
                    f"({yamldoc.summarize(changes)}); give this file its own id or a new version string",
                )
            )
    return list(loaded.values()), problems


# Content, hashes and differences -----------------------------------------------------------


def content_hash(rubric: Rubric) -> str:
    return yamldoc.content_hash(rubric)


def _full_content(content: Rubric | Mapping[str, Any]) -> Any:
    """Content with every default filled in, for comparing; raw when it no longer validates."""
    if isinstance(content, Rubric):
        return content.model_dump(mode="json")
    try:
        return Rubric.model_validate(content).model_dump(mode="json")
    except ValidationError:
        return dict(content)


def describe_changes(
    *, old: Rubric | Mapping[str, Any], new: Rubric | Mapping[str, Any]
) -> list[str]:
    """What differs from old to new, as paths in the new file: 'dimensions[2].levels[1].descriptor
    changed', "dimension 'x' added". Empty when the content is the same."""
    return yamldoc.differences(_full_content(old), _full_content(new))


def _judge(
    *, row: RubricVersion, rubric: Rubric, digest: str, source: str
) -> tuple[str, RubricProblem | None]:
    """A file's content against its stored version: 'unchanged', 'update' (still unused) or
    'refused' with a problem that lists what changed (used by observations)."""
    if row.content_hash == digest:
        return "unchanged", None
    changes = describe_changes(old=row.content, new=rubric)
    if not changes:  # same content, hashed by an older canonical form
        return "unchanged", None
    if row.first_used_at is None:
        return "update", None
    problem = RubricProblem(
        source,
        "version",
        f"{rubric.id} {rubric.version} is used by observations "
        f"(since {row.first_used_at.date().isoformat()}), so its content cannot change; "
        f"give the file a new version string. Changed: {yamldoc.summarize(changes)}",
    )
    return "refused", problem


# Stored versions -----------------------------------------------------------------------------


# Parsed content by content hash: a hash names one content, and Rubric is frozen, so the
# parse (the cost of every autosave otherwise) is shared safely.
_PARSED: dict[str, Rubric] = {}
_PARSED_LIMIT = 256


def rubric_of(version: RubricVersion) -> Rubric:
    """The content an observation was scored with (validated again: stored data is data)."""
    rubric = _PARSED.get(version.content_hash)
    if rubric is None:
        rubric = Rubric.model_validate(version.content)
        if len(_PARSED) >= _PARSED_LIMIT:
            _PARSED.clear()
        _PARSED[version.content_hash] = rubric
    return rubric


def get_version(*, session: Session, rubric_version_id: int) -> RubricVersion | None:
    return session.get(RubricVersion, rubric_version_id)


def find_version(*, session: Session, rubric_id: str, version: str) -> RubricVersion | None:
    return session.exec(
        select(RubricVersion).where(
            RubricVersion.rubric_id == rubric_id, RubricVersion.version == version
        )
    ).first()


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Order version strings naturally: 2026.2 < 2026.10, and 2026.1 < 2026.1-maple."""
    return tuple(
        (0, int(part)) if part.isascii() and part.isdigit() else (1, part)
        for part in re.split(r"([0-9]+)", version)
        if part
    )


def list_versions(*, session: Session, rubric_id: str) -> list[RubricVersion]:
    """Every stored version of one rubric, newest first."""
    rows = session.exec(select(RubricVersion).where(RubricVersion.rubric_id == rubric_id)).all()
    return sorted(rows, key=lambda r: (version_key(r.version), r.created_at), reverse=True)


def list_current(*, session: Session) -> list[RubricVersion]:
    """The newest version of each rubric (by version string), by title."""
    latest: dict[str, RubricVersion] = {}
    for row in session.exec(select(RubricVersion).order_by(col(RubricVersion.id))):
        best = latest.get(row.rubric_id)
        if best is None or version_key(row.version) >= version_key(best.version):
            latest[row.rubric_id] = row
    return sorted(latest.values(), key=lambda v: (v.title.casefold(), v.rubric_id))


def mark_used(*, session: Session, version: RubricVersion) -> None:
    """From now on this version's content may never change."""
    if version.first_used_at is None:
        version.first_used_at = utcnow()
        session.add(version)


def _source_name(path: Path | str) -> str:
    """Shipped files by their path in the project; others as given. Fits the column."""
    try:
        name = str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        name = str(path)
    return name[-500:]


def register(
    *, session: Session, rubric: Rubric, source: str = ""
) -> tuple[str, RubricVersion | None, RubricProblem | None]:
    """Store a loaded rubric version: 'added', 'unchanged', 'updated' or 'refused'.

    Flushes, never commits. An insert racing another process's raises IntegrityError (the
    unique rubric id and version): roll back and call again to compare with theirs.
    """
    digest = content_hash(rubric)
    for _attempt in range(3):
        row = find_version(session=session, rubric_id=rubric.id, version=rubric.version)
        if row is None:
            row = RubricVersion(
                rubric_id=rubric.id, version=rubric.version, title=rubric.title,
                content_hash=digest, content=rubric.model_dump(mode="json"), source=source,
            )  # fmt: skip
            session.add(row)
            session.flush()
            return "added", row, None
        verdict, problem = _judge(row=row, rubric=rubric, digest=digest, source=source)
        if verdict != "update":
            return verdict, row, problem
        # Only while still unused and as read: an observation may have used it meanwhile.
        result = session.exec(
            sa.update(RubricVersion)
            .where(
                col(RubricVersion.id) == row.id,
                col(RubricVersion.first_used_at).is_(None),
                col(RubricVersion.content_hash) == row.content_hash,
            )
            .values(
                content=rubric.model_dump(mode="json"),
                content_hash=digest,
                title=rubric.title,
                source=source,
            )
            .execution_options(synchronize_session=False)
        )
        session.expire(row)
        if result.rowcount == 1:
            session.flush()
            return "updated", row, None
    raise RuntimeError(f"{rubric.id} {rubric.version} kept changing while it was registered")


def _register_all(
    *, session: Session, files: list[RubricFile]
) -> list[tuple[RubricFile, str, RubricProblem | None]]:
    """Register in one transaction. If another worker registers one of the same versions at
    the same moment (the unique key refuses our insert), start again one file per transaction,
    comparing with what the other worker stored."""

    def one(loaded: RubricFile) -> tuple[RubricFile, str, RubricProblem | None]:
        source = _source_name(loaded.path)
        outcome, _row, problem = register(session=session, rubric=loaded.rubric, source=source)
        return loaded, outcome, problem

    try:
        results = [one(loaded) for loaded in files]
        session.commit()
        return results
    except IntegrityError:
        session.rollback()
    results = []
    for loaded in files:
        try:
            results.append(one(loaded))
            session.commit()
        except IntegrityError:
            session.rollback()
            results.append(one(loaded))
            session.commit()
    return results


def sync_rubric_files(*, session: Session, paths: list[Path]) -> SyncReport:
    """Load every file and register its version; bad or refused files are reported, not
    loaded. Files whose content is stored already cost no write."""
    report = SyncReport()
    files, report.refused = read_rubric_files(paths=paths)
    stored = {
        (rubric_id, version): digest
        for rubric_id, version, digest in session.exec(
            select(RubricVersion.rubric_id, RubricVersion.version, RubricVersion.content_hash)
        )
    }
    pending = []
    for loaded in files:
        if stored.get((loaded.rubric.id, loaded.rubric.version)) == loaded.digest:
            report.unchanged.append(loaded.label)
        else:
            pending.append(loaded)
    for loaded, outcome, problem in _register_all(session=session, files=pending):
        if problem is not None:
            report.refused.append(problem)
        else:
            getattr(report, outcome).append(loaded.label)
    return report


def sync_configured_rubrics(*, session: Session, settings: Settings) -> SyncReport:
    """Sync the shipped folder and the district's folders (settings.rubric_dirs)."""
    files, missing = find_rubric_files(paths=configured_folders(settings=settings))
    report = sync_rubric_files(session=session, paths=files)
    report.refused[:0] = missing
    return report


def explain_error(*, error: SQLAlchemyError) -> str:
    """The driver's first line (e.g. 'no such table: rubric_version'), else the error's kind."""
    return str(getattr(error, "orig", None) or error.__class__.__name__).splitlines()[0]


def sync_at_startup(*, engine: Engine, settings: Settings) -> SyncReport | None:
    """Run at app start: refused or invalid files are logged and skipped; nothing raises."""
    try:
        with Session(engine, expire_on_commit=False) as session:
            report = sync_configured_rubrics(session=session, settings=settings)
    except SQLAlchemyError as exc:
        logger.warning(
            "rubrics not loaded: the database is not ready (%s)", explain_error(error=exc)
        )
        return None
    except Exception:
        logger.exception("rubrics not loaded")
        return None
    for problem in report.refused:
        logger.warning("rubric file skipped: %s", problem)
    if report.added or report.updated:
        logger.info(
            "rubrics: added %s; updated %s",
            ", ".join(report.added) or "none",
            ", ".join(report.updated) or "none",
        )
    return report


def check_against_stored(
    *, session: Session, loaded: RubricFile
) -> tuple[str, RubricProblem | None]:
    """What registering this file would do, without writing: 'new', 'unchanged', 'update' or
    'refused' with a problem when it changes a version observations already use."""
    row = find_version(session=session, rubric_id=loaded.rubric.id, version=loaded.rubric.version)
    if row is None:
        return "new", None
    return _judge(row=row, rubric=loaded.rubric, digest=loaded.digest, source=str(loaded.path))


def summarize_rubric(*, rubric: Rubric) -> dict[str, Any]:
    """Id, version, title and each dimension's group and score range (for `rubrics list`)."""
    groups = {g.id: g.name for g in rubric.groups}
    scales = {s.id: s for s in rubric.scales}
    return {
        "id": rubric.id,
        "version": rubric.version,
        "title": rubric.title,
        "dimensions": [
            {
                "id": d.id,
                "name": d.name,
                "group": groups[d.group],
                "group_id": d.group,
                "scale": d.scale,
                "min": scales[d.scale].min,
                "max": scales[d.scale].max,
                "not_observed": scales[d.scale].not_observed,
                "items": [item.id for item in d.items],
            }
            for d in rubric.dimensions
        ],
        "tallies": [t.id for t in rubric.tallies],
    }
