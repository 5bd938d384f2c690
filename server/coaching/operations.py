"""The write operations on coaching entities: one model per kind of write, grouped by the
entity they write (a cycle, a check-in, a commitment).

The pages and the sync endpoint build these (or parse them with `parse_operation`) and hand
them to `service.apply_coaching_operation` with the entity's id and the client's base
version; nothing else writes coaching data. Errors are the observation write path's
exception classes (server.observations.operations), so push treats both alike."""

from typing import Annotated, Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from server.coaching.models import (
    TEXT_MAX,
    CheckInCreate,
    CheckInUpdate,
    CommitmentCreate,
    CommitmentUpdate,
    CycleCreate,
    CycleUpdate,
)
from server.observations.operations import OperationError

ENTITIES = ("cycle", "check_in", "commitment")
Entity = Literal["cycle", "check_in", "commitment"]


class CoachingOp(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreateCycle(CoachingOp):
    kind: Literal["create_cycle"] = "create_cycle"
    data: CycleCreate


class UpdateCycle(CoachingOp):
    kind: Literal["update_cycle"] = "update_cycle"
    data: CycleUpdate


class ShareSummary(CoachingOp):
    """The teacher shares (or stops sharing) the cycle's summary with the principal."""

    kind: Literal["share_summary"] = "share_summary"
    shared: bool


class CreateCheckIn(CoachingOp):
    kind: Literal["create_check_in"] = "create_check_in"
    data: CheckInCreate


class UpdateCheckIn(CoachingOp):
    kind: Literal["update_check_in"] = "update_check_in"
    data: CheckInUpdate


class AddCheckInReflection(CoachingOp):
    """The teacher's reflection on a check-in: written once, then edited (latest kept)."""

    kind: Literal["add_check_in_reflection"] = "add_check_in_reflection"
    text: str = Field(min_length=1, max_length=TEXT_MAX)

    @field_validator("text", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value


class CreateCommitment(CoachingOp):
    kind: Literal["create_commitment"] = "create_commitment"
    data: CommitmentCreate


class UpdateCommitment(CoachingOp):
    kind: Literal["update_commitment"] = "update_commitment"
    data: CommitmentUpdate


CycleOperation = Annotated[CreateCycle | UpdateCycle | ShareSummary, Field(discriminator="kind")]
CheckInOperation = Annotated[
    CreateCheckIn | UpdateCheckIn | AddCheckInReflection, Field(discriminator="kind")
]
CommitmentOperation = Annotated[CreateCommitment | UpdateCommitment, Field(discriminator="kind")]
CoachingOperation = (
    CreateCycle
    | UpdateCycle
    | ShareSummary
    | CreateCheckIn
    | UpdateCheckIn
    | AddCheckInReflection
    | CreateCommitment
    | UpdateCommitment
)
UPDATE_OPS = (UpdateCycle, UpdateCheckIn, UpdateCommitment)

_ADAPTERS: dict[str, TypeAdapter[Any]] = {
    "cycle": TypeAdapter(CycleOperation),
    "check_in": TypeAdapter(CheckInOperation),
    "commitment": TypeAdapter(CommitmentOperation),
}
OPS_OF: dict[str, tuple[str, ...]] = {
    "cycle": ("create_cycle", "update_cycle", "share_summary"),
    "check_in": ("create_check_in", "update_check_in", "add_check_in_reflection"),
    "commitment": ("create_commitment", "update_commitment"),
}


def entity_of(op: CoachingOperation) -> Entity:
    for entity, kinds in OPS_OF.items():
        if op.kind in kinds:
            return entity  # type: ignore[return-value]
    raise AssertionError(op.kind)


def parse_operation(entity: str, payload: dict[str, Any]) -> CoachingOperation:
    """The operation in a payload ({"op": kind, ...fields}) for this entity, or
    OperationError naming the field: `op: unknown operation 'x'`, `data.owner: Field
    required`, `data.goal: write it out: it may not be blank`..."""
    adapter = _ADAPTERS.get(entity)
    if adapter is None:
        raise OperationError("entity", f"unknown entity {entity!r}")
    body = dict(payload)
    kind = body.pop("op", None)
    if not isinstance(kind, str):
        raise OperationError("op", f"name the operation (e.g. {OPS_OF[entity][0]!r})")
    if kind not in OPS_OF[entity]:
        raise OperationError("op", f"unknown operation {kind!r}")
    if "kind" in body:
        raise OperationError("kind", "not allowed here (op names the operation)")
    try:
        op: CoachingOperation = adapter.validate_python({**body, "kind": kind})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [str(p) for p in err["loc"]]
        if loc and loc[0] == kind:  # the discriminated union's tag
            loc = loc[1:]
        where = ".".join(loc) or "payload"
        raise OperationError(where, err["msg"].removeprefix("Value error, ")) from exc
    return op


class CoachingResult(NamedTuple):
    """The entity's version right after the write; changed is False for a repeat or a
    write that changed nothing."""

    version: int
    changed: bool
