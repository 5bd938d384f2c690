"""The observation tests' small school (a coach with a teacher who has a login, another
coach with another teacher, principals, a district admin, the test rubrics), plus helpers
to write coaching operations as a payload, the way a page or the sync endpoint does."""

import uuid
from datetime import date
from typing import Any

from sqlmodel import Session, select

from server.accounts.models import User
from server.coaching import service as coaching_service
from server.coaching.models import CheckIn, CoachingCycle, Commitment
from server.coaching.operations import CoachingResult, parse_operation
from server.sync.models import SyncChange
from tests.observations.conftest import School, school

__all__ = ["School", "count", "cycle_payload", "school", "write"]

FOCUS = {"focus_rubric_id": "test-talk", "focus_dimension_id": "participation"}


def write(
    school: School,
    user: User,
    entity: str,
    entity_id: uuid.UUID,
    payload: dict[str, Any],
    base_version: int | None = None,
) -> CoachingResult:
    """Parse the payload ({"op": ..., ...}) for the entity and apply it as `user`."""
    op = parse_operation(entity, payload)
    return coaching_service.apply_coaching_operation(
        session=school.session, actor=school.viewer(user), entity_id=entity_id, op=op,
        base_version=base_version,
    )  # fmt: skip


def cycle_payload(school: School, **overrides: Any) -> dict[str, Any]:
    return {
        "op": "create_cycle",
        "data": {
            "teacher_id": school.teacher.id, **FOCUS,
            "goal": "80% of students justify a comparison of fractions",
            "evidence_plan": "Exit tickets each Friday", "start_date": date.today().isoformat(),
            **overrides,
        },
    }  # fmt: skip


def count(session: Session) -> dict[str, int]:
    """How many coaching rows and change-log rows there are (nothing partly saved)."""
    session.expire_all()
    return {
        "cycles": len(session.exec(select(CoachingCycle)).all()),
        "check_ins": len(session.exec(select(CheckIn)).all()),
        "commitments": len(session.exec(select(Commitment)).all()),
        "changes": len(session.exec(select(SyncChange)).all()),
    }
