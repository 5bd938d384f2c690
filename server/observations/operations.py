"""The write operations on an observation: one model per kind of write.

The pages (htmx or plain forms) and the sync endpoint build these and hand them to
`service.apply_operation`; nothing else writes an observation.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from server.db import MAX_ID, RowId
from server.observations.models import Observation, ObservationCreate, ObservationUpdate


class Op(BaseModel):
    """Every operation names its observation and the version the client based it on."""

    model_config = ConfigDict(extra="forbid")
    observation_id: uuid.UUID
    base_version: int | None = Field(default=None, ge=0, le=MAX_ID)


class CreateObservation(Op):
    kind: Literal["create_observation"] = "create_observation"
    data: ObservationCreate


class UpdateContext(Op):
    kind: Literal["update_context"] = "update_context"
    data: ObservationUpdate


class SetScore(Op):
    """A level (value), or 'not observed'; neither clears the score."""

    kind: Literal["set_score"] = "set_score"
    rubric_version_id: RowId
    dimension_id: str = Field(max_length=80)
    item_id: str = Field(default="", max_length=80)
    value: int | None = None
    not_observed: bool = False

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if self.value is not None and self.not_observed:
            raise ValueError("value: give a level or 'not observed', not both")
        return self


class SetEvidence(Op):
    kind: Literal["set_evidence"] = "set_evidence"
    rubric_version_id: RowId
    dimension_id: str = Field(max_length=80)
    text: str = Field(max_length=10000)


class AddNote(Op):
    """A line of running notes; the note id is the client's, so a repeat is harmless."""

    kind: Literal["add_note"] = "add_note"
    note_id: uuid.UUID
    text: str = Field(min_length=1, max_length=2000)
    tags: list[str] = Field(default_factory=list, max_length=40)
    written_at: AwareDatetime | None = None
    lesson_minute: int | None = Field(default=None, ge=0, le=600)

    @field_validator("text", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value


class SetTally(Op):
    """Set a tally count, or change it by delta (+1 per tap, -1 to undo): deltas always merge."""

    kind: Literal["set_tally"] = "set_tally"
    rubric_version_id: RowId
    tally_id: str = Field(max_length=80)
    category_id: str = Field(max_length=80)
    count: int | None = Field(default=None, ge=0, le=10000)
    delta: int | None = Field(default=None, ge=-100, le=100)

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if (self.count is None) == (self.delta is None):
            raise ValueError("count: give either a count or a delta")
        return self


class SetTimer(Op):
    kind: Literal["set_timer"] = "set_timer"
    action: Literal["start", "pause", "reset"]
    at: AwareDatetime | None = None


class Finalize(Op):
    kind: Literal["finalize"] = "finalize"


class Share(Op):
    """The coach shares a final observation with the teacher; the teacher with the principal."""

    kind: Literal["share"] = "share"
    audience: Literal["teacher", "principal"]


class AddReflection(Op):
    """The teacher's reflection: written once, then edited (the latest text is kept)."""

    kind: Literal["add_reflection"] = "add_reflection"
    text: str = Field(min_length=1, max_length=10000)

    @field_validator("text", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value


class InviteCoObserver(Op):
    """The coach invites a second observer, who scores the same lesson blind on their own
    observation (`co_observation_id`, the coach's tablet makes it up like any new id)."""

    kind: Literal["invite_co_observer"] = "invite_co_observer"
    co_observation_id: uuid.UUID
    observer_id: RowId


class ConsensusScore(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rubric_version_id: RowId
    dimension_id: str = Field(max_length=80)
    item_id: str = Field(default="", max_length=80)
    value: int | None = None  # None: not observed


class Reconcile(Op):
    """The two raters' consensus where they differ, recorded on the first observation."""

    kind: Literal["reconcile"] = "reconcile"
    scores: list[ConsensusScore] = Field(default_factory=list, max_length=400)


Operation = Annotated[
    CreateObservation
    | UpdateContext
    | SetScore
    | SetEvidence
    | AddNote
    | SetTally
    | SetTimer
    | Finalize
    | Share
    | AddReflection
    | InviteCoObserver
    | Reconcile,
    Field(discriminator="kind"),
]


@dataclass
class OperationResult:
    """The observation after the write; changed is False for a repeat or a no-op.
    version is the observation's version right after this write."""

    observation: Observation
    changed: bool
    fields: list[str] = field(default_factory=list)
    at: datetime | None = None
    version: int = field(init=False)
    # Other observations the write made or changed (an invited observer's), for the change log.
    also: list[Observation] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.version = self.observation.version


class OperationError(ValueError):
    """A write refused as invalid (HTTP 400); `field` names what is wrong."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


class FinalizeGaps(OperationError):
    """Finalize refused: these required dimensions (or items) are neither scored nor
    marked not observed."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__("scores", "score these first: " + "; ".join(missing))
        self.missing = missing


class ConflictError(ValueError):
    """The field changed on the server since the client's base version (HTTP 409)."""

    def __init__(self, field_name: str, message: str, current: object = None) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message
        self.current = current


class NotFound(LookupError):
    """No such observation (HTTP 404)."""


class PermissionDenied(PermissionError):
    """This person may not make this write (HTTP 403)."""

    def __init__(self, message: str = "You may not change this observation.") -> None:
        super().__init__(message)
        self.message = message
