"""The trust wall: who may see and change what of a coaching cycle.

Check-ins, notes, commitments and reflections belong to the teacher-coach pair: the cycle's
coach and the teacher (through the roster record's login). A principal of the teacher's
school sees the cycle's summary only once the teacher shared it, and never the rest.
Another coach, another teacher and a district admin see nothing (a district admin reads
content only through the audited export, service.export_content)."""

from datetime import date

from sqlmodel import Session

from server.accounts.models import Role
from server.accounts.service import Viewer
from server.coaching.models import CoachingCycle
from server.roster import service as roster_service
from server.roster.models import Teacher


def teacher_of(*, session: Session, cycle: CoachingCycle) -> Teacher:
    teacher = session.get(Teacher, cycle.teacher_id)
    assert teacher is not None
    return teacher


def is_pair_coach(*, viewer: Viewer, cycle: CoachingCycle) -> bool:
    return cycle.coach_id == viewer.id


def is_pair_teacher(*, session: Session, viewer: Viewer, cycle: CoachingCycle) -> bool:
    teacher = teacher_of(session=session, cycle=cycle)
    return teacher.user_id is not None and teacher.user_id == viewer.id


def in_pair(*, session: Session, viewer: Viewer, cycle: CoachingCycle) -> bool:
    """The cycle's coach or its teacher: the only people who see its content."""
    return is_pair_coach(viewer=viewer, cycle=cycle) or is_pair_teacher(
        session=session, viewer=viewer, cycle=cycle
    )


def sees_summary(*, session: Session, viewer: Viewer, cycle: CoachingCycle) -> bool:
    """A principal of the teacher's school, once the teacher shared the summary."""
    if cycle.shared_with_principal_at is None:
        return False
    teacher = teacher_of(session=session, cycle=cycle)
    return teacher.school_id in viewer.school_ids(Role.principal)


def in_caseload(*, session: Session, coach_id: int, teacher_id: int, on: date) -> bool:
    """Whether the teacher is in the coach's caseload on that day."""
    return any(
        entry.teacher.id == teacher_id
        for entry in roster_service.caseload(session=session, coach_id=coach_id, on=on)
    )
