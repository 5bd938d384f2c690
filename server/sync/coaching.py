"""Sync of the coaching entities (cycle, check_in, commitment; docs/sync.md "Coaching"):
parsing a mutation into a coaching operation, keeping the client's side of a conflict,
rebuilding and applying the operation that resolves one. push.py, resolve.py and
mutations.py call these; the writes themselves go through
coaching.service.apply_coaching_operation."""

import uuid
from typing import Any

from sqlmodel import Session

from server.accounts.service import Viewer
from server.coaching import service as coaching_service
from server.coaching.operations import (
    ENTITIES,
    UPDATE_OPS,
    AddCheckInReflection,
    CoachingOperation,
    CoachingResult,
    ShareSummary,
    parse_operation,
)
from server.observations.merge import jsonable
from server.observations.operations import ConflictError, NotFound, OperationError
from server.sync.models import SyncConflict

COACHING_ENTITIES = frozenset(ENTITIES)


def parse(entity: str, payload: dict[str, Any]) -> CoachingOperation:
    """The mutation's coaching operation, or OperationError naming the payload field
    (`payload.op: unknown operation 'x'`, `payload.data.owner: Field required`)."""
    try:
        return parse_operation(entity, payload)
    except OperationError as exc:
        raise OperationError(f"payload.{exc.field}", exc.message) from exc


def stored_operation(op: CoachingOperation) -> dict[str, Any]:
    """The operation as a conflict keeps it: its kind and the fields the client gave."""
    out: dict[str, Any] = {**op.model_dump(mode="json", exclude_unset=True), "kind": op.kind}
    return out


def client_value(op: CoachingOperation, field: str) -> Any:
    """The value the client wanted for the conflicting field."""
    if isinstance(op, UPDATE_OPS):
        return op.data.model_dump(mode="json", exclude_unset=True).get(field)
    if isinstance(op, ShareSummary):
        return op.shared
    if isinstance(op, AddCheckInReflection):
        return op.text
    return jsonable(stored_operation(op))


def keep_conflict(
    *,
    session: Session,
    actor: Viewer,
    device_id: str,
    mutation_id: int,
    entity: str,
    entity_id: uuid.UUID,
    base_version: int | None,
    op: CoachingOperation,
    first: ConflictError,
) -> tuple[list[SyncConflict], int | None]:
    """Keep both: each losing client value becomes a SyncConflict row (added to the
    session); for an update, the fields that merged cleanly are applied. Returns the rows
    and the entity's version after it; the caller acknowledges and commits."""
    conflicts: list[SyncConflict] = []
    exc: ConflictError | None = first
    result: CoachingResult | None = None
    current = op
    while exc is not None:
        conflicts.append(
            SyncConflict(
                entity=entity, entity_id=entity_id, observation_id=None, user_id=actor.id,
                device_id=device_id, mutation_id=mutation_id, field=exc.field,
                server_value=jsonable(exc.current), client_value=client_value(current, exc.field),
                base_version=base_version, operation=stored_operation(op),
            )
        )  # fmt: skip
        exc = None
        if not isinstance(current, UPDATE_OPS):
            break
        rest = current.data.model_dump(exclude_unset=True)
        rest.pop(conflicts[-1].field, None)
        if not rest:
            break
        current = current.model_copy(update={"data": type(current.data).model_validate(rest)})
        try:
            result = coaching_service.apply_coaching_operation(
                session=session, actor=actor, entity_id=entity_id, op=current,
                base_version=base_version, commit=False,
            )  # fmt: skip
        except ConflictError as again:
            exc = again
    version = (
        result.version
        if result
        else coaching_service.current_version(session=session, entity=entity, entity_id=entity_id)
    )
    for conflict in conflicts:
        session.add(conflict)
    if result is None:  # as for an observation: the person's other tablets are told too
        coaching_service.record_unchanged(session=session, entity=entity, entity_id=entity_id)
    return conflicts, version


class _Missing:
    pass


MISSING: Any = _Missing()


def resolution_op(row: SyncConflict, choice: str, value: Any) -> CoachingOperation:
    """The operation that applies the chosen value of a coaching conflict: the client's
    ('client') or `value` ('combined', MISSING when not given), for that field only.
    OperationError("value", ...) when the value is invalid."""
    body = dict(row.operation or {})
    kind = body.pop("kind", None)
    chosen = row.client_value if choice == "client" else value
    if choice == "combined" and chosen is MISSING:
        raise OperationError("value", "required when choice is 'combined'")
    if kind in ("update_cycle", "update_check_in", "update_commitment"):
        body["data"] = {row.field: chosen}
    elif kind == "share_summary":
        body["shared"] = chosen
    elif kind == "add_check_in_reflection":
        body["text"] = chosen
    elif choice == "combined":
        raise OperationError("choice", f"'combined' is not possible for a {kind} conflict")
    try:
        return parse_operation(row.entity, {**body, "op": kind})
    except OperationError as exc:
        raise OperationError("value", exc.message) from exc


def apply_resolution(
    *, session: Session, actor: Viewer, row: SyncConflict, choice: str, value: Any
) -> CoachingResult:
    """Apply a coaching conflict's resolution (no commit): 'server' changes nothing but
    logs a change (the author's devices pull the entity again, without the conflict);
    'client' and 'combined' write the value through apply_coaching_operation, based on the
    current version."""
    version = coaching_service.current_version(
        session=session, entity=row.entity, entity_id=row.entity_id
    )
    if version is None:
        raise NotFound(f"There is no {row.entity} {row.entity_id}.")
    result = CoachingResult(version=version, changed=False)
    if choice != "server":
        op = resolution_op(row, choice, value)
        result = coaching_service.apply_coaching_operation(
            session=session, actor=actor, entity_id=row.entity_id, op=op,
            base_version=version, commit=False,
        )  # fmt: skip
    if not result.changed:
        coaching_service.record_unchanged(
            session=session, entity=row.entity, entity_id=row.entity_id
        )
    return result
