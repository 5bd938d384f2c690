"""Accounts tables: User, Membership, LoginSession, LoginAttempt, PasswordLink."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from pydantic import EmailStr, field_validator
from sqlmodel import Field, SQLModel

from server.db import MAX_ID, str_enum, utcnow


class Role(StrEnum):
    district_admin = "district_admin"
    principal = "principal"
    coach = "coach"
    teacher = "teacher"
    # Codes the master scores of calibration lessons, district-wide; no caseload, no teachers.
    specialist = "specialist"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def district_wide(self) -> bool:
        """Held for the whole district (no school)."""
        return self in DISTRICT_WIDE_ROLES


ROLE_LABELS = {
    Role.district_admin: "District admin",
    Role.principal: "Principal",
    Role.coach: "Coach",
    Role.teacher: "Teacher",
    Role.specialist: "District specialist",
}
DISTRICT_WIDE_ROLES = (Role.district_admin, Role.specialist)
# Where a person holding several roles lands first.
ROLE_PRIORITY = [Role.coach, Role.principal, Role.district_admin, Role.specialist, Role.teacher]


def _lower_email(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


class UserBase(SQLModel):
    email: EmailStr = Field(max_length=320)
    name: str = Field(min_length=1, max_length=200)

    _normalize_email = field_validator("email", mode="before")(_lower_email)


class User(UserBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True)
    password_hash: str | None = Field(default=None, max_length=255)
    is_active: bool = True
    source_id: str | None = Field(default=None, max_length=255, unique=True)
    created_at: datetime = Field(default_factory=utcnow)


class UserCreate(UserBase):
    password: str | None = Field(default=None, min_length=10, max_length=200)


class InviteCreate(UserBase):
    """A new account made by someone else: it gets no password, only an invitation."""


class UserUpdate(UserBase):
    is_active: bool = True


class UserPublic(UserBase):
    id: int
    is_active: bool


class Membership(SQLModel, table=True):
    """A role held by a user: district-wide for district_admin and specialist, one school for
    the others."""

    __table_args__ = (
        sa.UniqueConstraint("user_id", "role", "district_id", "school_id"),
        sa.CheckConstraint(
            "(role IN ('district_admin', 'specialist')) = (school_id IS NULL)",
            name="school_scope_matches_role",
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    role: Role = Field(sa_type=str_enum(Role))
    district_id: int = Field(foreign_key="district.id", index=True)
    school_id: int | None = Field(default=None, foreign_key="school.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)


class MembershipCreate(SQLModel):
    """A role to give: school_id is required for every role but the district-wide ones."""

    role: Role
    school_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class LoginSession(SQLModel, table=True):
    """A server-side session; the cookie holds a random token, the table only its hash."""

    __tablename__ = "login_session"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


class LoginAttempt(SQLModel, table=True):
    """One login try, kept to throttle guessing per email address, per network address and
    per known device. A try is written before its password is checked (succeeded False until
    it is), so concurrent tries all count; one refused by the throttle is marked throttled and
    not counted again."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        sa.Index("ix_login_attempt_email_at", "email", "at"),
        sa.Index("ix_login_attempt_ip_at", "ip", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320)
    succeeded: bool
    ip: str | None = Field(default=None, max_length=64)
    # The known device's id (from its signed cookie) when the try came from one.
    device: str | None = Field(default=None, max_length=64)
    throttled: bool = False
    at: datetime = Field(default_factory=utcnow)


class PasswordLink(SQLModel, table=True):
    """A one-time link that lets a person set their own password: the invitation to a new
    account. Only the token's hash is stored; it works once, until expires_at."""

    __tablename__ = "password_link"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None
