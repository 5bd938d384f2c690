"""The audit log tables: one row per read, sync or export of coaching content and per change
of access, and whose records (which teachers') each read or sync carried."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

from server.db import utcnow


class AuditEventTeacher(SQLModel, table=True):
    """A teacher (roster record) whose records an event read or carried to a device. A row,
    not a list in the event's JSON: "who read this teacher's records?" is then one indexed
    query on SQLite and PostgreSQL alike, not a scan of every event's detail."""

    __tablename__ = "audit_event_teacher"
    audit_event_id: int | None = Field(default=None, foreign_key="audit_event.id", primary_key=True)
    teacher_id: int = Field(foreign_key="teacher.id", primary_key=True, index=True)


class AuditEvent(SQLModel, table=True):
    """Who (user_id; None for the command line) did what (action: "read", "sync_read",
    "export", or a change: "account", "role", "password", "assignment") to which record
    (entity, entity_id; for a sync pull entity "sync" and the cursor range), when (at);
    detail says how (the page or function, counts, or a change's before and after)."""

    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_event_entity", "entity", "entity_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    action: str = Field(max_length=40)
    entity: str = Field(max_length=40)
    entity_id: str = Field(max_length=100)
    detail: Any = Field(default=None, sa_type=sa.JSON, nullable=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    # Inserted with the event, in the same flush (the event's id is not known before it).
    teachers: list[AuditEventTeacher] = Relationship()
