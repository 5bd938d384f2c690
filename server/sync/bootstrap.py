"""What a tablet needs to work offline for one person (GET /api/sync/bootstrap): who they
are, where their home page is, a coach's caseload, the rubric versions to score and read
with, the grade choices of the new-observation form, and the choices of the coaching
forms (check-in kinds, focus practices, commitment owners). docs/sync.md."""

from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, or_, select

from server.accounts.models import Role
from server.accounts.routes import home_path
from server.accounts.service import Viewer
from server.coaching.focus import focus_options
from server.coaching.models import CheckInKind, CoachingCycle, CommitmentOwner
from server.db import utcnow
from server.observations import co_observation
from server.observations.models import Observation, ObservationRubric
from server.observations.views import GRADES
from server.roster import service as roster_service
from server.roster.models import School, Teacher
from server.rubrics import service as rubrics_service
from server.rubrics.models import RubricVersion


class BootstrapUser(BaseModel):
    id: int
    name: str


class CaseloadTeacher(BaseModel):
    teacher_id: int
    name: str
    school: str
    school_id: int
    cohort: str | None  # the cohort's school year name
    since: date  # the coach's assignment with the teacher began
    until: date | None = None  # ... and ends (None: open-ended)


class KnownTeacher(BaseModel):
    """A teacher the coach observed or coached before, no longer in the caseload: named on
    the coach's screens that still list them (their past observations and cycles)."""

    teacher_id: int
    name: str
    school: str


class BootstrapRubric(BaseModel):
    rubric_version_id: int
    rubric_id: str
    version: str
    title: str
    content: dict[str, Any]  # RubricVersion.content as stored
    current: bool  # offered for a new observation (older versions are for reading)


class CheckInKindOut(BaseModel):
    id: str
    label: str


class FocusOptionOut(BaseModel):
    rubric_id: str
    dimension_id: str
    label: str
    group: str  # the rubric's title


class BootstrapOut(BaseModel):
    user: BootstrapUser
    home: str
    server_time: str
    caseload: list[CaseloadTeacher]
    known_teachers: list[KnownTeacher]
    rubrics: list[BootstrapRubric]
    grades: list[str]
    check_in_kinds: list[CheckInKindOut]
    focus_options: list[FocusOptionOut]  # the NCTM practices first
    commitment_owners: list[str]
    co_observers: list[BootstrapUser]  # whom a coach may invite to co-observe a lesson
    # False for a district specialist: they score only lessons they were invited to.
    starts_observations: bool


def caseload(*, session: Session, actor: Viewer, on: date) -> list[CaseloadTeacher]:
    """A coach's caseload on `on` (what /caseload lists); empty for anyone else."""
    if not actor.has_role(Role.coach):
        return []
    out = []
    for entry in roster_service.caseload(session=session, coach_id=actor.id, on=on):
        assert entry.teacher.id is not None and entry.school.id is not None
        out.append(
            CaseloadTeacher(
                teacher_id=entry.teacher.id,
                name=entry.teacher.name,
                school=entry.school.name,
                school_id=entry.school.id,
                cohort=entry.cohort.name if entry.cohort else None,
                since=entry.assignment.start_date,
                until=entry.assignment.end_date,
            )
        )
    return out


def co_observers(*, session: Session, actor: Viewer) -> list[BootstrapUser]:
    """The other coaches of a coach's districts: whom they may invite to co-observe."""
    if not actor.has_role(Role.coach):
        return []
    seen: dict[int, BootstrapUser] = {}
    for district_id in sorted(actor.district_ids(Role.coach)):
        for user in co_observation.invitable(
            session=session, district_id=district_id, exclude=actor.id
        ):
            assert user.id is not None
            seen.setdefault(user.id, BootstrapUser(id=user.id, name=user.name))
    return sorted(seen.values(), key=lambda u: u.name)


def known_teachers(*, session: Session, actor: Viewer, exclude: set[int]) -> list[KnownTeacher]:
    """Teachers of the coach's own observations and cycles, other than `exclude`."""
    if not actor.has_role(Role.coach):
        return []
    observed = select(Observation.teacher_id).where(Observation.observer_id == actor.id)
    coached = select(CoachingCycle.teacher_id).where(CoachingCycle.coach_id == actor.id)
    rows = session.exec(
        select(Teacher, School)
        .join(School, col(School.id) == Teacher.school_id)
        .where(or_(col(Teacher.id).in_(observed), col(Teacher.id).in_(coached)))
        .order_by(Teacher.name)
    ).all()
    return [
        KnownTeacher(teacher_id=t.id, name=t.name, school=school.name)
        for t, school in rows
        if t.id is not None and t.id not in exclude
    ]


def _visible_observations(actor: Viewer) -> Any:
    """Observation ids this person may read (observations_service.can_view, as a query)."""
    own_records = select(Teacher.id).where(Teacher.user_id == actor.id)
    conditions = [
        col(Observation.observer_id) == actor.id,
        col(Observation.shared_with_teacher_at).is_not(None)
        & col(Observation.teacher_id).in_(own_records),
    ]
    schools = actor.school_ids(Role.principal)
    if schools:
        of_schools = select(Teacher.id).where(col(Teacher.school_id).in_(schools))
        conditions.append(
            col(Observation.shared_with_principal_at).is_not(None)
            & col(Observation.teacher_id).in_(of_schools)
        )
    return select(Observation.id).where(or_(*conditions))


def rubric_versions(*, session: Session, actor: Viewer) -> list[RubricVersion]:
    """The current version of each rubric (what a new observation is scored with), then any
    other version used by an observation this person may read (their own observations, and
    those shared with them), oldest rubric id and version first."""
    current = rubrics_service.list_current(session=session)
    seen = {v.id for v in current}
    used_ids = select(ObservationRubric.rubric_version_id).where(
        col(ObservationRubric.observation_id).in_(_visible_observations(actor))
    )
    used = session.exec(
        select(RubricVersion).where(
            col(RubricVersion.id).in_(used_ids), col(RubricVersion.id).not_in(seen)
        )
    ).all()
    older = sorted(used, key=lambda v: (v.rubric_id, rubrics_service.version_key(v.version)))
    return [*current, *older]


def bootstrap(*, session: Session, actor: Viewer, today: date | None = None) -> BootstrapOut:
    """Everything a tablet needs before it can work offline for this person."""
    versions = rubric_versions(session=session, actor=actor)
    current = {v.id for v in rubrics_service.list_current(session=session)}
    teachers = caseload(session=session, actor=actor, on=today or date.today())
    return BootstrapOut(
        user=BootstrapUser(id=actor.id, name=actor.user.name),
        home=home_path(actor),
        server_time=utcnow().isoformat(),
        caseload=teachers,
        known_teachers=known_teachers(
            session=session, actor=actor, exclude={t.teacher_id for t in teachers}
        ),
        rubrics=[
            BootstrapRubric(
                rubric_version_id=v.id,
                rubric_id=v.rubric_id,
                version=v.version,
                title=v.title,
                content=v.content,
                current=v.id in current,
            )
            for v in versions
        ],
        grades=list(GRADES),
        check_in_kinds=[CheckInKindOut(id=k.value, label=k.label) for k in CheckInKind],
        focus_options=[
            FocusOptionOut(
                rubric_id=o.rubric_id, dimension_id=o.dimension_id, label=o.label, group=o.group
            )
            for o in focus_options(session=session)
        ],
        commitment_owners=[o.value for o in CommitmentOwner],
        co_observers=co_observers(session=session, actor=actor),
        starts_observations=actor.has_role(Role.coach),
    )
