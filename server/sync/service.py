"""Sync: push (mutations applied through the one write path, idempotent per user, device
and mutation id), pull (the change log in the user's scope), conflicts, API tokens.

The protocol is documented in docs/sync.md.
"""

import hashlib
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator
from sqlalchemy import ColumnElement, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, or_, select

from server.accounts import service as accounts_service
from server.accounts.models import Role, User
from server.accounts.service import Viewer
from server.coaching import pull as coaching_pull
from server.coaching import service as coaching_service
from server.coaching.operations import CoachingResult
from server.db import utcnow
from server.observations import service as observations_service
from server.observations.lookups import Lookups
from server.observations.merge import jsonable
from server.observations.models import Observation, ObservationUpdate
from server.observations.operations import (
    AddReflection,
    ConflictError,
    NotFound,
    Operation,
    OperationError,
    OperationResult,
    PermissionDenied,
    SetEvidence,
    SetScore,
    SetTally,
    UpdateContext,
)
from server.observations.scoring import Sheet
from server.roster.models import Teacher
from server.sync import coaching as coaching_sync
from server.sync.changes import ChangeLog, record_change
from server.sync.models import (
    ApiToken,
    MutationStatus,
    SyncChange,
    SyncConflict,
    SyncMutation,
    SyncQuarantine,
)

__all__ = ["record_change"]

MAX_BATCH = 500
PULL_LIMIT = 500
ENTITIES = {"observation", *coaching_sync.COACHING_ENTITIES}
OPERATION: TypeAdapter[Operation] = TypeAdapter(Operation)
# Keys the envelope gives (id, base_version) or that name the operation (op).
RESERVED_PAYLOAD_KEYS = ("observation_id", "base_version", "kind")
# The one payload op that is not an observation operation: it resolves a kept conflict.
RESOLVE_OP = "resolve_conflict"
# A reason that starts with a field name, as "teacher_id: ..." or "payload.value: ...".
FIELD_NAMED = re.compile(r"^[a-z_][a-z0-9_.]*: ")


# How a kept conflict is resolved (SyncConflict.resolution).
Choice = Literal["server", "client", "combined"]


class _NoValue:
    """No `value` was given (distinct from an explicit null: a cleared score)."""

    def __repr__(self) -> str:
        return "NO_VALUE"


NO_VALUE: Any = _NoValue()


class BatchError(ValueError):
    """The batch as a whole is malformed (HTTP 400); `field` names what is wrong."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


class PushIn(BaseModel):
    device_id: str = Field(min_length=1, max_length=100)
    mutations: list[dict[str, Any]] = Field(max_length=MAX_BATCH)


class MutationIn(BaseModel):
    mutation_id: int = Field(ge=0, le=2**63 - 1)
    entity: str = Field(max_length=40)
    id: uuid.UUID
    base_version: int | None = Field(default=None, ge=0)
    payload: dict[str, Any]


class MutationResult(BaseModel):
    mutation_id: int
    status: MutationStatus
    version: int | None = None
    reason: str | None = None


class PushOut(BaseModel):
    results: list[MutationResult]


_INSERT_MUTATION = insert(SyncMutation.__table__)  # type: ignore[attr-defined]


def mutation_ids(raw: list[dict[str, Any]]) -> list[int]:
    """Each row's mutation id, or BatchError naming the first row without a usable one (a
    row without an id cannot be acknowledged, so the batch is refused whole)."""
    ids = []
    for index, row in enumerate(raw):
        value = row.get("mutation_id")
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
            raise BatchError(f"mutations.{index}.mutation_id", "a whole number from 0 is required")
        ids.append(value)
    return ids


# --- Push --------------------------------------------------------------------------------


def push(*, session: Session, actor: Viewer, batch: PushIn) -> PushOut:
    """Apply a batch in mutation id order: each mutation atomically with its SyncMutation
    row; one bad mutation never blocks the others (docs/sync.md, "Idempotency and
    transactions").

    Observation operations are applied in one transaction while they succeed
    (`_BatchTransaction`: a commit per mutation would cost more than its writes). Any other
    mutation, and one that fails there, is applied in a transaction of its own
    (`_push_one`)."""
    ids = mutation_ids(batch.mutations)
    order = sorted(range(len(ids)), key=lambda i: ids[i])
    stored = _stored_results(session, actor.id, batch.device_id, set(ids))
    open_tx = _BatchTransaction(session, actor, batch.device_id, stored)
    handled: set[int] = set()  # the indexes this push applies; the others are duplicates
    for index in order:
        raw, mutation_id = batch.mutations[index], ids[index]
        if mutation_id in open_tx.ids:  # a repeat of one not committed yet
            open_tx.commit()
        if mutation_id in stored:
            continue
        handled.add(index)
        op = _operation_to_batch(mutation_id, raw)
        if op is not None:
            open_tx.apply(mutation_id, raw, op)
        else:
            open_tx.commit()
            stored[mutation_id] = _push_one(
                session, actor, batch.device_id, mutation_id, raw, open_tx.lookups
            )
    open_tx.commit()
    return PushOut(
        results=[
            stored[ids[i]]
            if i in handled
            else stored[ids[i]].model_copy(update={"status": MutationStatus.duplicate})
            for i in order
        ]
    )


def _operation_to_batch(mutation_id: int, raw: dict[str, Any]) -> Operation | None:
    """The mutation's observation operation, if it is one that parses; else None (a coaching
    entity, a conflict resolution, a malformed row: applied on its own by _push_one)."""
    try:
        mutation = _envelope(mutation_id, raw)
        if mutation.entity != "observation" or mutation.payload.get("op") == RESOLVE_OP:
            return None
        return _parse(mutation)
    except OperationError:
        return None


class _BatchTransaction:
    """The open transaction of a push: observation operations applied one after another and
    committed together with their SyncMutation rows. Those rows and the change rows
    (ChangeLog) are inserted all at once right before the commit: so the change lock is
    taken last and briefly, and a mutation acknowledged meanwhile by a concurrent push (the
    unique key) fails the commit rather than a write.

    When a mutation fails here (rejected, a conflict, any error), or the commit does, the
    transaction is rolled back and its mutations, that one included, are applied again one
    transaction each (_push_one, which quarantines, keeps conflicts and answers
    duplicates). So each mutation's write and result still commit together or not at all,
    and one failing changes nothing for the others."""

    def __init__(
        self, session: Session, actor: Viewer, device_id: str, stored: dict[int, MutationResult]
    ) -> None:
        self.session, self.actor, self.device_id = session, actor, device_id
        self.stored = stored  # committed results by mutation id: this adds to it
        self.lookups = Lookups()  # rubric sheets, caseloads, school years: read once
        self.log = ChangeLog()
        # Applied, not committed yet: mutation id, the mutation as sent, the version after it.
        self.pending: list[tuple[int, dict[str, Any], int]] = []
        self.ids: set[int] = set()

    def apply(self, mutation_id: int, raw: dict[str, Any], op: Operation) -> None:
        try:
            result = observations_service.apply_operation(
                session=self.session, actor=self.actor, op=op, commit=False,
                lookups=self.lookups, log=self.log,
            )  # fmt: skip
        except Exception:
            self._one_by_one([*((m, r) for m, r, _ in self.pending), (mutation_id, raw)])
            return
        self.pending.append((mutation_id, raw, result.version))
        self.ids.add(mutation_id)

    def commit(self) -> None:
        if not self.pending:
            return
        applied = MutationStatus.applied
        acks = [
            _ack_row(self.actor, self.device_id, m, r, applied, v, None) for m, r, v in self.pending
        ]
        try:
            self.log.write(self.session)
            self.session.connection().execute(_INSERT_MUTATION, acks)
            self.session.commit()
        except Exception:
            self._one_by_one([(m, r) for m, r, _ in self.pending])
            return
        for mutation_id, _, version in self.pending:
            self.stored[mutation_id] = MutationResult(
                mutation_id=mutation_id, status=applied, version=version
            )
        self._clear()

    def _one_by_one(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        """Roll the transaction back, then apply these mutations one transaction each."""
        self.session.rollback()
        self._clear()
        self.lookups = Lookups()  # what it read may have been undone (an observation made)
        for mutation_id, raw in rows:
            self.stored[mutation_id] = _push_one(
                self.session, self.actor, self.device_id, mutation_id, raw, self.lookups
            )

    def _clear(self) -> None:
        self.log.rows.clear()
        self.pending.clear()
        self.ids.clear()


def _ack_row(
    actor: Viewer,
    device_id: str,
    mutation_id: int,
    raw: dict[str, Any],
    status: MutationStatus,
    version: int | None,
    reason: str | None,
) -> dict[str, Any]:
    """The SyncMutation row acknowledging a mutation (`entity` and `id` as it said)."""
    return {
        "user_id": actor.id, "device_id": device_id, "mutation_id": mutation_id,
        "entity": str(raw.get("entity", ""))[:40], "entity_id": str(raw.get("id", ""))[:100],
        "status": status, "version": version, "reason": reason, "created_at": utcnow(),
    }  # fmt: skip


def _stored_results(
    session: Session, user_id: int, device_id: str, ids: set[int]
) -> dict[int, MutationResult]:
    rows = session.exec(
        select(SyncMutation).where(
            SyncMutation.user_id == user_id,
            SyncMutation.device_id == device_id,
            col(SyncMutation.mutation_id).in_(ids),
        )
    )
    return {row.mutation_id: _result_of(row) for row in rows}


def _result_of(row: SyncMutation) -> MutationResult:
    return MutationResult(
        mutation_id=row.mutation_id, status=row.status, version=row.version, reason=row.reason
    )


def _envelope(mutation_id: int, raw: dict[str, Any]) -> MutationIn:
    """The mutation's envelope (entity, id, base_version, payload), or OperationError naming
    the field."""
    try:
        mutation = MutationIn.model_validate({**raw, "mutation_id": mutation_id})
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "mutation"
        raise OperationError(where, err["msg"]) from exc
    if mutation.entity not in ENTITIES:
        raise OperationError("entity", f"unknown entity {mutation.entity!r}")
    for key in RESERVED_PAYLOAD_KEYS:
        if key in mutation.payload:
            raise OperationError(f"payload.{key}", "not allowed here (the mutation gives it)")
    return mutation


def _parse(mutation: MutationIn) -> Operation:
    """The mutation's operation, or OperationError naming the field."""
    payload = dict(mutation.payload)
    kind = payload.pop("op", None)
    if not isinstance(kind, str):
        raise OperationError("payload.op", "name the operation (e.g. 'set_score')")
    body = {
        **payload,
        "kind": kind,
        "observation_id": mutation.id,
        "base_version": mutation.base_version,
    }
    try:
        op = OPERATION.validate_python(body)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [str(p) for p in err["loc"]]
        if loc and loc[0] == kind:  # the discriminated union's tag
            loc = loc[1:]
        if loc == ["kind"] or err["type"] == "union_tag_invalid":
            raise OperationError("payload.op", f"unknown operation {kind!r}") from exc
        where = ".".join(["payload", *loc]) if loc else "payload"
        if loc and loc[0] in ("observation_id", "base_version"):
            where = "id" if loc[0] == "observation_id" else "base_version"
        raise OperationError(where, err["msg"].removeprefix("Value error, ")) from exc
    return op


class ResolvePayload(BaseModel):
    """The payload of a `resolve_conflict` mutation (not an observation operation: it
    resolves one of the observation's conflicts, docs/sync.md)."""

    model_config = ConfigDict(extra="forbid")
    op: Literal["resolve_conflict"]
    conflict_id: int = Field(ge=0, le=2**63 - 1)
    choice: Choice
    value: Any = None

    def given_value(self) -> Any:
        return self.value if "value" in self.model_fields_set else NO_VALUE


def _parse_resolution(mutation: MutationIn) -> ResolvePayload:
    try:
        return ResolvePayload.model_validate(mutation.payload)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(["payload", *(str(p) for p in err["loc"])])
        raise OperationError(where, err["msg"]) from exc


def _push_one(
    session: Session,
    actor: Viewer,
    device_id: str,
    mutation_id: int,
    raw: dict[str, Any],
    lookups: Lookups,
) -> MutationResult:
    """Apply one mutation in a transaction of its own, with its acknowledgement."""

    def acknowledge(
        status: MutationStatus, version: int | None, reason: str | None
    ) -> MutationResult:
        try:  # Core insert (no unit of work), committed with the write it acknowledges
            session.execute(
                _INSERT_MUTATION,
                _ack_row(actor, device_id, mutation_id, raw, status, version, reason),
            )
            session.commit()
        except IntegrityError:  # the same mutation acknowledged concurrently: a repeat
            session.rollback()
            row = session.exec(
                select(SyncMutation).where(
                    SyncMutation.user_id == actor.id,
                    SyncMutation.device_id == device_id,
                    SyncMutation.mutation_id == mutation_id,
                )
            ).one()
            return _result_of(row).model_copy(update={"status": MutationStatus.duplicate})
        return MutationResult(
            mutation_id=mutation_id, status=status, version=version, reason=reason
        )

    def reject(reason: str) -> MutationResult:
        session.add(
            SyncQuarantine(
                user_id=actor.id, device_id=device_id, mutation_id=mutation_id,
                entity=str(raw.get("entity", ""))[:200], entity_id=str(raw.get("id", ""))[:200],
                payload=jsonable(raw), reason=reason,
            )
        )  # fmt: skip
        return acknowledge(MutationStatus.rejected, None, reason)

    try:
        mutation = _envelope(mutation_id, raw)
        if mutation.payload.get("op") == RESOLVE_OP:
            return _resolve_one(session, actor, mutation, acknowledge, reject)
        if mutation.entity in coaching_sync.COACHING_ENTITIES:
            return _push_coaching(session, actor, device_id, mutation, acknowledge, reject)
        op = _parse(mutation)
    except OperationError as exc:
        return reject(str(exc))
    try:
        result = observations_service.apply_operation(
            session=session, actor=actor, op=op, commit=False, lookups=lookups
        )
        return acknowledge(MutationStatus.applied, result.version, None)
    except ConflictError as exc:
        return _keep_conflict(session, actor, device_id, mutation_id, op, exc, acknowledge)
    except OperationError as exc:
        return reject(str(exc))
    except PermissionDenied as exc:
        return reject(_naming_a_field(exc.message))
    except NotFound as exc:
        return reject(_naming_a_field(str(exc)))


def _naming_a_field(message: str) -> str:
    """A refusal's reason naming the field: the message's own field when it names one
    ("teacher_id: ... is not in your caseload."), else the mutation's `id`."""
    return message if FIELD_NAMED.match(message) else f"id: {message}"


def _push_coaching(
    session: Session,
    actor: Viewer,
    device_id: str,
    mutation: MutationIn,
    acknowledge: Callable[[MutationStatus, int | None, str | None], MutationResult],
    reject: Callable[[str], MutationResult],
) -> MutationResult:
    """A coaching mutation (cycle, check_in, commitment): applied through
    apply_coaching_operation with its acknowledgement in one transaction, exactly like an
    observation's: conflicts kept, anything invalid rejected into quarantine."""
    op = coaching_sync.parse(mutation.entity, mutation.payload)
    try:
        result = coaching_service.apply_coaching_operation(
            session=session, actor=actor, entity_id=mutation.id, op=op,
            base_version=mutation.base_version, commit=False,
        )  # fmt: skip
        return acknowledge(MutationStatus.applied, result.version, None)
    except ConflictError as exc:
        conflicts, version = coaching_sync.keep_conflict(
            session=session, actor=actor, device_id=device_id,
            mutation_id=mutation.mutation_id, entity=mutation.entity, entity_id=mutation.id,
            base_version=mutation.base_version, op=op, first=exc,
        )  # fmt: skip
        fields = ", ".join(c.field for c in conflicts)
        reason = f"{fields}: {exc.message}" if len(conflicts) > 1 else str(exc)
        return acknowledge(MutationStatus.conflict, version, reason)
    except OperationError as exc:
        return reject(str(exc))
    except PermissionDenied as exc:
        return reject(_naming_a_field(exc.message))
    except NotFound as exc:
        return reject(_naming_a_field(str(exc)))


def _resolve_one(
    session: Session,
    actor: Viewer,
    mutation: MutationIn,
    acknowledge: Callable[[MutationStatus, int | None, str | None], MutationResult],
    reject: Callable[[str], MutationResult],
) -> MutationResult:
    """A `resolve_conflict` mutation: the resolution and its acknowledgement commit
    together; anything wrong rejects it into quarantine, naming the payload field."""
    resolution = _parse_resolution(mutation)
    try:
        resolved = resolve_conflict(
            session=session, actor=actor, conflict_id=resolution.conflict_id,
            choice=resolution.choice, value=resolution.given_value(),
            entity_id=mutation.id, commit=False,
        )  # fmt: skip
    except (ConflictNotFound, ResolveError) as exc:
        return reject(f"payload.{exc}")
    except (OperationError, ConflictError) as exc:
        return reject(str(exc))
    except PermissionDenied as exc:
        return reject(_naming_a_field(exc.message))
    except NotFound as exc:
        return reject(_naming_a_field(str(exc)))
    return acknowledge(MutationStatus.applied, resolved.version, None)


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


def _keep_conflict(
    session: Session,
    actor: Viewer,
    device_id: str,
    mutation_id: int,
    op: Operation,
    first: ConflictError,
    acknowledge: Any,
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
    fields = ", ".join(c.field for c in conflicts)
    reason = f"{fields}: {first.message}" if len(conflicts) > 1 else str(first)
    out: MutationResult = acknowledge(MutationStatus.conflict, version, reason)
    return out


# --- Conflicts -----------------------------------------------------------------------------


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


class ResolveIn(BaseModel):
    conflict_id: int
    choice: Choice
    value: Any = None  # required (may be null for a score) when choice is "combined"

    def given_value(self) -> Any:
        return self.value if "value" in self.model_fields_set else NO_VALUE


class ConflictNotFound(NotFound):
    """Another person's or an unknown conflict (HTTP 404)."""

    def __init__(self, conflict_id: int) -> None:
        super().__init__(f"conflict_id: there is no conflict {conflict_id}")


class ResolveError(OperationError):
    """The resolution itself is invalid (no such conflict for this observation, resolved
    already, a missing or invalid combined value); `field` names the input at fault."""


class ResolveOut(BaseModel):
    conflict_id: int
    resolution: Choice
    version: int


SCORE_SHAPE = 'a score is {"value": a level or null, "not_observed": true or false}'


class ScoreChoice(BaseModel):
    """A combined value for a score conflict: a level, or not observed, or neither (clear)."""

    model_config = ConfigDict(extra="forbid")
    value: int | None = None
    not_observed: bool = False

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if self.value is not None and self.not_observed:
            raise ValueError("give a level or 'not observed', not both")
        return self


def _first_error(exc: ValidationError, prefix: str) -> ResolveError:
    err = exc.errors()[0]
    loc = [str(p) for p in err["loc"]]
    where = ".".join([prefix, *loc])
    return ResolveError(where, err["msg"].removeprefix("Value error, "))


def _resolution_op(row: SyncConflict, version: int, choice: Choice, value: Any) -> Operation:
    """The operation that applies the chosen value: the one sent, for 'client'; the one sent
    with `value` in place of the client's, for 'combined'. Based on the current version."""
    body = {**row.operation, "observation_id": row.observation_id, "base_version": version}
    kind = body.get("kind")
    if choice == "client":
        if kind == "update_context":
            body["data"] = {row.field: row.client_value}
        return OPERATION.validate_python(body)
    if value is NO_VALUE:
        raise ResolveError("value", "required when choice is 'combined'")
    match kind:
        case "update_context":
            body["data"] = {row.field: value}
        case "set_score":
            if value is not None and not isinstance(value, dict):
                raise ResolveError("value", SCORE_SHAPE)
            try:
                score = ScoreChoice.model_validate({} if value is None else value)
            except ValidationError as exc:
                raise _first_error(exc, "value") from exc
            body.update(score.model_dump())
        case "set_evidence" | "add_reflection":
            body["text"] = value
        case "set_tally":
            if value is None:
                raise ResolveError("value", "a count is required")
            body.update(count=value, delta=None)
        case _:
            raise ResolveError("choice", f"'combined' is not possible for a {kind} conflict")
    try:
        return OPERATION.validate_python(body)
    except ValidationError as exc:
        # The only input is the value: name it, not the operation's field.
        err = exc.errors()[0]
        raise ResolveError("value", err["msg"].removeprefix("Value error, ")) from exc


def resolve_conflict(
    *,
    session: Session,
    actor: Viewer,
    conflict_id: int,
    choice: Choice,
    value: Any = NO_VALUE,
    observation_id: uuid.UUID | None = None,
    entity_id: uuid.UUID | None = None,
    commit: bool = True,
) -> OperationResult | CoachingResult:
    """A person chose: 'server' keeps the current value; 'client' applies the kept client
    value, 'combined' the given `value` (merged text, a score as {"value", "not_observed"},
    a count), as a normal operation (through apply_operation, based on the current version).
    The conflict is marked resolved in the same transaction, and a change is logged even when
    the observation did not change, so the author's other devices pull the open conflicts
    without it. With observation_id (or entity_id), the conflict must be one of that
    observation's (that entity's). A coaching entity's conflict is resolved the same way
    through apply_coaching_operation (returning its CoachingResult).

    Raises NotFound (another person's or an unknown conflict), ResolveError (resolved
    already, a missing or invalid value), or what apply_operation raises. With commit=False
    the caller commits; on any error nothing is written (the session is rolled back)."""
    try:
        row = session.exec(
            select(SyncConflict)
            .where(SyncConflict.id == conflict_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()
        if row is None or row.user_id != actor.id:
            raise ConflictNotFound(conflict_id)
        if observation_id is not None and row.observation_id != observation_id:
            raise ResolveError("conflict_id", f"conflict {conflict_id} is not this observation's")
        if entity_id is not None and row.entity_id != entity_id:
            raise ResolveError("conflict_id", f"conflict {conflict_id} is not this {row.entity}'s")
        if row.resolved_at is not None:
            raise ResolveError("conflict_id", "this conflict is resolved already")
        if row.entity != "observation":
            coaching_result = _resolve_coaching(session, actor, row, choice, value)
            row.resolved_at, row.resolution = utcnow(), choice
            session.add(row)
            if commit:
                session.commit()
            return coaching_result
        obs = session.get(Observation, row.observation_id)
        if obs is None:
            raise NotFound(f"There is no observation {row.observation_id}.")
        session.refresh(obs)
        if choice == "server":
            result = OperationResult(observation=obs, changed=False)
        else:
            op = _resolution_op(row, obs.version, choice, value)
            try:
                result = observations_service.apply_operation(
                    session=session, actor=actor, op=op, commit=False
                )
            except OperationError as exc:
                if choice != "combined" or isinstance(exc, ResolveError):
                    raise
                raise ResolveError("value", exc.message) from exc
        if not result.changed:  # open_conflicts changed: the author's devices pull it
            record_change(session, result.observation)
        row.resolved_at, row.resolution = utcnow(), choice
        session.add(row)
        if commit:
            session.commit()
        return result
    except BaseException:
        session.rollback()
        raise


def _resolve_coaching(
    session: Session, actor: Viewer, row: SyncConflict, choice: Choice, value: Any
) -> CoachingResult:
    given = coaching_sync.MISSING if value is NO_VALUE else value
    try:
        return coaching_sync.apply_resolution(
            session=session, actor=actor, row=row, choice=choice, value=given
        )
    except OperationError as exc:
        if isinstance(exc, ResolveError):
            raise
        if exc.field in ("value", "choice"):
            raise ResolveError(exc.field, exc.message) from exc
        if choice == "combined":
            raise ResolveError("value", exc.message) from exc
        raise


# --- Quarantine ---------------------------------------------------------------------------

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
    id: int


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


# --- Pull ----------------------------------------------------------------------------------


class ChangeOut(BaseModel):
    entity: str
    id: uuid.UUID
    version: int
    deleted: bool
    data: dict[str, Any]


class PullOut(BaseModel):
    cursor: int
    more: bool
    changes: list[ChangeOut]


def _scope(session: Session, actor: Viewer) -> Any:
    """Which change rows this person may receive: their own observations; observations of
    their roster record once shared with them; for a principal, those their teachers shared
    with them. Coaching entities: the pair's coach (observer_id) and teacher (teacher_id,
    shared_with_teacher always set); a principal, cycles whose summary is (or was) shared."""
    teacher_ids = select(Teacher.id).where(Teacher.user_id == actor.id)
    conditions: list[ColumnElement[bool]] = [
        col(SyncChange.observer_id) == actor.id,
        (col(SyncChange.shared_with_teacher)) & col(SyncChange.teacher_id).in_(teacher_ids),
    ]
    schools = actor.school_ids(Role.principal)
    if schools:
        conditions.append(
            col(SyncChange.shared_with_principal) & col(SyncChange.school_id).in_(schools)
        )
    return or_(*conditions)


def pull(*, session: Session, actor: Viewer, cursor: int, limit: int = PULL_LIMIT) -> PullOut:
    """Changes after `cursor` in this person's scope, the latest per entity, with its
    current state as this person may see it; cursor = the last seq read. Each coaching
    entity sent (not a tombstone) is audited as a "sync_read"."""
    rows = list(
        session.exec(
            select(SyncChange.seq, SyncChange.entity_id, SyncChange.entity)
            .where(col(SyncChange.seq) > cursor, _scope(session, actor))
            .order_by(col(SyncChange.seq))
            .limit(limit + 1)
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    if not rows:
        return PullOut(cursor=cursor, more=False, changes=[])
    latest: dict[uuid.UUID, str] = {}
    for seq, entity_id, entity in rows:
        assert seq is not None
        latest.pop(entity_id, None)
        latest[entity_id] = entity
    changes = []
    audited = False
    for entity_id, entity in latest.items():
        if entity != "observation":
            changes.append(_coaching_change(session, actor, entity, entity_id))
            audited = audited or not changes[-1].deleted
            continue
        obs = session.get(Observation, entity_id)
        if obs is not None:
            session.refresh(obs)
        if obs is None or not observations_service.can_view(
            session=session, viewer=actor, observation=obs
        ):
            changes.append(
                ChangeOut(entity="observation", id=entity_id, version=0, deleted=True, data={})
            )
            continue
        data = observation_data(session=session, actor=actor, obs=obs)
        changes.append(
            ChangeOut(
                entity="observation", id=obs.id, version=obs.version, deleted=False, data=data
            )
        )
    if audited:
        session.commit()
    last = rows[-1][0]
    assert last is not None
    return PullOut(cursor=last, more=more, changes=changes)


def _coaching_change(
    session: Session, actor: Viewer, entity: str, entity_id: uuid.UUID
) -> ChangeOut:
    """A cycle, check-in or commitment as this person may see it now (coaching.pull
    .sync_view: the pair all of it, a principal a shared cycle's summary), with the
    person's open conflicts on it for a pair member; else a tombstone."""
    view = coaching_pull.sync_view(
        session=session, viewer=actor, entity=entity, entity_id=entity_id
    )
    if view is None:
        return ChangeOut(entity=entity, id=entity_id, version=0, deleted=True, data={})
    data = dict(view.data)
    if view.in_pair:
        data["open_conflicts"] = [
            conflict_out(c).model_dump(mode="json")
            for c in list_open_conflicts(session=session, actor=actor, entity_id=entity_id)
        ]
    return ChangeOut(entity=entity, id=entity_id, version=view.version, deleted=False, data=data)


def observation_data(*, session: Session, actor: Viewer, obs: Observation) -> dict[str, Any]:
    """The observation's full current state as this person may see it (JSON)."""
    sheet: Sheet = observations_service.load_sheet(session=session, observation=obs)
    author = observations_service.can_edit(viewer=actor, observation=obs)
    teacher = observations_service.can_reflect(session=session, viewer=actor, observation=obs)
    data: dict[str, Any] = {
        "teacher_id": obs.teacher_id,
        "observer_id": obs.observer_id,
        "school_year_id": obs.school_year_id,
        "observed_at": obs.observed_at,
        "grade": obs.grade,
        "course_unit": obs.course_unit,
        "lesson_goal": obs.lesson_goal,
        "task_description": obs.task_description,
        "class_size": obs.class_size,
        "status": obs.status.value,
        "finalized_at": obs.finalized_at,
        "shared_with_teacher_at": obs.shared_with_teacher_at,
        "shared_with_principal_at": obs.shared_with_principal_at,
        "timer": {"started_at": obs.timer_started_at, "elapsed": obs.timer_elapsed_seconds},
        "rubric_version_ids": [rs.id for rs in sheet.rubrics],
        "scores": [
            {
                "rubric_version_id": s.rubric_version_id,
                "dimension_id": s.dimension_id,
                "item_id": s.item_id,
                "value": s.value,
                "not_observed": s.not_observed,
            }
            for s in sorted(
                sheet.scores.values(),
                key=lambda s: (s.rubric_version_id, s.dimension_id, s.item_id),
            )
        ],
        "evidence": [
            {
                "rubric_version_id": e.rubric_version_id,
                "dimension_id": e.dimension_id,
                "text": e.text,
            }
            for e in sorted(
                sheet.evidence.values(), key=lambda e: (e.rubric_version_id, e.dimension_id)
            )
        ],
        "notes": [
            {
                "id": n.id,
                "text": n.text,
                "tags": n.tags,
                "written_at": n.written_at,
                "lesson_minute": n.lesson_minute,
            }
            for n in sheet.notes
        ],
        "tallies": [
            {"rubric_version_id": rv, "tally_id": t, "category_id": c, "count": count}
            for (rv, t, c), count in sorted(sheet.tallies.items())
        ],
        # The coach and the observed teacher read reflections; a principal never does.
        "reflections": [
            {"author_id": r.author_id, "text": r.text, "updated_at": r.updated_at}
            for r in sheet.reflections
        ]
        if author or teacher
        else [],
    }
    if author:
        data["open_conflicts"] = [
            conflict_out(c).model_dump(mode="json")
            for c in list_open_conflicts(session=session, actor=actor, observation_id=obs.id)
        ]
    out: dict[str, Any] = jsonable(data)
    return out


# --- API tokens ----------------------------------------------------------------------------

TOKEN_PREFIX = "cdn_"
LAST_USED_GRANULARITY = timedelta(minutes=1)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewToken:
    id: int
    token: str


def create_token(*, session: Session, user: User) -> NewToken:
    """A new bearer token for `user`: returned once, only its hash is stored."""
    assert user.id is not None
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=_token_hash(token))
    session.add(row)
    session.commit()
    assert row.id is not None
    return NewToken(id=row.id, token=token)


def revoke_tokens(*, session: Session, user: User, token_id: int | None = None) -> int:
    """Delete one of the user's tokens (by id), or all of them; returns how many."""
    query = select(ApiToken).where(ApiToken.user_id == user.id)
    if token_id is not None:
        query = query.where(ApiToken.id == token_id)
    rows = list(session.exec(query))
    for row in rows:
        session.delete(row)
    session.commit()
    return len(rows)


def list_tokens(*, session: Session, user: User) -> list[ApiToken]:
    return list(
        session.exec(select(ApiToken).where(ApiToken.user_id == user.id).order_by(col(ApiToken.id)))
    )


def viewer_for_token(*, session: Session, token: str) -> Viewer | None:
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == _token_hash(token))).first()
    if row is None:
        return None
    user = accounts_service.get_user(session=session, user_id=row.user_id)
    if user is None or not getattr(user, "is_active", True):
        return None
    now = utcnow()
    last = row.last_used_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=now.tzinfo)
    if last is None or now - last > LAST_USED_GRANULARITY:
        row.last_used_at = now
        session.add(row)
        session.commit()
    return accounts_service.load_viewer(session=session, user=user)
