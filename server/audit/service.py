"""The audit log: write an event for every read or export of coaching content (a sync pull:
one event per pull, naming what it carried), and for every change of access (accounts,
roles, assignments, passwords), and list them. `record` and `record_change` add the row to
the caller's transaction (the caller commits)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from server.audit.models import AuditEvent, AuditEventTeacher
from server.db import utcnow

# The kinds of change, as audit actions (entity "user" or "assignment").
CHANGE_ACTIONS = ("account", "role", "password", "assignment")


@dataclass(frozen=True)
class Actor:
    """Who makes a change and through what: a person on a page (user_id), or the command line
    and the roster import run by an operator (user_id None)."""

    user_id: int | None
    via: str


COMMAND_LINE = Actor(user_id=None, via="command line")


def record(
    *,
    session: Session,
    user_id: int | None,
    action: str,
    entity: str,
    entity_id: object,
    detail: Any = None,
    at: datetime | None = None,
    teacher_ids: Iterable[int] = (),
) -> AuditEvent:
    """Add one event (who, what, when; teacher_ids: whose records it read) to the session;
    the caller commits."""
    event = AuditEvent(
        user_id=user_id, action=action, entity=entity, entity_id=str(entity_id)[:100],
        detail=detail, at=at or utcnow(),
        teachers=[AuditEventTeacher(teacher_id=t) for t in sorted(set(teacher_ids))],
    )  # fmt: skip
    session.add(event)
    return event


def record_change(
    *,
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: object,
    change: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """A change of access: who (actor), what (action, the record, `change`: "created",
    "updated", "added", "removed", "invited", "set"...), and the values before and after."""
    assert action in CHANGE_ACTIONS, action
    detail = {"change": change, "via": actor.via, "before": before, "after": after}
    return record(
        session=session, user_id=actor.user_id, action=action, entity=entity,
        entity_id=entity_id, detail=detail,
    )  # fmt: skip


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
