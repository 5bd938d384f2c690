"""What a push carries and answers: the batch, each mutation's envelope and operation, results."""

import uuid
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from server.db import MAX_ID
from server.observations.operations import Operation, OperationError
from server.sync import coaching as coaching_sync
from server.sync.models import MutationStatus, SyncMutation

MAX_BATCH = 500
ENTITIES = {"observation", *coaching_sync.COACHING_ENTITIES}
OPERATION: TypeAdapter[Operation] = TypeAdapter(Operation)
# Keys the envelope gives (id, base_version) or that name the operation (op).
RESERVED_PAYLOAD_KEYS = ("observation_id", "base_version", "kind")
# The one payload op that is not an observation operation: it resolves a kept conflict.
RESOLVE_OP = "resolve_conflict"


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
    base_version: int | None = Field(default=None, ge=0, le=MAX_ID)
    payload: dict[str, Any]


class MutationResult(BaseModel):
    mutation_id: int
    status: MutationStatus
    version: int | None = None
    reason: str | None = None


# How push answers one mutation, inside its transaction: acknowledge(status, version, reason)
# records the answer; reject(reason) quarantines the mutation and acknowledges it rejected.
Acknowledge = Callable[[MutationStatus, int | None, str | None], MutationResult]
Reject = Callable[[str], MutationResult]


class PushOut(BaseModel):
    results: list[MutationResult]


def result_of(row: SyncMutation) -> MutationResult:
    return MutationResult(
        mutation_id=row.mutation_id, status=row.status, version=row.version, reason=row.reason
    )


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


def envelope(mutation_id: int, raw: dict[str, Any]) -> MutationIn:
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


def parse_operation(mutation: MutationIn) -> Operation:
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
