"""The audit log table: one row per read or export of coaching content."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from server.db import utcnow


class AuditEvent(SQLModel, table=True):
    """Who (user_id; None for the command line) did what (action: "read", "sync_read",
    "export", or a change: "account", "role", "password", "assignment") to which record
    (entity, entity_id), when (at); detail says how (the page or function, counts, or a
    change's before and after)."""

    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_event_entity", "entity", "entity_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    action: str = Field(max_length=40)
    entity: str = Field(max_length=40)
    entity_id: str = Field(max_length=100)
    detail: Any = Field(default=None, sa_type=sa.JSON, nullable=True)
    at: datetime = Field(default_factory=utcnow, index=True)
