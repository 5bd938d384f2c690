"""sync_change (entity, seq)

The growth summaries' and fits' cache stamp reads the change log's latest observation change
(coaching changes do not touch a score): an index lookup instead of a scan of the log.

Revision ID: 3e9d2b7c4f15
Revises: a7c31e5f0b62
Create Date: 2026-12-01 20:50:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "3e9d2b7c4f15"
down_revision: str | None = "a7c31e5f0b62"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_sync_change_entity_seq", "sync_change", ["entity", "seq"])


def downgrade() -> None:
    op.drop_index("ix_sync_change_entity_seq", table_name="sync_change")
