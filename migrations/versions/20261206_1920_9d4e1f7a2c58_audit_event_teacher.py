"""audit: whose records each read or sync carried (audit_event_teacher), filled in for the
events already written about cycles, check-ins and commitments

Revision ID: 9d4e1f7a2c58
Revises: b41c7e9d2a63
Create Date: 2026-12-06 19:20:00.000000
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9d4e1f7a2c58"
down_revision: str | None = "b41c7e9d2a63"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEACHERS = sa.table(
    "audit_event_teacher",
    sa.column("audit_event_id", sa.Integer),
    sa.column("teacher_id", sa.Integer),
)
# Each coaching record's teacher, by the record's id (the events name them by id).
_OWNERS = (
    "SELECT id, teacher_id FROM coaching_cycle",
    "SELECT check_in.id, coaching_cycle.teacher_id FROM check_in "
    "JOIN coaching_cycle ON coaching_cycle.id = check_in.cycle_id",
    "SELECT commitment.id, coaching_cycle.teacher_id FROM commitment "
    "JOIN coaching_cycle ON coaching_cycle.id = commitment.cycle_id",
)
_EVENTS = sa.text(
    "SELECT id, entity_id FROM audit_event "
    "WHERE entity IN ('cycle', 'check_in', 'commitment') AND id > :last "
    "ORDER BY id LIMIT :chunk"
)
_CHUNK = 5000


def upgrade() -> None:
    op.create_table(
        "audit_event_teacher",
        sa.Column("audit_event_id", sa.Integer(), nullable=False),
        sa.Column("teacher_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_event_id"],
            ["audit_event.id"],
            name=op.f("fk_audit_event_teacher_audit_event_id_audit_event"),
        ),
        sa.ForeignKeyConstraint(
            ["teacher_id"], ["teacher.id"], name=op.f("fk_audit_event_teacher_teacher_id_teacher")
        ),
        sa.PrimaryKeyConstraint(
            "audit_event_id", "teacher_id", name=op.f("pk_audit_event_teacher")
        ),
    )
    with op.batch_alter_table("audit_event_teacher", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_event_teacher_teacher_id"), ["teacher_id"], unique=False
        )
    _fill_in()


def _key(value: object) -> uuid.UUID | None:
    """A record id as a UUID, however the engine returns it (SQLite: 32 hex digits; the
    events: text with dashes); None for an id that is not one."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _fill_in() -> None:
    """The events written before this table (a "read" or "sync_read" of a cycle, check-in
    or commitment) get the row naming the record's teacher, so "whose records" covers them.
    Read a chunk of events at a time, by id, so a long log never sits in memory at once."""
    conn = op.get_bind()
    owner: dict[uuid.UUID | None, int] = {}
    for query in _OWNERS:
        for record_id, teacher_id in conn.execute(sa.text(query)):
            owner[_key(record_id)] = teacher_id
    owner.pop(None, None)  # never an event's owner, whatever its entity_id
    if not owner:
        return
    last = 0
    while events := conn.execute(_EVENTS, {"last": last, "chunk": _CHUNK}).all():
        last = events[-1][0]
        found = [
            {"audit_event_id": event_id, "teacher_id": owner[key]}
            for event_id, entity_id in events
            if (key := _key(entity_id)) in owner
        ]
        if found:
            conn.execute(_TEACHERS.insert(), found)


def downgrade() -> None:
    with op.batch_alter_table("audit_event_teacher", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_teacher_teacher_id"))
    op.drop_table("audit_event_teacher")
