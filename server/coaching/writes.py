"""The coaching writes, one handler per operation: look up and authorize, validate every
rule (errors name the field), then change through `Merge` (the field-level merge).

`service.apply_coaching_operation` picks the handler, logs the change and owns the
transaction. Every accepted change bumps the entity's version once and records, per field,
the version at which it changed (`field_versions`)."""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from sqlmodel import Session, select

from server.accounts.service import Viewer
from server.coaching import access
from server.coaching.focus import focus_label
from server.coaching.models import (
    CHECK_IN_TEXT_FIELDS,
    DEFAULT_CYCLE_DAYS,
    TEACHER_CYCLE_FIELDS,
    CheckIn,
    CheckInReflection,
    CoachingCycle,
    Commitment,
    CommitmentStatus,
)
from server.coaching.operations import (
    AddCheckInReflection,
    CreateCheckIn,
    CreateCommitment,
    CreateCycle,
    ShareSummary,
    UpdateCheckIn,
    UpdateCommitment,
    UpdateCycle,
)
from server.db import utcnow
from server.observations.merge import jsonable
from server.observations.models import Observation
from server.observations.operations import (
    ConflictError,
    NotFound,
    OperationError,
    PermissionDenied,
)
from server.roster.models import Teacher

Row = CoachingCycle | CheckIn | Commitment
T = TypeVar("T", CoachingCycle, CheckIn, Commitment)
NAMES = {CoachingCycle: "cycle", CheckIn: "check-in", Commitment: "commitment"}


def json_value(value: Any) -> Any:
    """Values as the merge compares them and conflicts store them (dates as ISO 8601)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    return jsonable(value)


@dataclass
class Written:
    """What a write did: the entity, its cycle (for the change log), the fields changed."""

    row: Row
    cycle: CoachingCycle
    fields: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.fields)


class Merge:
    """The changes one operation makes to one entity, with the field-level merge: a stale
    base version merges per field; a field changed on the server since the base whose value
    differs from the client's is a conflict (ConflictError naming the field)."""

    def __init__(self, row: Row, cycle: CoachingCycle, base: int | None) -> None:
        self.row, self.cycle, self.base = row, cycle, base
        self.at = utcnow()
        self.fields: list[str] = []
        if base is not None and base > row.version:
            raise OperationError(
                "base_version",
                f"{base} is newer than the {NAMES[type(row)]}'s version {row.version}",
            )

    def accepts(self, name: str, new: Any, current: Any) -> bool:
        new, current = json_value(new), json_value(current)
        if new == current:
            return False
        if self.base is None or self.base >= self.row.version:
            return True
        changed_at = int(self.row.field_versions.get(name, 0))
        if changed_at > self.base:
            raise ConflictError(
                name,
                f"was changed at version {changed_at} after your version {self.base}; "
                "reload to see the current value and choose",
                current=current,
            )
        return True

    def set(self, name: str, new: Any) -> None:
        """Apply an accepted field (a reflection is stored by the caller: name only)."""
        if hasattr(self.row, name):
            setattr(self.row, name, new)
        self.fields.append(name)

    def update(self, given: dict[str, Any]) -> None:
        for name, new in given.items():
            if self.accepts(name, new, getattr(self.row, name)):
                self.set(name, new)

    def finish(self, session: Session) -> Written:
        row = self.row
        if self.fields:
            row.version += 1
            versions = dict(row.field_versions)
            for name in self.fields:
                versions[name] = row.version
            row.field_versions = versions  # a new dict: JSON columns track assignment
            row.updated_at = self.at
            session.add(row)
            session.flush()
        return Written(row=row, cycle=self.cycle, fields=list(self.fields))


def _lock(session: Session, model: type[T], entity_id: uuid.UUID) -> T:
    row = session.exec(select(model).where(model.id == entity_id).with_for_update()).first()
    if row is None:
        raise NotFound(f"There is no {NAMES[model]} {entity_id}.")
    return row


def _cycle(session: Session, cycle_id: uuid.UUID, field_name: str = "cycle_id") -> CoachingCycle:
    cycle = session.get(CoachingCycle, cycle_id)
    if cycle is None:
        raise OperationError(field_name, f"there is no cycle {cycle_id}")
    return cycle


def _require(given: dict[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        if name in given and given[name] is None:
            raise OperationError(name, "this is required")


def _blank_is_empty(given: dict[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        if name in given and given[name] is None:
            given[name] = ""


def _check_caseload(
    session: Session, actor: Viewer, cycle: CoachingCycle, on: date, field_name: str
) -> None:
    teacher = access.teacher_of(session=session, cycle=cycle)
    assert teacher.id is not None
    if not access.in_caseload(session=session, coach_id=actor.id, teacher_id=teacher.id, on=on):
        raise OperationError(
            field_name, f"{teacher.name} is not in your caseload on {on:%a %-d %b %Y}"
        )


def _check_observation(
    session: Session, actor: Viewer, cycle: CoachingCycle, observation_id: uuid.UUID | None
) -> None:
    if observation_id is None:
        return
    obs = session.get(Observation, observation_id)
    if obs is None or obs.observer_id != actor.id or obs.teacher_id != cycle.teacher_id:
        raise OperationError(
            "observation_id", "choose one of your own observations of this cycle's teacher"
        )


def _check_dates(start: date, end: date, given: dict[str, Any]) -> None:
    if end < start:
        if "end_date" in given or "start_date" not in given:
            raise OperationError("end_date", "must be on or after start_date")
        raise OperationError("start_date", "must be on or before end_date")


# --- Cycle -------------------------------------------------------------------------------


def create_cycle(session: Session, actor: Viewer, entity_id: uuid.UUID, op: CreateCycle) -> Written:
    existing = session.get(CoachingCycle, entity_id)
    if existing is not None:
        if existing.coach_id != actor.id:
            raise PermissionDenied("id: is already used by someone else.")
        return Written(row=existing, cycle=existing)
    data = op.data
    teacher = session.get(Teacher, data.teacher_id)
    if teacher is None:
        raise OperationError("teacher_id", f"there is no teacher {data.teacher_id}")
    on = data.start_date
    if not access.in_caseload(
        session=session, coach_id=actor.id, teacher_id=data.teacher_id, on=on
    ):
        raise OperationError(
            "teacher_id", f"{teacher.name} is not in your caseload on {on:%a %-d %b %Y}"
        )
    end = data.end_date or data.start_date + timedelta(days=DEFAULT_CYCLE_DAYS)
    _check_dates(data.start_date, end, {"end_date": end})
    label = focus_label(
        session=session, rubric_id=data.focus_rubric_id, dimension_id=data.focus_dimension_id
    )
    cycle = CoachingCycle(
        id=entity_id, coach_id=actor.id, focus_label=label, end_date=end,
        **data.model_dump(exclude={"end_date"}),
    )  # fmt: skip
    session.add(cycle)
    session.flush()
    return Written(row=cycle, cycle=cycle, fields=["created"])


def update_cycle(
    session: Session, actor: Viewer, entity_id: uuid.UUID, op: UpdateCycle, base: int | None
) -> Written:
    cycle = _lock(session, CoachingCycle, entity_id)
    given = op.data.model_dump(exclude_unset=True)
    if not access.is_pair_coach(viewer=actor, cycle=cycle):
        if not access.is_pair_teacher(session=session, viewer=actor, cycle=cycle):
            raise PermissionDenied("Only the teacher and the coach of this cycle can change it.")
        for name in given:
            if name not in TEACHER_CYCLE_FIELDS:
                raise PermissionDenied(f"Only the coach of this cycle can change its {name}.")
    _require(given, ("goal", "start_date", "end_date", "status"))
    _require(given, ("focus_rubric_id", "focus_dimension_id"))
    _blank_is_empty(given, ("evidence_plan", "summary_progress"))
    if "goal" in given and not given["goal"]:
        raise OperationError("goal", "write it out: it may not be blank")
    start = given.get("start_date", cycle.start_date)
    end = given.get("end_date", cycle.end_date)
    _check_dates(start, end, given)
    label = cycle.focus_label
    if "focus_rubric_id" in given or "focus_dimension_id" in given:
        label = focus_label(
            session=session,
            rubric_id=given.get("focus_rubric_id", cycle.focus_rubric_id),
            dimension_id=given.get("focus_dimension_id", cycle.focus_dimension_id),
        )
    merge = Merge(cycle, cycle, base)
    merge.update(given)
    if merge.fields:
        cycle.focus_label = label
    return merge.finish(session)


def share_summary(
    session: Session, actor: Viewer, entity_id: uuid.UUID, op: ShareSummary, base: int | None
) -> Written:
    cycle = _lock(session, CoachingCycle, entity_id)
    if not access.is_pair_teacher(session=session, viewer=actor, cycle=cycle):
        raise PermissionDenied("Only the teacher of this cycle can share its summary.")
    merge = Merge(cycle, cycle, base)
    if merge.accepts("shared", op.shared, cycle.shared_with_principal_at is not None):
        merge.set("shared", None)
        cycle.shared_with_principal_at = merge.at if op.shared else None
    return merge.finish(session)


# --- Check-in ----------------------------------------------------------------------------


def _pair_coach_only(actor: Viewer, cycle: CoachingCycle, what: str) -> None:
    if not access.is_pair_coach(viewer=actor, cycle=cycle):
        raise PermissionDenied(f"Only the coach of this cycle can {what}.")


_Child = TypeVar("_Child", CheckIn, Commitment)


def _repeated_create(
    session: Session, actor: Viewer, model: type[_Child], entity_id: uuid.UUID
) -> Written | None:
    """A create of a check-in or commitment that exists already: the same author's repeat
    (nothing to write), or someone else's id (refused); None when it is new."""
    existing = session.get(model, entity_id)
    if existing is None:
        return None
    if existing.created_by != actor.id:
        raise PermissionDenied("id: is already used by someone else.")
    return Written(row=existing, cycle=_cycle(session, existing.cycle_id))


def create_check_in(
    session: Session, actor: Viewer, entity_id: uuid.UUID, op: CreateCheckIn
) -> Written:
    repeat = _repeated_create(session, actor, CheckIn, entity_id)
    if repeat is not None:
        return repeat
    data = op.data
    cycle = _cycle(session, data.cycle_id)
    _pair_coach_only(actor, cycle, "add a check-in")
    _check_caseload(session, actor, cycle, data.date, "date")
    _check_observation(session, actor, cycle, data.observation_id)
    row = CheckIn(id=entity_id, created_by=actor.id, **data.model_dump())
    session.add(row)
    session.flush()
    return Written(row=row, cycle=cycle, fields=["created"])


def update_check_in(
    session: Session, actor: Viewer, entity_id: uuid.UUID, op: UpdateCheckIn, base: int | None
) -> Written:
    row = _lock(session, CheckIn, entity_id)
    cycle = _cycle(session, row.cycle_id)
    _pair_coach_only(actor, cycle, "change its check-ins")
    given = op.data.model_dump(exclude_unset=True)
    _require(given, ("date", "kind"))
    _blank_is_empty(given, CHECK_IN_TEXT_FIELDS)
    if "date" in given and given["date"] != row.date:
        _check_caseload(session, actor, cycle, given["date"], "date")
    if given.get("observation_id") is not None:
        _check_observation(session, actor, cycle, given["observation_id"])
    merge = Merge(row, cycle, base)
    merge.update(given)
    return merge.finish(session)


def add_reflection(
    session: Session,
    actor: Viewer,
    entity_id: uuid.UUID,
    op: AddCheckInReflection,
    base: int | None,
) -> Written:
    row = _lock(session, CheckIn, entity_id)
    cycle = _cycle(session, row.cycle_id)
    if not access.is_pair_teacher(session=session, viewer=actor, cycle=cycle):
        raise PermissionDenied("Only the teacher of this cycle can reflect on its check-ins.")
    reflection = session.exec(
        select(CheckInReflection).where(
            CheckInReflection.check_in_id == row.id, CheckInReflection.author_id == actor.id
        )
    ).first()
    merge = Merge(row, cycle, base)
    name = reflection_field(actor.id)
    if merge.accepts(name, op.text, reflection.text if reflection else None):
        merge.set(name, None)
        if reflection is None:
            reflection = CheckInReflection(check_in_id=row.id, author_id=actor.id, text=op.text)
        reflection.text, reflection.updated_at = op.text, merge.at
        session.add(reflection)
    return merge.finish(session)


def reflection_field(author_id: int) -> str:
    """The merge's (and a conflict's) name for one author's reflection on a check-in."""
    return f"reflection {author_id}"


# --- Commitment --------------------------------------------------------------------------


def create_commitment(
    session: Session, actor: Viewer, entity_id: uuid.UUID, op: CreateCommitment
) -> Written:
    repeat = _repeated_create(session, actor, Commitment, entity_id)
    if repeat is not None:
        return repeat
    data = op.data
    cycle = _cycle(session, data.cycle_id)
    _pair_coach_only(actor, cycle, "add a commitment")
    check_in = session.get(CheckIn, data.check_in_id)
    if check_in is None or check_in.cycle_id != cycle.id:
        raise OperationError("check_in_id", f"{data.check_in_id} is not a check-in of this cycle")
    row = Commitment(id=entity_id, created_by=actor.id, **data.model_dump())
    if row.status == CommitmentStatus.done:
        row.completed_at = utcnow()
    session.add(row)
    session.flush()
    return Written(row=row, cycle=cycle, fields=["created"])


def update_commitment(
    session: Session, actor: Viewer, entity_id: uuid.UUID, op: UpdateCommitment, base: int | None
) -> Written:
    row = _lock(session, Commitment, entity_id)
    cycle = _cycle(session, row.cycle_id)
    if not access.in_pair(session=session, viewer=actor, cycle=cycle):
        raise PermissionDenied("Only the teacher and the coach of this cycle can change it.")
    given = op.data.model_dump(exclude_unset=True)
    if "owner" in given and given["owner"] is None:
        raise OperationError("owner", "a commitment needs an owner: 'teacher' or 'coach'")
    _require(given, ("text", "status"))
    merge = Merge(row, cycle, base)
    was = row.status
    merge.update(given)
    if row.status != was:
        row.completed_at = merge.at if row.status == CommitmentStatus.done else None
    return merge.finish(session)
