"""The change log that pull reads, written by the one write path (apply_operation) in the
same transaction as each accepted write. Imports no service, so observations can call it."""

import uuid

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


def record_change(session: Session, observation: Observation, *, deleted: bool = False) -> None:
    """Log that this observation changed (call right before the commit: the lock is held
    until then)."""
    teacher = session.get(Teacher, observation.teacher_id)
    assert teacher is not None
    lock_change_sequence(session)
    # Core insert with the values as parameters: one row, no unit of work, and a statement
    # compiled once (this runs on every write).
    session.execute(
        _INSERT_CHANGE,
        {
            "entity": "observation",
            "entity_id": observation.id,
            "version": observation.version,
            "observer_id": observation.observer_id,
            "teacher_id": observation.teacher_id,
            "school_id": teacher.school_id,
            "shared_with_teacher": observation.shared_with_teacher_at is not None,
            "shared_with_principal": observation.shared_with_principal_at is not None,
            "deleted": deleted,
            "created_at": utcnow(),
        },
    )


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
