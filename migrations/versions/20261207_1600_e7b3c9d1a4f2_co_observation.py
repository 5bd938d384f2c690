"""co-observation: a second observer's observation points at the first (pair_of); the
reconciliation keeps both raters' scores as they finalized them

Revision ID: e7b3c9d1a4f2
Revises: c5a8e2f1d7b4
Create Date: 2026-12-07 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "e7b3c9d1a4f2"
down_revision: str | None = "c5a8e2f1d7b4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pair_of", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_observation_pair_of"), ["pair_of"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_observation_pair_of_observation"), "observation", ["pair_of"], ["id"]
        )
    op.create_table(
        "reconciliation",
        sa.Column("observation_id", sa.Uuid(), nullable=False),
        sa.Column("second_observation_id", sa.Uuid(), nullable=False),
        sa.Column("first_scores", sa.JSON(), nullable=False),
        sa.Column("second_scores", sa.JSON(), nullable=False),
        sa.Column("changed_cells", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["observation_id"],
            ["observation.id"],
            name=op.f("fk_reconciliation_observation_id_observation"),
        ),
        sa.ForeignKeyConstraint(
            ["second_observation_id"],
            ["observation.id"],
            name=op.f("fk_reconciliation_second_observation_id_observation"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["user.id"], name=op.f("fk_reconciliation_recorded_by_user")
        ),
        sa.PrimaryKeyConstraint("observation_id", name=op.f("pk_reconciliation")),
    )


def downgrade() -> None:
    op.drop_table("reconciliation")
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_observation_pair_of_observation"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_observation_pair_of"))
        batch_op.drop_column("pair_of")
