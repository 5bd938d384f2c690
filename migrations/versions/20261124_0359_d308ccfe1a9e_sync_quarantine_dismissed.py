"""sync quarantine dismissed

A rejected mutation the person dismissed from their list is kept (for support) with the
time it was dismissed.

Revision ID: d308ccfe1a9e
Revises: 972a220edc20
Create Date: 2026-11-24 03:59:05.479506
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "d308ccfe1a9e"
down_revision: str | None = "972a220edc20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sync_quarantine", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("dismissed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("sync_quarantine", schema=None) as batch_op:
        batch_op.drop_column("dismissed_at")
