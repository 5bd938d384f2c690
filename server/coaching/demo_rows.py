"""Demo coaching's rows as built, with their history of writes, and their bulk insert."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, SQLModel, select

from server.coaching.models import CheckIn, CheckInReflection, CoachingCycle, Commitment
from server.roster.models import Teacher
from server.sync.changes import lock_change_sequence
from server.sync.models import SyncChange


@dataclass
class Row:
    """A row being built, with its history of writes (version and field_versions)."""

    entity: str
    values: dict[str, Any]
    cycle: "Row | None" = None  # a check-in's or commitment's cycle
    version: int = 1
    field_versions: dict[str, int] = field(default_factory=dict)


@dataclass
class Write:
    at: datetime
    order: int
    row: Row
    version: int
    shared: bool


@dataclass
class Built:
    cycles: list[Row] = field(default_factory=list)
    check_ins: list[Row] = field(default_factory=list)
    commitments: list[Row] = field(default_factory=list)
    reflections: list[dict[str, Any]] = field(default_factory=list)
    writes: list[Write] = field(default_factory=list)

    def log(self, row: Row, at: datetime, *fields: str) -> None:
        """One accepted write at `at`: created (no fields) or changing these fields."""
        if fields:
            row.version += 1
            for name in fields:
                row.field_versions[name] = row.version
        row.values["updated_at"] = at
        cycle = row if row.entity == "cycle" else row.cycle
        assert cycle is not None
        shared = row.entity == "cycle" and (
            cycle.values.get("shared_with_principal_at") is not None or "shared" in fields
        )
        self.writes.append(Write(at, len(self.writes), row, row.version, shared))


def _row_values(row: Row) -> dict[str, Any]:
    return {**row.values, "version": row.version, "field_versions": dict(row.field_versions)}


def _table(model: type[SQLModel]) -> Any:
    return model.__table__  # type: ignore[attr-defined]


def insert_built(session: Session, built: Built) -> None:
    for model, rows in (
        (CoachingCycle, built.cycles),
        (CheckIn, built.check_ins),
        (Commitment, built.commitments),
    ):
        if rows:
            session.execute(insert(_table(model)), [_row_values(r) for r in rows])
    if built.reflections:
        session.execute(insert(_table(CheckInReflection)), built.reflections)
    teachers = {t.id: t.school_id for t in session.exec(select(Teacher))}
    changes = []
    for write in sorted(built.writes, key=lambda w: (w.at, w.order)):
        cycle = write.row if write.row.entity == "cycle" else write.row.cycle
        assert cycle is not None
        teacher_id = cycle.values["teacher_id"]
        changes.append(
            {
                "entity": write.row.entity, "entity_id": write.row.values["id"],
                "version": write.version, "observer_id": cycle.values["coach_id"],
                "teacher_id": teacher_id, "school_id": teachers[teacher_id],
                "shared_with_teacher": True, "shared_with_principal": write.shared,
                "deleted": False, "created_at": write.at,
            }
        )  # fmt: skip
    if changes:
        lock_change_sequence(session)
        session.execute(insert(_table(SyncChange)), changes)
