"""A small school for the observation tests: a coach with a teacher (who has a login) in
their caseload, another coach, the school's principal, another principal, a district admin,
and the two test rubrics registered."""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session

from server.accounts import service as accounts_service
from server.accounts.models import Role, User
from server.accounts.service import Viewer
from server.config import Settings
from server.observations import operations as ops
from server.observations import service
from server.observations.models import ObservationCreate
from server.roster import service as roster_service
from server.roster.models import Teacher
from server.rubrics.models import RubricVersion
from tests.factories import (
    create_assignment,
    create_district,
    create_rubric_version,
    create_school,
    create_school_year,
    create_teacher,
    create_user,
)


@dataclass
class School:
    session: Session
    coach: User
    other_coach: User
    teacher_user: User
    teacher: Teacher
    unassigned_teacher: Teacher
    principal: User
    other_principal: User
    admin: User
    talk: RubricVersion
    practices: RubricVersion

    def viewer(self, user: User) -> Viewer:
        return accounts_service.load_viewer(session=self.session, user=user)

    def apply(self, op: ops.Operation, user: User | None = None) -> ops.OperationResult:
        return service.apply_operation(
            session=self.session, actor=self.viewer(user or self.coach), op=op
        )

    def create(
        self, rubrics: list[RubricVersion] | None = None, teacher: Teacher | None = None
    ) -> uuid.UUID:
        oid = uuid.uuid4()
        data = ObservationCreate(
            observed_at=datetime.now(UTC),
            grade="4",
            course_unit="Fractions",
            teacher_id=(teacher or self.teacher).id,  # type: ignore[arg-type]
            rubric_version_ids=[r.id for r in (rubrics or [self.talk])],  # type: ignore[misc]
        )
        self.apply(ops.CreateObservation(observation_id=oid, data=data))
        return oid

    def score(
        self,
        oid: uuid.UUID,
        dim: str,
        value: int | None = None,
        *,
        rubric: RubricVersion | None = None,
        user: User | None = None,
        item_id: str = "",
        not_observed: bool = False,
        base_version: int | None = None,
    ) -> ops.OperationResult:
        op = ops.SetScore(
            observation_id=oid,
            rubric_version_id=(rubric or self.talk).id,  # type: ignore[arg-type]
            dimension_id=dim,
            item_id=item_id,
            value=value,
            not_observed=not_observed,
            base_version=base_version,
        )
        return self.apply(op, user)

    def score_all_talk(self, oid: uuid.UUID) -> None:
        for dim, value in (("participation", 3), ("press", 2), ("goal-posted", 1)):
            self.score(oid, dim, value)


def this_school_year_start() -> int:
    today = date.today()
    return today.year if today.month >= 8 else today.year - 1


@pytest.fixture
def school(session: Session, settings: Settings) -> School:
    district = create_district(session)
    home = create_school(session, district, name="Home Elementary")
    other = create_school(session, district, name="Other Elementary")
    year = create_school_year(session, district, start_year=this_school_year_start())
    coach = create_user(session, settings, role=Role.coach, school=home, email="coach@example.org")
    other_coach = create_user(
        session, settings, role=Role.coach, school=home, email="coach2@example.org"
    )
    teacher_user = create_user(
        session, settings, role=Role.teacher, school=home, email="teacher@example.org",
        name="Tess Teacher",
    )  # fmt: skip
    teacher = roster_service.teacher_for_user(session=session, user_id=teacher_user.id)  # type: ignore[arg-type]
    assert teacher is not None
    unassigned = create_teacher(session, home, name="Una Assigned")
    create_assignment(session, coach, teacher, year)
    create_assignment(session, other_coach, unassigned, year)
    principal = create_user(
        session, settings, role=Role.principal, school=home, email="principal@example.org"
    )
    other_principal = create_user(
        session, settings, role=Role.principal, school=other, email="principal2@example.org"
    )
    admin = create_user(
        session, settings, role=Role.district_admin, district=district, email="admin@example.org"
    )
    talk = create_rubric_version(session, "talk")
    practices = create_rubric_version(session, "practices")
    session.commit()
    return School(
        session=session, coach=coach, other_coach=other_coach, teacher_user=teacher_user,
        teacher=teacher, unassigned_teacher=unassigned, principal=principal,
        other_principal=other_principal, admin=admin, talk=talk, practices=practices,
    )  # fmt: skip
