"""district stamp per district: observations by (school year, updated_at), the change log by
(school, entity, seq) and (school, seq)

The growth summaries' stamps were global (a write in any district made every district's
summary stale); they now read each of the district's schools and school years, an index
lookup each. The global indexes they replace go.

Revision ID: c5a8e2f1d7b4
Revises: 9d4e1f7a2c58
Create Date: 2026-12-07 11:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "c5a8e2f1d7b4"
down_revision: str | None = "9d4e1f7a2c58"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_observation_school_year_updated_at", "observation", ["school_year_id", "updated_at"]
    )
    op.create_index(
        "ix_sync_change_school_entity_seq", "sync_change", ["school_id", "entity", "seq"]
    )
    op.create_index("ix_sync_change_school_seq", "sync_change", ["school_id", "seq"])
    op.drop_index("ix_observation_updated_at", table_name="observation")
    op.drop_index("ix_sync_change_entity_seq", table_name="sync_change")


def downgrade() -> None:
    op.create_index("ix_sync_change_entity_seq", "sync_change", ["entity", "seq"])
    op.create_index("ix_observation_updated_at", "observation", ["updated_at"])
    op.drop_index("ix_sync_change_school_seq", table_name="sync_change")
    op.drop_index("ix_sync_change_school_entity_seq", table_name="sync_change")
    op.drop_index("ix_observation_school_year_updated_at", table_name="observation")
