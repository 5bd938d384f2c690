"""coaching cycles

Coaching cycles of a teacher-coach pair, their weekly check-ins, commitments and the
teacher's reflections; the audit log of reads and exports of coaching content; and sync
conflicts of any entity (entity, entity_id; observation_id only for an observation's).

Revision ID: 0c2c2d54394d
Revises: d308ccfe1a9e
Create Date: 2026-11-24 05:51:12.602896
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0c2c2d54394d"
down_revision: str | None = "d308ccfe1a9e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("entity", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("entity_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_audit_event_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)
        batch_op.create_index("ix_audit_event_entity", ["entity", "entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_user_id"), ["user_id"], unique=False)

    op.create_table(
        "coaching_cycle",
        sa.Column("focus_rubric_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column(
            "focus_dimension_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False
        ),
        sa.Column("goal", sa.Text(), nullable=False),
        sa.Column("evidence_plan", sa.Text(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "planned", "active", "completed", name="cyclestatus", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("teacher_id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("focus_label", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("shared_with_principal_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("summary_progress", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("field_versions", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["coach_id"], ["user.id"], name=op.f("fk_coaching_cycle_coach_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["teacher_id"], ["teacher.id"], name=op.f("fk_coaching_cycle_teacher_id_teacher")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coaching_cycle")),
    )
    with op.batch_alter_table("coaching_cycle", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_coaching_cycle_coach_id"), ["coach_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_coaching_cycle_teacher_id"), ["teacher_id"], unique=False
        )

    op.create_table(
        "check_in",
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "planning",
                "debrief",
                "student_work",
                "data_review",
                "co_teaching",
                "other",
                name="checkinkind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("evidence_examined", sa.Text(), nullable=False),
        sa.Column("noticed", sa.Text(), nullable=False),
        sa.Column("will_try", sa.Text(), nullable=False),
        sa.Column("look_for_next", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("student_work", sa.Text(), nullable=False),
        sa.Column("observation_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("cycle_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("field_versions", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user.id"], name=op.f("fk_check_in_created_by_user")
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["coaching_cycle.id"], name=op.f("fk_check_in_cycle_id_coaching_cycle")
        ),
        sa.ForeignKeyConstraint(
            ["observation_id"],
            ["observation.id"],
            name=op.f("fk_check_in_observation_id_observation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_in")),
    )
    with op.batch_alter_table("check_in", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_check_in_cycle_id"), ["cycle_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_check_in_observation_id"), ["observation_id"], unique=False
        )

    op.create_table(
        "check_in_reflection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_in_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user.id"], name=op.f("fk_check_in_reflection_author_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["check_in_id"],
            ["check_in.id"],
            name=op.f("fk_check_in_reflection_check_in_id_check_in"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_in_reflection")),
        sa.UniqueConstraint(
            "check_in_id", "author_id", name=op.f("uq_check_in_reflection_check_in_id_author_id")
        ),
    )
    with op.batch_alter_table("check_in_reflection", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_check_in_reflection_check_in_id"), ["check_in_id"], unique=False
        )

    op.create_table(
        "commitment",
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "owner",
            sa.Enum("teacher", "coach", name="commitmentowner", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "open", "done", "dropped", name="commitmentstatus", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("cycle_id", sa.Uuid(), nullable=False),
        sa.Column("check_in_id", sa.Uuid(), nullable=False),
        sa.Column("completed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("field_versions", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["check_in_id"], ["check_in.id"], name=op.f("fk_commitment_check_in_id_check_in")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user.id"], name=op.f("fk_commitment_created_by_user")
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["coaching_cycle.id"], name=op.f("fk_commitment_cycle_id_coaching_cycle")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitment")),
    )
    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_commitment_check_in_id"), ["check_in_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_commitment_cycle_id"), ["cycle_id"], unique=False)

    with op.batch_alter_table("sync_conflict", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "entity",
                sqlmodel.sql.sqltypes.AutoString(length=40),
                nullable=False,
                server_default="observation",
            )
        )
        batch_op.add_column(sa.Column("entity_id", sa.Uuid(), nullable=True))
        batch_op.alter_column("observation_id", existing_type=sa.Uuid(), nullable=True)
    op.execute("UPDATE sync_conflict SET entity_id = observation_id")
    with op.batch_alter_table("sync_conflict", schema=None) as batch_op:
        batch_op.alter_column(
            "entity",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=40),
            existing_nullable=False,
            server_default=None,
        )
        batch_op.alter_column("entity_id", existing_type=sa.Uuid(), nullable=False)
        batch_op.create_index(batch_op.f("ix_sync_conflict_entity_id"), ["entity_id"], unique=False)


def downgrade() -> None:
    # Conflicts of coaching entities have no observation: they go with the coaching tables.
    op.execute("DELETE FROM sync_conflict WHERE observation_id IS NULL")
    with op.batch_alter_table("sync_conflict", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_conflict_entity_id"))
        batch_op.alter_column("observation_id", existing_type=sa.Uuid(), nullable=False)
        batch_op.drop_column("entity_id")
        batch_op.drop_column("entity")

    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commitment_cycle_id"))
        batch_op.drop_index(batch_op.f("ix_commitment_check_in_id"))

    op.drop_table("commitment")
    with op.batch_alter_table("check_in_reflection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_in_reflection_check_in_id"))

    op.drop_table("check_in_reflection")
    with op.batch_alter_table("check_in", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_in_observation_id"))
        batch_op.drop_index(batch_op.f("ix_check_in_cycle_id"))

    op.drop_table("check_in")
    with op.batch_alter_table("coaching_cycle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coaching_cycle_teacher_id"))
        batch_op.drop_index(batch_op.f("ix_coaching_cycle_coach_id"))

    op.drop_table("coaching_cycle")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_user_id"))
        batch_op.drop_index("ix_audit_event_entity")
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))

    op.drop_table("audit_event")
