"""growth indexes

Indexes for the growth summaries (docs/growth.md, server/growth/models.py): the scores'
(observation, rubric version, dimension, value), so that the summaries' GROUP BY reads the
index alone; check-ins by (cycle, date) for the dosage counts; and observation.updated_at for
the summaries' cache stamp.

Revision ID: a7c31e5f0b62
Revises: 5b7e2c1d9a40
Create Date: 2026-12-01 15:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "a7c31e5f0b62"
down_revision: str | None = "5b7e2c1d9a40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_observation_score_dimension_value",
        "observation_score",
        ["observation_id", "rubric_version_id", "dimension_id", "value"],
    )
    op.create_index("ix_check_in_cycle_id_date", "check_in", ["cycle_id", "date"])
    op.create_index("ix_observation_updated_at", "observation", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_observation_updated_at", table_name="observation")
    op.drop_index("ix_check_in_cycle_id_date", table_name="check_in")
    op.drop_index("ix_observation_score_dimension_value", table_name="observation_score")
