"""The teacher's choice to share their growth page with their principal (docs/growth.md)."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from server.coaching.models import CheckIn
from server.db import utcnow
from server.observations.models import Observation, Score
from server.sync.models import SyncChange


class GrowthShare(SQLModel, table=True):
    """A row means the teacher shares their growth page with the principal of their school;
    no row means they do not. Only the teacher can add or remove it."""

    __tablename__ = "growth_share"
    teacher_id: int = Field(foreign_key="teacher.id", primary_key=True)
    shared_by: int = Field(foreign_key="user.id")
    shared_at: datetime = Field(default_factory=utcnow)


# Indexes the growth summaries read by (migration 20261201_1530_a7c31e5f0b62_growth_indexes).
# Declared here, on the tables of the observation and coaching models, because they serve the
# growth queries only; alembic's compare (tests/test_migrations.py) sees them through
# server.models, which imports this module.
#  - the summaries' GROUP BY over every score of a district reads (observation, rubric
#    version, dimension, value) from the index alone, without visiting the table;
#  - the dosage counts check-ins of the last twelve months per cycle;
#  - district_stamp reads the latest write of each of the district's school years'
#    observations (max of updated_at) and of each of its schools' observation changes in the
#    change log (school, entity, seq); the dosage stamp each school's latest change (school,
#    seq). Per school and year, so a write in one district leaves the others' stamps alone.
sa.Index(
    "ix_observation_score_dimension_value",
    Score.__table__.c.observation_id,  # type: ignore[attr-defined]
    Score.__table__.c.rubric_version_id,  # type: ignore[attr-defined]
    Score.__table__.c.dimension_id,  # type: ignore[attr-defined]
    Score.__table__.c.value,  # type: ignore[attr-defined]
)
sa.Index(
    "ix_check_in_cycle_id_date",
    CheckIn.__table__.c.cycle_id,  # type: ignore[attr-defined]
    CheckIn.__table__.c.date,  # type: ignore[attr-defined]
)
sa.Index(
    "ix_observation_school_year_updated_at",
    Observation.__table__.c.school_year_id,  # type: ignore[attr-defined]
    Observation.__table__.c.updated_at,  # type: ignore[attr-defined]
)
sa.Index(
    "ix_sync_change_school_entity_seq",
    SyncChange.__table__.c.school_id,  # type: ignore[attr-defined]
    SyncChange.__table__.c.entity,  # type: ignore[attr-defined]
    SyncChange.__table__.c.seq,  # type: ignore[attr-defined]
)
sa.Index(
    "ix_sync_change_school_seq",
    SyncChange.__table__.c.school_id,  # type: ignore[attr-defined]
    SyncChange.__table__.c.seq,  # type: ignore[attr-defined]
)
