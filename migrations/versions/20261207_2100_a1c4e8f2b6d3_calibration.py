"""calibration: the district specialist role, master-coded lessons, raters' blind ratings
and the district's threshold

Revision ID: a1c4e8f2b6d3
Revises: e7b3c9d1a4f2
Create Date: 2026-12-07 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "a1c4e8f2b6d3"
down_revision: str | None = "e7b3c9d1a4f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCOPE = "school_scope_matches_role"


def _scope_check(district_wide: str) -> None:
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(f"ck_membership_{SCOPE}"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f(f"ck_membership_{SCOPE}"), f"({district_wide}) = (school_id IS NULL)"
        )


def upgrade() -> None:
    _scope_check("role IN ('district_admin', 'specialist')")
    op.create_table(
        "calibration_lesson",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("rubric_version_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("master_scores", sa.JSON(), nullable=False),
        sa.Column("master_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("closed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_calibration_lesson_district_id_district"),
        ),
        sa.ForeignKeyConstraint(
            ["rubric_version_id"],
            ["rubric_version.id"],
            name=op.f("fk_calibration_lesson_rubric_version_id_rubric_version"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user.id"], name=op.f("fk_calibration_lesson_created_by_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calibration_lesson")),
    )
    op.create_index(
        op.f("ix_calibration_lesson_district_id"), "calibration_lesson", ["district_id"]
    )
    op.create_table(
        "calibration_rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("rater_id", sa.Integer(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("finalized_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["calibration_lesson.id"],
            name=op.f("fk_calibration_rating_lesson_id_calibration_lesson"),
        ),
        sa.ForeignKeyConstraint(
            ["rater_id"], ["user.id"], name=op.f("fk_calibration_rating_rater_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calibration_rating")),
        sa.UniqueConstraint(
            "lesson_id", "rater_id", name=op.f("uq_calibration_rating_lesson_id_rater_id")
        ),
    )
    op.create_index(op.f("ix_calibration_rating_lesson_id"), "calibration_rating", ["lesson_id"])
    op.create_index(op.f("ix_calibration_rating_rater_id"), "calibration_rating", ["rater_id"])
    op.create_table(
        "district_calibration",
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("min_adjacent_percent", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_district_calibration_district_id_district"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["user.id"], name=op.f("fk_district_calibration_updated_by_user")
        ),
        sa.PrimaryKeyConstraint("district_id", name=op.f("pk_district_calibration")),
    )


def downgrade() -> None:
    op.drop_table("district_calibration")
    op.drop_index(op.f("ix_calibration_rating_rater_id"), table_name="calibration_rating")
    op.drop_index(op.f("ix_calibration_rating_lesson_id"), table_name="calibration_rating")
    op.drop_table("calibration_rating")
    op.drop_index(op.f("ix_calibration_lesson_district_id"), table_name="calibration_lesson")
    op.drop_table("calibration_lesson")
    op.execute("DELETE FROM membership WHERE role = 'specialist'")
    _scope_check("role = 'district_admin'")
