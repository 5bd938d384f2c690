"""Rubrics: load and check files, register versions, and hand out the content to score with."""

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError
from sqlmodel import Session, col, select

from server.db import utcnow
from server.rubrics.models import RubricVersion
from server.rubrics.schema import Rubric


@dataclass(frozen=True)
class RubricProblem:
    """One problem in a rubric file: `where` is the path inside the file (e.g. dimensions[2].id)."""

    file: str
    where: str
    message: str

    def __str__(self) -> str:
        return (
            f"{self.file}: {self.where}: {self.message}"
            if self.where
            else f"{self.file}: {self.message}"
        )


class RubricFileError(ValueError):
    def __init__(self, problems: list[RubricProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    refused: list[RubricProblem] = field(default_factory=list)


def _where(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def load_rubric_file(path: Path) -> Rubric:
    """Parse and validate one YAML file; RubricFileError lists every problem found."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RubricFileError([RubricProblem(str(path), "", f"cannot read: {exc}")]) from exc
    try:
        return Rubric.model_validate(data)
    except ValidationError as exc:
        problems = [RubricProblem(str(path), _where(e["loc"]), e["msg"]) for e in exc.errors()]
        raise RubricFileError(problems) from exc


def content_hash(rubric: Rubric) -> str:
    canonical = json.dumps(rubric.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def rubric_of(version: RubricVersion) -> Rubric:
    """The content an observation was scored with (validated again: stored data is data)."""
    return Rubric.model_validate(version.content)


def get_version(*, session: Session, rubric_version_id: int) -> RubricVersion | None:
    return session.get(RubricVersion, rubric_version_id)


def find_version(*, session: Session, rubric_id: str, version: str) -> RubricVersion | None:
    return session.exec(
        select(RubricVersion).where(
            RubricVersion.rubric_id == rubric_id, RubricVersion.version == version
        )
    ).first()


def list_current(*, session: Session) -> list[RubricVersion]:
    """The newest registered version of each rubric, by title."""
    latest: dict[str, RubricVersion] = {}
    for row in session.exec(
        select(RubricVersion).order_by(col(RubricVersion.created_at), col(RubricVersion.id))
    ):
        latest[row.rubric_id] = row
    return sorted(latest.values(), key=lambda v: v.title)


def mark_used(*, session: Session, version: RubricVersion) -> None:
    """From now on this version's content may never change."""
    if version.first_used_at is None:
        version.first_used_at = utcnow()
        session.add(version)


def register(
    *, session: Session, rubric: Rubric, source: str = ""
) -> tuple[str, RubricVersion | None, RubricProblem | None]:
    """Store a loaded rubric version: 'added', 'unchanged', 'updated' or 'refused'."""
    digest = content_hash(rubric)
    row = find_version(session=session, rubric_id=rubric.id, version=rubric.version)
    if row is None:
        row = RubricVersion(
            rubric_id=rubric.id, version=rubric.version, title=rubric.title, content_hash=digest,
            content=rubric.model_dump(mode="json"), source=source,
        )  # fmt: skip
        session.add(row)
        session.flush()
        return "added", row, None
    if row.content_hash == digest:
        return "unchanged", row, None
    if row.first_used_at is not None:
        problem = RubricProblem(
            source, "version",
            f"{rubric.id} {rubric.version} is already used by observations and its content changed; "
            "give the file a new version string",
        )  # fmt: skip
        return "refused", row, problem
    row.content, row.content_hash, row.title, row.source = (
        rubric.model_dump(mode="json"),
        digest,
        rubric.title,
        source,
    )
    session.add(row)
    session.flush()
    return "updated", row, None


def sync_rubric_files(*, session: Session, paths: list[Path]) -> SyncReport:
    """Load every file and register its version; bad or refused files are reported, not loaded."""
    report = SyncReport()
    for path in paths:
        try:
            rubric = load_rubric_file(path)
        except RubricFileError as exc:
            report.refused.extend(exc.problems)
            continue
        outcome, _row, problem = register(session=session, rubric=rubric, source=str(path))
        if problem is not None:
            report.refused.append(problem)
        else:
            getattr(report, outcome).append(f"{rubric.id} {rubric.version}")
    session.commit()
    return report
