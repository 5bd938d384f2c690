"""Sync tables: acknowledged mutations (the idempotency key), quarantined rejects, conflicts
kept both ways, the change log that pull reads, and API tokens."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from server.db import str_enum, utcnow

# BIGINT on PostgreSQL; INTEGER on SQLite, where only that aliases the rowid (autoincrement).
BIGINT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class MutationStatus(StrEnum):
    applied = "applied"
    duplicate = "duplicate"  # only ever returned, never stored
    conflict = "conflict"
    rejected = "rejected"


class SyncMutation(SQLModel, table=True):
    """One acknowledged mutation: its result is stored with the write, in the same
    transaction. The key is (user, device, mutation id): a device's ids are per user."""

    __tablename__ = "sync_mutation"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "device_id", "mutation_id", name="uq_sync_mutation_key"),
    )
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    device_id: str = Field(max_length=100)
    mutation_id: int = Field(sa_type=sa.BigInteger)
    entity: str = Field(max_length=40)
    entity_id: str = Field(max_length=100)
    status: MutationStatus = Field(sa_type=str_enum(MutationStatus))
    version: int | None = None
    reason: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow)


class SyncQuarantine(SQLModel, table=True):
    """A rejected mutation, kept as it was sent, for the coach (and support) to see."""

    __tablename__ = "sync_quarantine"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    device_id: str = Field(max_length=100)
    mutation_id: int = Field(sa_type=sa.BigInteger)
    entity: str = Field(default="", max_length=200)
    entity_id: str = Field(default="", max_length=200)
    payload: Any = Field(default=None, sa_type=sa.JSON, nullable=True)
    reason: str = Field(sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow)
    # Set when the person dismissed it from their list (kept for support).
    dismissed_at: datetime | None = None


class SyncConflict(SQLModel, table=True):
    """A client value that lost a field-level merge: kept next to the server's value until
    a person chooses (resolution 'server', 'client' or 'combined'). `entity` and `entity_id`
    name what it belongs to (an observation, or a coaching cycle, check_in or commitment);
    observation_id is set for an observation's conflicts only."""

    __tablename__ = "sync_conflict"
    id: int | None = Field(default=None, primary_key=True)
    entity: str = Field(default="observation", max_length=40)
    entity_id: uuid.UUID = Field(index=True)
    observation_id: uuid.UUID | None = Field(default=None, foreign_key="observation.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    device_id: str = Field(max_length=100)
    mutation_id: int = Field(sa_type=sa.BigInteger)
    field: str = Field(max_length=200)
    server_value: Any = Field(default=None, sa_type=sa.JSON, nullable=True)
    client_value: Any = Field(default=None, sa_type=sa.JSON, nullable=True)
    base_version: int | None = None
    # The operation as sent (kind and fields), to re-apply the client's value.
    operation: Any = Field(default=None, sa_type=sa.JSON, nullable=True)
    created_at: datetime = Field(default_factory=utcnow)
    resolved_at: datetime | None = None
    resolution: str | None = Field(default=None, max_length=20)


class SyncChange(SQLModel, table=True):
    """One accepted write, in commit order: seq is taken under a lock held until commit,
    so a reader never sees seq N+1 committed while N is still in flight. The scope keys are
    the observation's at that write; pull checks access again on the current state."""

    __tablename__ = "sync_change"
    seq: int | None = Field(default=None, primary_key=True, sa_type=BIGINT_ID)
    entity: str = Field(max_length=40)
    entity_id: uuid.UUID = Field(index=True)
    version: int
    observer_id: int = Field(index=True)
    teacher_id: int = Field(index=True)
    school_id: int
    shared_with_teacher: bool = False
    shared_with_principal: bool = False
    deleted: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class ApiToken(SQLModel, table=True):
    """A bearer token for the JSON API (`cadence tokens create`); only its hash is kept."""

    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
