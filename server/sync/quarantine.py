"""The quarantine: a person's rejected mutations, listed until they dismiss them."""

from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from server.accounts.service import Viewer
from server.db import RowId, utcnow
from server.observations.merge import jsonable
from server.observations.operations import NotFound
from server.sync.models import SyncQuarantine

QUARANTINE_LIMIT = 200


class QuarantineOut(BaseModel):
    id: int
    device_id: str
    mutation_id: int
    entity: str
    entity_id: str
    reason: str
    payload: Any  # the raw mutation as sent
    created_at: str


class DismissIn(BaseModel):
    id: RowId


class DismissOut(BaseModel):
    id: int
    dismissed_at: str


def quarantine_out(row: SyncQuarantine) -> QuarantineOut:
    assert row.id is not None
    return QuarantineOut(
        id=row.id, device_id=row.device_id, mutation_id=row.mutation_id, entity=row.entity,
        entity_id=row.entity_id, reason=row.reason, payload=row.payload,
        created_at=jsonable(row.created_at),
    )  # fmt: skip


def list_quarantine(
    *, session: Session, actor: Viewer, limit: int = QUARANTINE_LIMIT
) -> list[SyncQuarantine]:
    """This person's rejected mutations not dismissed yet, newest first."""
    return list(
        session.exec(
            select(SyncQuarantine)
            .where(SyncQuarantine.user_id == actor.id, col(SyncQuarantine.dismissed_at).is_(None))
            .order_by(col(SyncQuarantine.id).desc())
            .limit(limit)
        )
    )


def dismiss_quarantined(*, session: Session, actor: Viewer, quarantine_id: int) -> SyncQuarantine:
    """Take a rejected mutation off the person's list (the row is kept, for support).
    Dismissing it again is harmless. NotFound for another person's or an unknown id."""
    row = session.get(SyncQuarantine, quarantine_id)
    if row is None or row.user_id != actor.id:
        raise NotFound(f"id: there is no rejected mutation {quarantine_id}")
    if row.dismissed_at is None:
        row.dismissed_at = utcnow()
        session.add(row)
        session.commit()
    return row
