"""Who may give which access: the one place that decides it (docs/coaching.md, "Who may
change access"). Each check returns the problem as a sentence, or None; the caller raises
its own domain's error, naming its own field.

- Nobody gives themselves a role or a coaching assignment.
- District admins give every role; a principal only the teacher role, at a school they lead.
  A principal never grants the coach role; they may assign their school's coaches to its
  teachers, never themselves.
- Nobody is principal and coach at one school, and a coach is never assigned a teacher at a
  school they lead: the person who leads a school would otherwise read its teachers' coaching,
  and coaching would stop being safe for them.
"""

from datetime import date

from sqlmodel import Session, col, or_, select

from server.accounts.models import Membership, Role
from server.roster.models import CoachAssignment, Teacher

# The roles a principal may give or take away, at a school they lead.
PRINCIPAL_GRANTABLE = (Role.teacher,)


def grantable_roles(*, district_admin: bool) -> list[Role]:
    return list(Role) if district_admin else list(PRINCIPAL_GRANTABLE)


def _holds(session: Session, user_id: int, role: Role, school_id: int) -> bool:
    found = session.exec(
        select(Membership.id).where(
            Membership.user_id == user_id,
            Membership.role == role,
            Membership.school_id == school_id,
        )
    ).first()
    return found is not None


def _coaches_at(session: Session, coach_id: int, school_id: int, today: date) -> bool:
    """Whether the coach has an assignment, current or to come, with a teacher of the school."""
    found = session.exec(
        select(CoachAssignment.id)
        .join(Teacher, col(Teacher.id) == CoachAssignment.teacher_id)
        .where(
            CoachAssignment.coach_id == coach_id,
            Teacher.school_id == school_id,
            or_(col(CoachAssignment.end_date).is_(None), col(CoachAssignment.end_date) >= today),
        )
    ).first()
    return found is not None


def role_grant_problem(
    *,
    session: Session,
    actor_id: int | None,
    user_id: int,
    role: Role,
    school_id: int | None,
    today: date,
) -> str | None:
    """Why `actor_id` (None: the command line) may not give `user_id` this role, or None."""
    if actor_id is not None and actor_id == user_id:
        return "you cannot give yourself a role: ask another district admin"
    if school_id is None:
        return None
    if role == Role.coach and _holds(session, user_id, Role.principal, school_id):
        return "a principal cannot also coach at the school they lead"
    if role == Role.principal:
        if _holds(session, user_id, Role.coach, school_id):
            return "a coach at this school cannot also be its principal"
        if _coaches_at(session, user_id, school_id, today):
            return "this person coaches teachers at this school: end those assignments first"
    return None


def assignment_problem(
    *, session: Session, actor_id: int | None, coach_id: int, teacher: Teacher
) -> str | None:
    """Why this coach may not be assigned this teacher by `actor_id`, or None."""
    if actor_id is not None and actor_id == coach_id:
        return "you cannot assign yourself as a coach: ask another district admin"
    if _holds(session, coach_id, Role.principal, teacher.school_id):
        return "this coach is a principal of the teacher's school and cannot coach its teachers"
    return None
