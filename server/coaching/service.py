"""Coaching cycles: the one write path (apply_coaching_operation) and the pair's reads for
the pages. What sync pull sends is in pull.py.

Every read of coaching content here writes an audit event (who, what, when; docs/coaching.md).
The principal's and the district admin's reads are in reports.py.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from server.accounts.models import User
from server.accounts.service import Viewer
from server.audit import service as audit_service
from server.coaching import access, writes
from server.coaching.models import (
    CheckIn,
    CheckInReflection,
    CoachingCycle,
    Commitment,
    CommitmentStatus,
)
from server.coaching.operations import (
    AddCheckInReflection,
    CoachingOperation,
    CoachingResult,
    CreateCheckIn,
    CreateCommitment,
    CreateCycle,
    ShareSummary,
    UpdateCheckIn,
    UpdateCommitment,
    UpdateCycle,
    entity_of,
)
from server.coaching.pull import get_entity, reflections_of
from server.observations import service as observations_service
from server.observations.models import Observation
from server.observations.operations import NotFound, PermissionDenied
from server.roster.models import Teacher
from server.sync.changes import record_coaching_change

CHECK_IN_INTERVAL = timedelta(days=7)

# --- The one write path --------------------------------------------------------------------


def _apply(
    session: Session,
    actor: Viewer,
    entity_id: uuid.UUID,
    op: CoachingOperation,
    base: int | None,
) -> writes.Written:
    match op:
        case CreateCycle():
            return writes.create_cycle(session, actor, entity_id, op)
        case UpdateCycle():
            return writes.update_cycle(session, actor, entity_id, op, base)
        case ShareSummary():
            return writes.share_summary(session, actor, entity_id, op, base)
        case CreateCheckIn():
            return writes.create_check_in(session, actor, entity_id, op)
        case UpdateCheckIn():
            return writes.update_check_in(session, actor, entity_id, op, base)
        case AddCheckInReflection():
            return writes.add_reflection(session, actor, entity_id, op, base)
        case CreateCommitment():
            return writes.create_commitment(session, actor, entity_id, op)
        case UpdateCommitment():
            return writes.update_commitment(session, actor, entity_id, op, base)
    raise AssertionError(f"unhandled operation {op.kind}")


def _log_change(session: Session, entity: str, written: writes.Written) -> None:
    cycle = written.cycle
    teacher = access.teacher_of(session=session, cycle=cycle)
    shared = entity == "cycle" and (
        cycle.shared_with_principal_at is not None or "shared" in written.fields
    )
    record_coaching_change(
        session, entity=entity, entity_id=written.row.id, version=written.row.version,
        coach_id=cycle.coach_id, teacher_id=cycle.teacher_id, school_id=teacher.school_id,
        shared_with_principal=shared,
    )  # fmt: skip


def apply_coaching_operation(
    *,
    session: Session,
    actor: Viewer,
    entity_id: uuid.UUID,
    op: CoachingOperation,
    base_version: int | None = None,
    commit: bool = True,
) -> CoachingResult:
    """Apply one coaching write to the entity `entity_id` (a cycle, check-in or commitment,
    by the operation) in one transaction: all of it, or (on any error) none of it.

    base_version is the entity's version the client's copy had (None: no merge checks).
    Returns (version, changed). Raises OperationError (invalid, naming the field),
    PermissionDenied (outside the pair, or the wrong member), NotFound (no such entity),
    ConflictError (a field both sides changed since base_version). With commit=False the
    caller commits. Every accepted change also logs a sync change for pull."""
    entity = entity_of(op)
    try:
        written = _apply(session, actor, entity_id, op, base_version)
        if written.changed:
            _log_change(session, entity, written)
        if commit:
            session.commit()
        return CoachingResult(version=written.row.version, changed=written.changed)
    except IntegrityError:
        session.rollback()
        if op.kind.startswith("create_"):  # the same id created concurrently: a repeat
            written = _apply(session, actor, entity_id, op, base_version)
            return CoachingResult(version=written.row.version, changed=False)
        raise
    except BaseException:
        session.rollback()
        raise


def current_version(*, session: Session, entity: str, entity_id: uuid.UUID) -> int | None:
    """The entity's version, or None when there is no such entity."""
    row = get_entity(session=session, entity=entity, entity_id=entity_id)
    if row is None:
        return None
    session.refresh(row)
    return row.version


def record_unchanged(*, session: Session, entity: str, entity_id: uuid.UUID) -> None:
    """Log a change at the entity's current version although nothing in it changed (a
    conflict resolved by keeping the server's value: the author's devices pull the entity
    again, without the conflict). The caller commits."""
    row = get_entity(session=session, entity=entity, entity_id=entity_id)
    if row is None:
        return
    cycle = row if isinstance(row, CoachingCycle) else session.get(CoachingCycle, row.cycle_id)
    assert cycle is not None
    _log_change(session, entity, writes.Written(row=row, cycle=cycle))


# --- The pair's reads (pages) ---------------------------------------------------------------


@dataclass(frozen=True)
class CycleRow:
    cycle: CoachingCycle
    teacher: Teacher
    coach: User


def _audit_reads(session: Session, viewer: Viewer, cycles: list[CoachingCycle], via: str) -> None:
    """One "read" event per cycle read on a page, naming whose cycle it is."""
    for cycle in cycles:
        audit_service.record(
            session=session, user_id=viewer.id, action="read", entity="cycle",
            entity_id=cycle.id, detail={"via": via}, teacher_ids=[cycle.teacher_id],
        )  # fmt: skip
    if cycles:
        session.commit()


def _cycle_rows(session: Session, query: Any) -> list[CycleRow]:
    rows = session.exec(
        query.join(Teacher, col(Teacher.id) == CoachingCycle.teacher_id)
        .join(User, col(User.id) == CoachingCycle.coach_id)
        .order_by(col(CoachingCycle.start_date).desc(), col(CoachingCycle.created_at).desc())
    )
    return [CycleRow(cycle=c, teacher=t, coach=u) for c, t, u in rows]


def cycles_for_teacher(*, session: Session, viewer: Viewer) -> list[CycleRow]:
    """The signed-in teacher's cycles (of their roster record), newest first. Audited."""
    own = select(Teacher.id).where(Teacher.user_id == viewer.id)
    rows = _cycle_rows(
        session,
        select(CoachingCycle, Teacher, User).where(col(CoachingCycle.teacher_id).in_(own)),
    )
    _audit_reads(session, viewer, [r.cycle for r in rows], "cycles_for_teacher")
    return rows


def cycles_for_coach(
    *, session: Session, viewer: Viewer, teacher_id: int | None = None
) -> list[CycleRow]:
    """The signed-in coach's cycles (of one teacher, if given), newest first. Audited."""
    query = select(CoachingCycle, Teacher, User).where(CoachingCycle.coach_id == viewer.id)
    if teacher_id is not None:
        query = query.where(CoachingCycle.teacher_id == teacher_id)
    rows = _cycle_rows(session, query)
    _audit_reads(session, viewer, [r.cycle for r in rows], "cycles_for_coach")
    return rows


def get_cycle_for(*, session: Session, viewer: Viewer, cycle_id: uuid.UUID) -> CoachingCycle:
    """The cycle, for a member of its pair; writes a "read" audit event (committed).
    Raises NotFound (no such cycle) or PermissionDenied (outside the pair, a principal
    and a district admin included: they have shared_summaries and export_content)."""
    cycle = session.get(CoachingCycle, cycle_id)
    if cycle is None:
        raise NotFound(f"There is no cycle {cycle_id}.")
    if not access.in_pair(session=session, viewer=viewer, cycle=cycle):
        raise PermissionDenied("Only the teacher and the coach of this cycle can read it.")
    _audit_reads(session, viewer, [cycle], "get_cycle_for")
    return cycle


@dataclass(frozen=True)
class CheckInView:
    check_in: CheckIn
    reflections: list[CheckInReflection]
    commitments: list[Commitment]  # made at this check-in


def check_ins_of(*, session: Session, cycle: CoachingCycle) -> list[CheckInView]:
    """A cycle's check-ins, oldest first, each with its reflections and the commitments
    made at it. Take the cycle from get_cycle_for (which checks the pair and audits)."""
    check_ins = session.exec(
        select(CheckIn)
        .where(CheckIn.cycle_id == cycle.id)
        .order_by(col(CheckIn.date), col(CheckIn.created_at))
    ).all()
    commitments = commitments_of(session=session, cycle=cycle)
    return [
        CheckInView(
            check_in=c,
            reflections=reflections_of(session=session, check_in=c),
            commitments=[m for m in commitments if m.check_in_id == c.id],
        )
        for c in check_ins
    ]


def commitments_of(*, session: Session, cycle: CoachingCycle) -> list[Commitment]:
    """Every commitment of a cycle, in the order made. Take the cycle from get_cycle_for."""
    return list(
        session.exec(
            select(Commitment)
            .where(Commitment.cycle_id == cycle.id)
            .order_by(col(Commitment.created_at), col(Commitment.id))
        )
    )


def open_commitments(
    *, session: Session, cycle: CoachingCycle, before: date | None = None
) -> list[Commitment]:
    """The carry-over: open commitments made at the cycle's check-ins dated before `before`
    (every open one without it), oldest first. A check-in dated `before` shows these."""
    query = (
        select(Commitment)
        .join(CheckIn, col(CheckIn.id) == Commitment.check_in_id)
        .where(Commitment.cycle_id == cycle.id, Commitment.status == CommitmentStatus.open)
    )
    if before is not None:
        query = query.where(col(CheckIn.date) < before)
    return list(session.exec(query.order_by(col(CheckIn.date), col(Commitment.created_at))))


@dataclass(frozen=True)
class CommitmentDue:
    commitment: Commitment
    overdue: bool  # open and due before today


def _due(commitments: list[Commitment], today: date) -> list[CommitmentDue]:
    return [
        CommitmentDue(commitment=c, overdue=c.due_date is not None and c.due_date < today)
        # The coach's app (screens/week.js openCommitments) sorts the same way: it has no
        # created_at for a commitment written offline.
        for c in sorted(commitments, key=lambda c: (c.due_date or date.max, c.text))
    ]


@dataclass(frozen=True)
class TeacherOverview:
    cycles: list[CycleRow]  # newest first; each has its goal
    open_commitments: list[CommitmentDue]  # the pair's open commitments, teacher's and coach's


def teacher_overview(
    *, session: Session, viewer: Viewer, today: date | None = None
) -> TeacherOverview:
    """The teacher's side: my cycles and goals, my open commitments (overdue flagged).
    Audited (a read of each cycle)."""
    cycles = cycles_for_teacher(session=session, viewer=viewer)
    ids = [r.cycle.id for r in cycles]
    commitments = session.exec(
        select(Commitment).where(
            col(Commitment.cycle_id).in_(ids), Commitment.status == CommitmentStatus.open
        )
    ).all()
    return TeacherOverview(
        cycles=cycles, open_commitments=_due(list(commitments), today or date.today())
    )


# --- The pair's cycle page ------------------------------------------------------------------


def check_in_for(
    *, session: Session, viewer: Viewer, check_in_id: uuid.UUID
) -> tuple[CheckIn, CoachingCycle]:
    """A check-in and its cycle, for a member of the pair (through get_cycle_for: audited).
    Raises NotFound or PermissionDenied."""
    check_in = session.get(CheckIn, check_in_id)
    if check_in is None:
        raise NotFound(f"There is no check-in {check_in_id}.")
    return check_in, get_cycle_for(session=session, viewer=viewer, cycle_id=check_in.cycle_id)


def commitment_for(
    *, session: Session, viewer: Viewer, commitment_id: uuid.UUID
) -> tuple[Commitment, CoachingCycle]:
    """A commitment and its cycle, for a member of the pair (through get_cycle_for:
    audited). Raises NotFound or PermissionDenied."""
    commitment = session.get(Commitment, commitment_id)
    if commitment is None:
        raise NotFound(f"There is no commitment {commitment_id}.")
    return commitment, get_cycle_for(session=session, viewer=viewer, cycle_id=commitment.cycle_id)


@dataclass(frozen=True)
class LinkedObservation:
    """The observation a check-in links to, as the viewer may see it."""

    id: uuid.UUID
    observed_at: datetime
    viewable: bool  # the coach who wrote it; the teacher once it was shared with them


def linked_observations(
    *, session: Session, viewer: Viewer, check_ins: list[CheckIn]
) -> dict[uuid.UUID, LinkedObservation]:
    """{check-in id: its linked observation} for the check-ins that link one. Whether the
    viewer may open it follows the observation's own rules (observations.service.can_view)."""
    out = {}
    for check_in in check_ins:
        if check_in.observation_id is None:
            continue
        obs = session.get(Observation, check_in.observation_id)
        if obs is None:
            continue
        out[check_in.id] = LinkedObservation(
            id=obs.id,
            observed_at=obs.observed_at,
            viewable=observations_service.can_view(session=session, viewer=viewer, observation=obs),
        )
    return out
