"""Roster import bookkeeping: one run's rows so far, its tallies and its problems."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel
from sqlmodel.sql.expression import SelectOfScalar

from server.accounts.models import Membership, User
from server.audit import service as audit_service
from server.audit.service import Actor
from server.roster.import_plan import Origin, Problem
from server.roster.models import CoachAssignment, District, School, SchoolYear, Teacher

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
    actor: Actor
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
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        for name, value in values.items():
            if getattr(row, name) != value:
                before[name], after[name] = getattr(row, name), value
                setattr(row, name, value)
        changed = bool(after)
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
        if new or changed:
            self._audit(row, new=new, before=before, after=after)
        return row

    def _audit(self, row: Any, *, new: bool, before: dict[str, Any], after: dict[str, Any]) -> None:
        """Changes of access are audited: people, roles, assignments, a roster email."""
        change = "created" if new else "updated"
        if isinstance(row, User):
            values = {"name": row.name, "email": row.email, "is_active": row.is_active}
            action, entity, entity_id = "account", "user", row.id
        elif isinstance(row, Membership):
            values = {"role": row.role.value, "school_id": row.school_id}
            action, entity, entity_id, change = "role", "user", row.user_id, "added"
        elif isinstance(row, CoachAssignment):
            values = {"coach_id": row.coach_id, "teacher_id": row.teacher_id}
            values |= {"start_date": row.start_date.isoformat()}
            action, entity, entity_id = "assignment", "assignment", row.id
        elif isinstance(row, Teacher) and not new and "email" in after:
            values = {}
            before, after = {"email": before["email"]}, {"email": after["email"]}
            action, entity, entity_id = "account", "teacher", row.id
        else:
            return
        audit_service.record_change(
            session=self.session, actor=self.actor, action=action, entity=entity,
            entity_id=entity_id, change=change, before=None if new else before,
            after=values if new else after,
        )  # fmt: skip
