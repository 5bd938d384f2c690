"""Who sees a teacher's growth page, and the teacher's choice to share it."""

from datetime import date, datetime

from sqlalchemy import select
from sqlmodel import Session, col

from server.accounts.models import Role
from server.accounts.service import Viewer
from server.coaching import access as coaching_access
from server.db import utcnow
from server.growth.models import GrowthShare
from server.roster.models import Teacher

# --- Who sees a teacher's growth page ----------------------------------------------------------


def growth_shared_at(*, session: Session, teacher_id: int) -> datetime | None:
    row = session.get(GrowthShare, teacher_id)
    return row.shared_at if row else None


def growth_access(*, session: Session, viewer: Viewer, teacher: Teacher, today: date) -> str | None:
    """ "teacher" (their own page), "coach" (in the coach's caseload today), "principal" (of
    the teacher's school, once the teacher shared the page), or None."""
    assert teacher.id is not None
    if teacher.user_id is not None and teacher.user_id == viewer.id:
        return "teacher"
    if viewer.has_role(Role.coach) and coaching_access.in_caseload(
        session=session, coach_id=viewer.id, teacher_id=teacher.id, on=today
    ):
        return "coach"
    if teacher.school_id in viewer.school_ids(Role.principal) and growth_shared_at(
        session=session, teacher_id=teacher.id
    ):
        return "principal"
    return None


def set_growth_shared(*, session: Session, viewer: Viewer, teacher: Teacher, shared: bool) -> None:
    """The teacher's own choice (PermissionError for anyone else); commits."""
    if teacher.user_id is None or teacher.user_id != viewer.id:
        raise PermissionError("Only the teacher can choose whether to share their growth page.")
    row = session.get(GrowthShare, teacher.id)
    if shared and row is None:
        assert teacher.id is not None
        session.add(GrowthShare(teacher_id=teacher.id, shared_by=viewer.id, shared_at=utcnow()))
    elif not shared and row is not None:
        session.delete(row)
    session.commit()


def shared_growth_teachers(*, session: Session, school_id: int) -> list[Teacher]:
    """The school's teachers who share their growth page with the principal, by name."""
    return list(
        session.execute(
            select(Teacher)
            .join(GrowthShare, GrowthShare.teacher_id == Teacher.id)  # type: ignore[arg-type]
            .where(col(Teacher.school_id) == school_id)
            .order_by(col(Teacher.name))
        ).scalars()
    )
