"""Roster tables: District -> School, SchoolYear; Teacher; CoachAssignment."""

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from pydantic import EmailStr, field_validator, model_validator
from sqlmodel import Field, SQLModel

from server.db import MAX_ID, str_enum, utcnow


class SchoolLevel(StrEnum):
    elementary = "elementary"
    middle = "middle"
    high = "high"
    other = "other"


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class District(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    source_id: str | None = Field(default=None, max_length=255, unique=True)
    created_at: datetime = Field(default_factory=utcnow)


class SchoolBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    level: SchoolLevel = Field(sa_type=str_enum(SchoolLevel))

    _strip_name = field_validator("name", mode="before")(_strip)


class School(SchoolBase, table=True):
    __table_args__ = (sa.UniqueConstraint("district_id", "source_id"),)
    id: int | None = Field(default=None, primary_key=True)
    district_id: int = Field(foreign_key="district.id", index=True)
    source_id: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(default_factory=utcnow)


class SchoolCreate(SchoolBase):
    source_id: str | None = Field(default=None, max_length=255)


class SchoolUpdate(SchoolBase):
    pass


class SchoolPublic(SchoolBase):
    id: int
    district_id: int


class SchoolYearBase(SQLModel):
    name: str = Field(min_length=4, max_length=40)
    start_date: date
    end_date: date

    @model_validator(mode="after")
    def _dates_in_order(self) -> "SchoolYearBase":
        if self.end_date <= self.start_date:
            raise ValueError("end_date must be after start_date")
        return self


class SchoolYear(SchoolYearBase, table=True):
    """A district-wide school year; schools share the district's calendar."""

    __tablename__ = "school_year"
    __table_args__ = (
        sa.UniqueConstraint("district_id", "name"),
        sa.UniqueConstraint("district_id", "source_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    district_id: int = Field(foreign_key="district.id", index=True)
    source_id: str | None = Field(default=None, max_length=255)


class SchoolYearCreate(SchoolYearBase):
    source_id: str | None = None


class SchoolYearPublic(SchoolYearBase):
    id: int


class TeacherBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr | None = Field(default=None, max_length=320)
    school_id: int = Field(foreign_key="school.id", index=True, ge=1, le=MAX_ID)
    cohort_year_id: int | None = Field(
        default=None, foreign_key="school_year.id", ge=1, le=MAX_ID,
        description="School year the teacher joined",
    )  # fmt: skip

    _strip_name = field_validator("name", mode="before")(_strip)

    @field_validator("email", mode="before")
    @classmethod
    def _blank_email_is_none(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip().lower()
            return value or None
        return value


class Teacher(TeacherBase, table=True):
    """A teacher on the roster; user_id is set when they also have a login."""

    __table_args__ = (sa.UniqueConstraint("district_id", "source_id"),)
    id: int | None = Field(default=None, primary_key=True)
    district_id: int = Field(foreign_key="district.id", index=True)
    email: str | None = Field(default=None, max_length=320, index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", unique=True)
    source_id: str | None = Field(default=None, max_length=255)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class TeacherCreate(TeacherBase):
    source_id: str | None = None


class TeacherUpdate(TeacherBase):
    active: bool = True


class TeacherPublic(TeacherBase):
    id: int
    user_id: int | None
    active: bool


class CoachAssignmentBase(SQLModel):
    coach_id: int = Field(foreign_key="user.id", index=True, ge=1, le=MAX_ID)
    teacher_id: int = Field(foreign_key="teacher.id", index=True, ge=1, le=MAX_ID)
    school_year_id: int = Field(foreign_key="school_year.id", index=True, ge=1, le=MAX_ID)
    start_date: date
    end_date: date | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> "CoachAssignmentBase":
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError("end_date must not be before start_date")
        return self


class CoachAssignment(CoachAssignmentBase, table=True):
    __tablename__ = "coach_assignment"
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)


class CoachAssignmentCreate(CoachAssignmentBase):
    pass


class CoachAssignmentUpdate(CoachAssignmentBase):
    pass


class CoachAssignmentPublic(CoachAssignmentBase):
    id: int
