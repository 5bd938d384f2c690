"""Roster import bookkeeping: one run's rows so far, its tallies and its problems."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel
from sqlmodel.sql.expression import SelectOfScalar

from server.roster.import_plan import Origin, Problem
from server.roster.models import District, School, SchoolYear

KINDS = ("districts", "schools", "school years", "people", "roles", "teachers", "coach assignments")
T = TypeVar("T", bound=SQLModel)


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0


@dataclass(frozen=True)
class ImportResult:
    format: str
    counts: dict[str, Counts]
    ignored_files: list[str]


def row_id(row: Any) -> int:
    """The id of a flushed row (typed as int, which the table models cannot promise)."""
    assert row.id is not None
    return int(row.id)


@dataclass
class ImportRun:
    """State shared by the steps of one import; `save` keeps the tallies honest."""

    session: Session
    target: District | None
    today: date
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, Counts] = field(default_factory=lambda: {k: Counts() for k in KINDS})
    districts: dict[str, District] = field(default_factory=dict)
    schools: dict[str, School] = field(default_factory=dict)
    years: dict[tuple[int, str], SchoolYear] = field(default_factory=dict)

    def first(self, query: SelectOfScalar[T]) -> T | None:
        return self.session.exec(query).first()

    def problem(self, origin: Origin, column: str, message: str) -> None:
        self.problems.append(origin.problem(column, message))

    def save(self, kind: str, row: T, values: dict[str, Any], *, new: bool = False) -> T:
        """Assign only what differs, so an unchanged re-import counts as unchanged."""
        changed = False
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
                changed = True
        counts = self.counts[kind]
        if new:
            counts.created += 1
        elif changed:
            counts.updated += 1
        else:
            counts.unchanged += 1
        self.session.add(row)
        if new:
            self.session.flush()  # later rows need its id
        return row
