"""growth share

A teacher's choice to share their growth page with their principal: one row per teacher who
shares it (no row: not shared).

Revision ID: 5b7e2c1d9a40
Revises: 0c2c2d54394d
Create Date: 2026-11-24 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "5b7e2c1d9a40"
down_revision: str | None = "0c2c2d54394d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "growth_share",
        sa.Column("teacher_id", sa.Integer(), nullable=False),
        sa.Column("shared_by", sa.Integer(), nullable=False),
        sa.Column("shared_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shared_by"], ["user.id"], name=op.f("fk_growth_share_shared_by_user")
        ),
        sa.ForeignKeyConstraint(
            ["teacher_id"], ["teacher.id"], name=op.f("fk_growth_share_teacher_id_teacher")
        ),
        sa.PrimaryKeyConstraint("teacher_id", name=op.f("pk_growth_share")),
    )


def downgrade() -> None:
    op.drop_table("growth_share")
