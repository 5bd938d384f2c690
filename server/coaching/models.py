"""Coaching tables: a cycle (a teacher-coach pair's goal over about six weeks), its weekly
check-ins, the commitments made at them, and the teacher's reflection on a check-in.

Every entity has a client-made UUID, a `version` bumped once per accepted changing write and
`field_versions` {field: the version at which it last changed}, for the field-level merge.
The write models (XCreate / XUpdate) are the `data` of the coaching operations."""

import datetime as dt
import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from pydantic import field_validator
from sqlmodel import Field, SQLModel

from server.db import RowId, str_enum, utcnow

GOAL_MAX = 1000
EVIDENCE_PLAN_MAX = 2000
TEXT_MAX = 10000
DEFAULT_CYCLE_DAYS = 42  # six weeks


class CycleStatus(StrEnum):
    planned = "planned"
    active = "active"
    completed = "completed"


class CheckInKind(StrEnum):
    planning = "planning"
    debrief = "debrief"
    student_work = "student_work"
    data_review = "data_review"
    co_teaching = "co_teaching"
    other = "other"

    @property
    def label(self) -> str:
        return CHECK_IN_KIND_LABELS[self]


CHECK_IN_KIND_LABELS = {
    CheckInKind.planning: "Planning / pre-conference",
    CheckInKind.debrief: "Observation debrief",
    CheckInKind.student_work: "Student-work analysis",
    CheckInKind.data_review: "Data review",
    CheckInKind.co_teaching: "Co-teaching or modelling",
    CheckInKind.other: "Other",
}


class CommitmentOwner(StrEnum):
    teacher = "teacher"
    coach = "coach"


class CommitmentStatus(StrEnum):
    open = "open"
    done = "done"
    dropped = "dropped"


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _required_text(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        raise ValueError("write it out: it may not be blank")
    return _strip(value)


# --- Cycle ---------------------------------------------------------------------------------


class CycleBase(SQLModel):
    focus_rubric_id: str = Field(min_length=1, max_length=80)
    focus_dimension_id: str = Field(min_length=1, max_length=80)
    goal: str = Field(max_length=GOAL_MAX, sa_type=sa.Text)
    evidence_plan: str = Field(default="", max_length=EVIDENCE_PLAN_MAX, sa_type=sa.Text)
    start_date: date
    status: CycleStatus = Field(default=CycleStatus.active, sa_type=str_enum(CycleStatus))


class CoachingCycle(CycleBase, table=True):
    """A teacher-coach pair's cycle: a focus practice, a measurable student-learning goal,
    the evidence that will show progress, dates and a status. Belongs to the pair only; the
    teacher may share its summary (focus, goal, progress; never the notes) with the
    principal."""

    __tablename__ = "coaching_cycle"
    id: uuid.UUID = Field(primary_key=True)
    teacher_id: int = Field(foreign_key="teacher.id", index=True)
    coach_id: int = Field(foreign_key="user.id", index=True)
    focus_label: str = Field(default="", max_length=200)
    end_date: date
    shared_with_principal_at: datetime | None = None
    summary_progress: str = Field(default="", max_length=TEXT_MAX, sa_type=sa.Text)
    version: int = 1
    field_versions: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class CycleCreate(CycleBase):
    teacher_id: RowId
    end_date: date | None = None  # default: start_date + 42 days

    _goal = field_validator("goal", mode="before")(_required_text)
    _text = field_validator(
        "focus_rubric_id", "focus_dimension_id", "evidence_plan", mode="before"
    )(_strip)


class CycleUpdate(SQLModel):
    """Only the fields given change. The teacher may give summary_progress only."""

    focus_rubric_id: str | None = Field(default=None, min_length=1, max_length=80)
    focus_dimension_id: str | None = Field(default=None, min_length=1, max_length=80)
    goal: str | None = Field(default=None, max_length=GOAL_MAX)
    evidence_plan: str | None = Field(default=None, max_length=EVIDENCE_PLAN_MAX)
    start_date: date | None = None
    end_date: date | None = None
    status: CycleStatus | None = None
    summary_progress: str | None = Field(default=None, max_length=TEXT_MAX)

    _goal = field_validator("goal", mode="before")(_required_text)
    _text = field_validator(
        "focus_rubric_id", "focus_dimension_id", "evidence_plan", "summary_progress", mode="before"
    )(_strip)


# Fields of a cycle the teacher of the pair may write (the coach writes every field).
TEACHER_CYCLE_FIELDS = frozenset({"summary_progress"})


# --- Check-in ------------------------------------------------------------------------------


class CheckInBase(SQLModel):
    date: dt.date
    kind: CheckInKind = Field(sa_type=str_enum(CheckInKind))
    # The structured prompts.
    evidence_examined: str = Field(default="", max_length=TEXT_MAX, sa_type=sa.Text)
    noticed: str = Field(default="", max_length=TEXT_MAX, sa_type=sa.Text)
    will_try: str = Field(default="", max_length=TEXT_MAX, sa_type=sa.Text)
    look_for_next: str = Field(default="", max_length=TEXT_MAX, sa_type=sa.Text)
    notes: str = Field(default="", max_length=TEXT_MAX, sa_type=sa.Text)
    student_work: str = Field(default="", max_length=TEXT_MAX, sa_type=sa.Text)
    observation_id: uuid.UUID | None = Field(default=None, foreign_key="observation.id", index=True)


CHECK_IN_TEXT_FIELDS = (
    "evidence_examined",
    "noticed",
    "will_try",
    "look_for_next",
    "notes",
    "student_work",
)


class CheckIn(CheckInBase, table=True):
    """One weekly meeting of the pair within a cycle. Visible to the pair only."""

    __tablename__ = "check_in"
    id: uuid.UUID = Field(primary_key=True)
    cycle_id: uuid.UUID = Field(foreign_key="coaching_cycle.id", index=True)
    created_by: int = Field(foreign_key="user.id")
    version: int = 1
    field_versions: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class CheckInCreate(CheckInBase):
    cycle_id: uuid.UUID

    _text = field_validator(*CHECK_IN_TEXT_FIELDS, mode="before")(_strip)


class CheckInUpdate(SQLModel):
    date: dt.date | None = None
    kind: CheckInKind | None = None
    evidence_examined: str | None = Field(default=None, max_length=TEXT_MAX)
    noticed: str | None = Field(default=None, max_length=TEXT_MAX)
    will_try: str | None = Field(default=None, max_length=TEXT_MAX)
    look_for_next: str | None = Field(default=None, max_length=TEXT_MAX)
    notes: str | None = Field(default=None, max_length=TEXT_MAX)
    student_work: str | None = Field(default=None, max_length=TEXT_MAX)
    observation_id: uuid.UUID | None = None

    _text = field_validator(*CHECK_IN_TEXT_FIELDS, mode="before")(_strip)


class CheckInReflection(SQLModel, table=True):
    """The teacher's reflection on a check-in: one per check-in per author, edited by
    writing it again. Visible to the pair only."""

    __tablename__ = "check_in_reflection"
    __table_args__ = (sa.UniqueConstraint("check_in_id", "author_id"),)
    id: int | None = Field(default=None, primary_key=True)
    check_in_id: uuid.UUID = Field(foreign_key="check_in.id", index=True)
    author_id: int = Field(foreign_key="user.id")
    text: str = Field(max_length=TEXT_MAX, sa_type=sa.Text)
    updated_at: datetime = Field(default_factory=utcnow)


# --- Commitment ----------------------------------------------------------------------------


class CommitmentBase(SQLModel):
    text: str = Field(max_length=2000, sa_type=sa.Text)
    owner: CommitmentOwner = Field(sa_type=str_enum(CommitmentOwner))
    due_date: date | None = None
    status: CommitmentStatus = Field(
        default=CommitmentStatus.open, sa_type=str_enum(CommitmentStatus)
    )


class Commitment(CommitmentBase, table=True):
    """A next step made at a check-in, owned by the teacher or the coach. While open it
    carries over to the pair's next check-ins. Visible to the pair only."""

    __tablename__ = "commitment"
    id: uuid.UUID = Field(primary_key=True)
    cycle_id: uuid.UUID = Field(foreign_key="coaching_cycle.id", index=True)
    check_in_id: uuid.UUID = Field(foreign_key="check_in.id", index=True)
    completed_at: datetime | None = None
    created_by: int = Field(foreign_key="user.id")
    version: int = 1
    field_versions: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class CommitmentCreate(CommitmentBase):
    cycle_id: uuid.UUID
    check_in_id: uuid.UUID

    _text = field_validator("text", mode="before")(_required_text)


class CommitmentUpdate(SQLModel):
    text: str | None = Field(default=None, max_length=2000)
    owner: CommitmentOwner | None = None
    due_date: date | None = None
    status: CommitmentStatus | None = None

    _text = field_validator("text", mode="before")(_required_text)
