"""Resolving a kept conflict (resolve_conflict): the choices, the value given, and its errors."""

import uuid
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlmodel import Session, select

from server.accounts.service import Viewer
from server.coaching.operations import CoachingResult
from server.db import RowId, utcnow
from server.observations import service as observations_service
from server.observations.models import Observation
from server.observations.operations import (
    NotFound,
    Operation,
    OperationError,
    OperationResult,
)
from server.sync import coaching as coaching_sync
from server.sync.changes import record_change
from server.sync.models import SyncConflict
from server.sync.mutations import OPERATION, MutationIn

# How a kept conflict is resolved (SyncConflict.resolution).
Choice = Literal["server", "client", "combined"]


class _NoValue:
    """No `value` was given (distinct from an explicit null: a cleared score)."""

    def __repr__(self) -> str:
        return "NO_VALUE"


NO_VALUE: Any = _NoValue()


class ResolveIn(BaseModel):
    conflict_id: RowId
    choice: Choice
    value: Any = None  # required (may be null for a score) when choice is "combined"

    def given_value(self) -> Any:
        return self.value if "value" in self.model_fields_set else NO_VALUE


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


def parse_resolution(mutation: MutationIn) -> ResolvePayload:
    try:
        return ResolvePayload.model_validate(mutation.payload)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(["payload", *(str(p) for p in err["loc"])])
        raise OperationError(where, err["msg"]) from exc


class ConflictNotFound(NotFound):
    """Another person's or an unknown conflict (HTTP 404)."""

    def __init__(self, conflict_id: int) -> None:
        super().__init__(f"conflict_id: there is no conflict {conflict_id}")


class ResolveError(OperationError):
    """The resolution itself is invalid (no such conflict for this observation, resolved
    already, a missing or invalid combined value); `field` names the input at fault."""


class ResolveOut(BaseModel):
    conflict_id: RowId
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
