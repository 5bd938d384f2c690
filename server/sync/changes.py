"""The change log that pull reads, written by the one write path (apply_operation) in the
same transaction as each accepted write. Imports no service, so observations can call it."""

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, text
from sqlmodel import Session

from server.db import utcnow
from server.observations.models import Observation
from server.roster.models import Teacher
from server.sync.models import SyncChange

# Any constant: the transaction-level advisory lock that orders change writers on PostgreSQL.
CHANGE_LOCK_KEY = 0x5C_ADE1CE
_INSERT_CHANGE = insert(SyncChange.__table__)  # type: ignore[attr-defined]


def lock_change_sequence(session: Session) -> None:
    """Serialize change writers until commit, so seq order is commit order: a reader never
    sees seq N+1 committed while N is still in flight. SQLite serializes writers already
    (the write lock is held from the first write to commit)."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHANGE_LOCK_KEY})


@dataclass
class ChangeLog:
    """Change rows held back until their transaction commits, for a sync batch that applies
    many writes in one transaction: `write` inserts them all right before the commit, so the
    change lock is taken after the rows the batch locked, and only until the commit."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    def write(self, session: Session) -> None:
        if self.rows:
            lock_change_sequence(session)
            session.connection().execute(_INSERT_CHANGE, self.rows)
            self.rows.clear()


def record_change(
    session: Session,
    observation: Observation,
    *,
    deleted: bool = False,
    school_id: int | None = None,
    log: ChangeLog | None = None,
) -> None:
    """Log that this observation changed: now (call right before the commit: the lock is
    held until then), or in `log` to be written with the batch's commit. `school_id` is the
    school of the observation's teacher, when the caller knows it already."""
    if school_id is None:
        teacher = session.get(Teacher, observation.teacher_id)
        assert teacher is not None
        school_id = teacher.school_id
    row = {
        "entity": "observation",
        "entity_id": observation.id,
        "version": observation.version,
        "observer_id": observation.observer_id,
        "teacher_id": observation.teacher_id,
        "school_id": school_id,
        "shared_with_teacher": observation.shared_with_teacher_at is not None,
        "shared_with_principal": observation.shared_with_principal_at is not None,
        "deleted": deleted,
        "created_at": utcnow(),
    }
    if log is not None:
        log.rows.append(row)
        return
    lock_change_sequence(session)
    # Core insert with the values as parameters: one row, no unit of work, and a statement
    # compiled once (this runs on every write).
    session.connection().execute(_INSERT_CHANGE, row)


def record_coaching_change(
    session: Session,
    entity: str,
    entity_id: uuid.UUID,
    version: int,
    coach_id: int,
    teacher_id: int,
    school_id: int,
    shared_with_principal: bool,
) -> None:
    """Log that a coaching entity (cycle, check_in, commitment) changed, under the same
    lock as observations. Scope keys: observer_id is the pair's coach, teacher_id the
    roster teacher (the pair's teacher reads it through Teacher.user_id, so
    shared_with_teacher is always true), shared_with_principal only for a cycle whose
    summary is shared (or was, on the write that stopped sharing it: the principal's
    devices then pull its tombstone). Call right before the commit."""
    lock_change_sequence(session)
    session.execute(
        _INSERT_CHANGE,
        {
            "entity": entity,
            "entity_id": entity_id,
            "version": version,
            "observer_id": coach_id,
            "teacher_id": teacher_id,
            "school_id": school_id,
            "shared_with_teacher": True,
            "shared_with_principal": shared_with_principal,
            "deleted": False,
            "created_at": utcnow(),
        },
    )
