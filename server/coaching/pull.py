"""What sync pull sends of a coaching entity, as each person may see it (the trust wall of
access.py): the pair all of it, a principal a shared cycle's summary, anyone else nothing.
The pull audits what it sent as one "sync_read" event per pull (server/sync/pull.py)."""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from server.accounts.service import Viewer
from server.coaching import access, writes
from server.coaching.models import CheckIn, CheckInReflection, CoachingCycle, Commitment

Entity = CoachingCycle | CheckIn | Commitment


def get_entity(*, session: Session, entity: str, entity_id: uuid.UUID) -> Entity | None:
    """The cycle, check-in or commitment (by entity name) with this id, or None."""
    row: Entity | None = None
    match entity:
        case "cycle":
            row = session.get(CoachingCycle, entity_id)
        case "check_in":
            row = session.get(CheckIn, entity_id)
        case "commitment":
            row = session.get(Commitment, entity_id)
    return row


def _iso(value: Any) -> Any:
    return writes.json_value(value)


def cycle_data(cycle: CoachingCycle) -> dict[str, Any]:
    """A cycle as the pair sees it (everything)."""
    return {
        "teacher_id": cycle.teacher_id,
        "coach_id": cycle.coach_id,
        "focus_rubric_id": cycle.focus_rubric_id,
        "focus_dimension_id": cycle.focus_dimension_id,
        "focus_label": cycle.focus_label,
        "goal": cycle.goal,
        "evidence_plan": cycle.evidence_plan,
        "start_date": _iso(cycle.start_date),
        "end_date": _iso(cycle.end_date),
        "status": _iso(cycle.status),
        "shared_with_principal_at": _iso(cycle.shared_with_principal_at),
        "summary_progress": cycle.summary_progress,
        "created_at": _iso(cycle.created_at),
        "updated_at": _iso(cycle.updated_at),
    }


def summary_data(cycle: CoachingCycle) -> dict[str, Any]:
    """A shared cycle as the principal sees it: the summary, never the notes."""
    return {
        "teacher_id": cycle.teacher_id,
        "focus_label": cycle.focus_label,
        "goal": cycle.goal,
        "summary_progress": cycle.summary_progress,
        "status": _iso(cycle.status),
        "start_date": _iso(cycle.start_date),
        "end_date": _iso(cycle.end_date),
    }


def reflections_of(*, session: Session, check_in: CheckIn) -> list[CheckInReflection]:
    return list(
        session.exec(
            select(CheckInReflection)
            .where(CheckInReflection.check_in_id == check_in.id)
            .order_by(col(CheckInReflection.id))
        )
    )


def check_in_data(*, session: Session, check_in: CheckIn) -> dict[str, Any]:
    """A check-in as the pair sees it, with the reflections on it."""
    return {
        "cycle_id": str(check_in.cycle_id),
        "date": _iso(check_in.date),
        "kind": _iso(check_in.kind),
        "evidence_examined": check_in.evidence_examined,
        "noticed": check_in.noticed,
        "will_try": check_in.will_try,
        "look_for_next": check_in.look_for_next,
        "notes": check_in.notes,
        "student_work": check_in.student_work,
        "observation_id": _iso(check_in.observation_id),
        "created_by": check_in.created_by,
        "created_at": _iso(check_in.created_at),
        "updated_at": _iso(check_in.updated_at),
        "reflections": [
            {"author_id": r.author_id, "text": r.text, "updated_at": _iso(r.updated_at)}
            for r in reflections_of(session=session, check_in=check_in)
        ],
    }


def commitment_data(commitment: Commitment) -> dict[str, Any]:
    return {
        "cycle_id": str(commitment.cycle_id),
        "check_in_id": str(commitment.check_in_id),
        "text": commitment.text,
        "owner": _iso(commitment.owner),
        "due_date": _iso(commitment.due_date),
        "status": _iso(commitment.status),
        "completed_at": _iso(commitment.completed_at),
        "created_by": commitment.created_by,
        "created_at": _iso(commitment.created_at),
        "updated_at": _iso(commitment.updated_at),
    }


@dataclass(frozen=True)
class SyncView:
    version: int
    data: dict[str, Any]
    in_pair: bool  # the full copy (a pair member), not a principal's summary
    teacher_id: int  # whose record it is (the cycle's teacher), for the pull's audit event


def sync_view(
    *, session: Session, viewer: Viewer, entity: str, entity_id: uuid.UUID
) -> SyncView | None:
    """The entity's current state as this person may see it, or None (not visible: a
    tombstone). The pair gets everything; a principal of the school only a shared cycle's
    summary; anyone else nothing. The caller audits what it sends."""
    row = get_entity(session=session, entity=entity, entity_id=entity_id)
    if row is None:
        return None
    session.refresh(row)
    cycle = row if isinstance(row, CoachingCycle) else session.get(CoachingCycle, row.cycle_id)
    assert cycle is not None
    if cycle is not row:
        session.refresh(cycle)
    if access.in_pair(session=session, viewer=viewer, cycle=cycle):
        if isinstance(row, CoachingCycle):
            data = cycle_data(row)
        elif isinstance(row, CheckIn):
            data = check_in_data(session=session, check_in=row)
        else:
            data = commitment_data(row)
        return SyncView(version=row.version, data=data, in_pair=True, teacher_id=cycle.teacher_id)
    if isinstance(row, CoachingCycle) and access.sees_summary(
        session=session, viewer=viewer, cycle=row
    ):
        return SyncView(
            version=row.version, data=summary_data(row), in_pair=False,
            teacher_id=cycle.teacher_id,
        )  # fmt: skip
    return None
