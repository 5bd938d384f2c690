"""The audit log: write an event for every read or export of coaching content, and list
them. `record` adds the row to the caller's transaction (the caller commits)."""

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from server.audit.models import AuditEvent
from server.db import utcnow


def record(
    *,
    session: Session,
    user_id: int,
    action: str,
    entity: str,
    entity_id: object,
    detail: Any = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Add one event (who, what, when) to the session; the caller commits."""
    event = AuditEvent(
        user_id=user_id, action=action, entity=entity, entity_id=str(entity_id)[:100],
        detail=detail, at=at or utcnow(),
    )  # fmt: skip
    session.add(event)
    return event


def list_events(
    *,
    session: Session,
    entity: str | None = None,
    entity_id: object = None,
    user_id: int | None = None,
    action: str | None = None,
    limit: int = 200,
) -> list[AuditEvent]:
    """Events, newest first, filtered by any of entity (and entity_id), user and action."""
    query = select(AuditEvent)
    if entity is not None:
        query = query.where(AuditEvent.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEvent.entity_id == str(entity_id))
    if user_id is not None:
        query = query.where(AuditEvent.user_id == user_id)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return list(session.exec(query.order_by(col(AuditEvent.id).desc()).limit(limit)))
