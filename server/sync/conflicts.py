"""Kept conflicts: keeping the client's losing values, listing a person's open ones, their JSON."""

import uuid
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from server.accounts.service import Viewer
from server.observations import service as observations_service
from server.observations.merge import jsonable
from server.observations.models import Observation, ObservationUpdate
from server.observations.operations import (
    AddReflection,
    ConflictError,
    Operation,
    OperationResult,
    SetEvidence,
    SetScore,
    SetTally,
    UpdateContext,
)
from server.sync.changes import record_change
from server.sync.models import MutationStatus, SyncConflict
from server.sync.mutations import Acknowledge, MutationResult


class ConflictOut(BaseModel):
    id: int
    entity: str  # "observation", "cycle", "check_in" or "commitment"
    entity_id: uuid.UUID
    observation_id: uuid.UUID | None  # an observation's conflicts only
    field: str
    server_value: Any
    client_value: Any
    base_version: int | None
    device_id: str
    mutation_id: int
    created_at: str


def list_open_conflicts(
    *,
    session: Session,
    actor: Viewer,
    observation_id: uuid.UUID | None = None,
    entity_id: uuid.UUID | None = None,
) -> list[SyncConflict]:
    """This person's open conflicts (of one observation, or of any one entity)."""
    query = select(SyncConflict).where(
        SyncConflict.user_id == actor.id, col(SyncConflict.resolved_at).is_(None)
    )
    if observation_id is not None:
        query = query.where(SyncConflict.observation_id == observation_id)
    if entity_id is not None:
        query = query.where(SyncConflict.entity_id == entity_id)
    return list(session.exec(query.order_by(col(SyncConflict.id))))


def has_open_conflict(*, session: Session, observation_id: uuid.UUID) -> bool:
    return (
        session.exec(
            select(SyncConflict.id).where(
                SyncConflict.observation_id == observation_id,
                col(SyncConflict.resolved_at).is_(None),
            )
        ).first()
        is not None
    )


def conflict_out(row: SyncConflict) -> ConflictOut:
    assert row.id is not None
    return ConflictOut(
        id=row.id, entity=row.entity, entity_id=row.entity_id,
        observation_id=row.observation_id, field=row.field,
        server_value=row.server_value, client_value=row.client_value,
        base_version=row.base_version, device_id=row.device_id, mutation_id=row.mutation_id,
        created_at=jsonable(row.created_at),
    )  # fmt: skip


def _client_value(op: Operation, field: str) -> Any:
    """The value the client wanted for the conflicting field."""
    match op:
        case UpdateContext():
            return jsonable(op.data.model_dump(exclude_unset=True).get(field))
        case SetScore():
            if op.value is None and not op.not_observed:
                return None
            return {"value": op.value, "not_observed": op.not_observed}
        case SetEvidence() | AddReflection():
            return op.text
        case SetTally():
            return op.count
    return jsonable(op.model_dump(exclude={"observation_id", "base_version"}))


def keep_conflict(
    session: Session,
    actor: Viewer,
    device_id: str,
    mutation_id: int,
    op: Operation,
    first: ConflictError,
    acknowledge: Acknowledge,
) -> MutationResult:
    """Keep both: each losing client value becomes a SyncConflict row; for a context
    update, the fields that merged cleanly are applied. One transaction with the ack."""
    conflicts: list[SyncConflict] = []
    exc: ConflictError | None = first
    result: OperationResult | None = None
    current = op
    while exc is not None:
        conflicts.append(
            SyncConflict(
                entity="observation", entity_id=op.observation_id,
                observation_id=op.observation_id, user_id=actor.id, device_id=device_id,
                mutation_id=mutation_id, field=exc.field, server_value=jsonable(exc.current),
                client_value=_client_value(current, exc.field), base_version=op.base_version,
                operation=jsonable(op.model_dump(exclude={"observation_id", "base_version"})),
            )
        )  # fmt: skip
        exc = None
        if not isinstance(current, UpdateContext):
            break
        rest = current.data.model_dump(exclude_unset=True)
        rest.pop(conflicts[-1].field, None)
        if not rest:
            break
        current = current.model_copy(update={"data": ObservationUpdate.model_validate(rest)})
        try:
            result = observations_service.apply_operation(
                session=session, actor=actor, op=current, commit=False
            )
        except ConflictError as again:
            exc = again
    obs = session.get(Observation, op.observation_id)
    version = result.version if result else (obs.version if obs else None)
    for conflict in conflicts:
        session.add(conflict)
    if result is None and obs is not None:
        # Nothing else changed, but open_conflicts did: the person's other tablets pull the
        # observation again and are told too (the one whose value was kept among them).
        record_change(session, obs)
    return acknowledge(MutationStatus.conflict, version, conflict_reason(conflicts, first))


def conflict_reason(conflicts: list[SyncConflict], first: ConflictError) -> str:
    """The acknowledgement's reason for a mutation kept as conflicts: the first conflict's
    message, prefixed with every conflicting field when there are several."""
    if len(conflicts) > 1:
        return ", ".join(c.field for c in conflicts) + f": {first.message}"
    return str(first)
