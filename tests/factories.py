"""Factories: create_x(session, ...) builds a row with sensible defaults and flushes it."""

import itertools
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from sqlmodel import Session

from server.accounts import service as accounts_service
from server.accounts.models import Role, User, UserCreate
from server.coaching import operations as coaching_ops
from server.coaching import service as coaching_service
from server.coaching.models import (
    CheckIn,
    CheckInCreate,
    CoachingCycle,
    Commitment,
    CommitmentCreate,
    CycleCreate,
)
from server.config import Settings
from server.observations import calibration
from server.observations import operations as ops
from server.observations import service as observations_service
from server.observations.models import CalibrationLesson, Observation, ObservationCreate
from server.roster import service as roster_service
from server.roster.models import (
    CoachAssignment,
    CoachAssignmentCreate,
    District,
    School,
    SchoolCreate,
    SchoolLevel,
    SchoolYear,
    SchoolYearCreate,
    Teacher,
    TeacherCreate,
)
from server.rubrics import service as rubrics_service
from server.rubrics.models import RubricVersion

PASSWORD = "correct-horse-battery"
# Small rubrics for the observation tests: "talk" (plain dimensions, not observed allowed)
# and "practices" (itemized dimensions scored as the mean of items, and a tally).
RUBRIC_DATA = Path(__file__).parent / "observations" / "data"
_counter = itertools.count(1)


def create_district(session: Session, name: str | None = None) -> District:
    return roster_service.get_or_create_district(
        session=session, name=name or f"District {next(_counter)}"
    )


def create_school(
    session: Session,
    district: District,
    name: str | None = None,
    level: SchoolLevel = SchoolLevel.elementary,
) -> School:
    assert district.id is not None
    data = SchoolCreate(name=name or f"School {next(_counter)}", level=level)
    return roster_service.create_school(session=session, district_id=district.id, data=data)


def create_school_year(session: Session, district: District, start_year: int = 2026) -> SchoolYear:
    assert district.id is not None
    data = SchoolYearCreate(
        name=f"{start_year}-{str(start_year + 1)[-2:]}",
        start_date=date(start_year, 8, 1),
        end_date=date(start_year + 1, 7, 31),
    )
    return roster_service.create_school_year(session=session, district_id=district.id, data=data)


def create_user(
    session: Session,
    settings: Settings,
    *,
    role: Role | None = None,
    school: School | None = None,
    district: District | None = None,
    email: str | None = None,
    name: str | None = None,
    password: str | None = PASSWORD,
) -> User:
    n = next(_counter)
    user = accounts_service.create_user(
        session=session,
        settings=settings,
        data=UserCreate(
            email=email or f"person{n}@example.org", name=name or f"Person {n}", password=password
        ),
        actor=None,
    )
    if role is not None:
        district_id = school.district_id if school else (district.id if district else None)
        assert district_id is not None, "give a school or a district with a role"
        accounts_service.add_membership(
            session=session,
            user=user,
            role=role,
            district_id=district_id,
            school_id=school.id if school else None,
            actor=None,
        )
    return user


def create_teacher(
    session: Session,
    school: School,
    *,
    name: str | None = None,
    email: str | None = None,
    cohort: SchoolYear | None = None,
) -> Teacher:
    data = TeacherCreate(
        name=name or f"Teacher {next(_counter)}",
        email=email,
        school_id=school.id,  # type: ignore[arg-type]
        cohort_year_id=cohort.id if cohort else None,
    )
    return roster_service.create_teacher(session=session, district_id=school.district_id, data=data)


def create_assignment(
    session: Session,
    coach: User,
    teacher: Teacher,
    year: SchoolYear,
    *,
    start: date | None = None,
    end: date | None = None,
) -> CoachAssignment:
    data = CoachAssignmentCreate(
        coach_id=coach.id,  # type: ignore[arg-type]
        teacher_id=teacher.id,  # type: ignore[arg-type]
        school_year_id=year.id,  # type: ignore[arg-type]
        start_date=start or year.start_date,
        end_date=end,
    )
    return roster_service.create_assignment(session=session, data=data, actor=None)


def create_rubric_version(session: Session, name: str = "talk") -> RubricVersion:
    """Register tests/observations/data/<name>.yaml (or find it registered already)."""
    rubric = rubrics_service.load_rubric_file(RUBRIC_DATA / f"{name}.yaml")
    _outcome, row, problem = rubrics_service.register(session=session, rubric=rubric)
    assert row is not None and problem is None, problem
    return row


def create_observation(
    session: Session,
    coach: User,
    teacher: Teacher,
    rubrics: list[RubricVersion],
    *,
    final: bool = False,
    shared_with_teacher: bool = False,
    shared_with_principal: bool = False,
) -> Observation:
    """An observation by `coach` (who must have `teacher` in their caseload), written
    through the service's operations; final ones have every dimension and item scored."""
    actor = accounts_service.load_viewer(session=session, user=coach)
    data = ObservationCreate(
        observed_at=datetime.now(UTC),
        grade="4",
        teacher_id=teacher.id,  # type: ignore[arg-type]
        rubric_version_ids=[r.id for r in rubrics],  # type: ignore[misc]
    )
    oid = uuid.uuid4()

    def apply(op: ops.Operation, who: accounts_service.Viewer = actor) -> None:
        observations_service.apply_operation(session=session, actor=who, op=op)

    apply(ops.CreateObservation(observation_id=oid, data=data))
    if final or shared_with_teacher or shared_with_principal:
        for version in rubrics:
            rubric = rubrics_service.rubric_of(version)
            for dim in rubric.dimensions:
                scale = rubric.scale_for(dim)
                for item_id in [i.id for i in dim.items] or [""]:
                    apply(
                        ops.SetScore(
                            observation_id=oid, rubric_version_id=version.id,  # type: ignore[arg-type]
                            dimension_id=dim.id, item_id=item_id, value=scale.max,
                        )
                    )  # fmt: skip
        apply(ops.Finalize(observation_id=oid))
    if shared_with_teacher or shared_with_principal:
        apply(ops.Share(observation_id=oid, audience="teacher"))
    if shared_with_principal:
        assert teacher.user_id is not None
        user = accounts_service.get_user(session=session, user_id=teacher.user_id)
        assert user is not None
        teacher_viewer = accounts_service.load_viewer(session=session, user=user)
        apply(ops.Share(observation_id=oid, audience="principal"), teacher_viewer)
    obs = observations_service.get_observation(session=session, observation_id=oid)
    assert obs is not None
    return obs


def _viewer_of(session: Session, user: User) -> accounts_service.Viewer:
    return accounts_service.load_viewer(session=session, user=user)


def create_cycle(
    session: Session,
    coach: User,
    teacher: Teacher,
    *,
    focus: tuple[str, str] = ("test-talk", "participation"),
    goal: str = "80% of students explain a strategy in writing",
    start: date | None = None,
    **overrides: object,
) -> CoachingCycle:
    """A cycle of the pair (the teacher must be in the coach's caseload on `start`), written
    through the coaching write path. The focus rubric must be registered (e.g. "test-talk")."""
    data = {
        "teacher_id": teacher.id, "focus_rubric_id": focus[0], "focus_dimension_id": focus[1],
        "goal": goal, "start_date": start or date.today(), **overrides,
    }  # fmt: skip
    cid = uuid.uuid4()
    coaching_service.apply_coaching_operation(
        session=session, actor=_viewer_of(session, coach), entity_id=cid,
        op=coaching_ops.CreateCycle(data=CycleCreate.model_validate(data)),
    )  # fmt: skip
    cycle = session.get(CoachingCycle, cid)
    assert cycle is not None
    return cycle


def create_check_in(
    session: Session,
    coach: User,
    cycle: CoachingCycle,
    *,
    on: date | None = None,
    kind: str = "debrief",
    **overrides: object,
) -> CheckIn:
    """A check-in of the cycle by its coach (on `on`, default today)."""
    data = {"cycle_id": cycle.id, "date": on or date.today(), "kind": kind, **overrides}
    cid = uuid.uuid4()
    coaching_service.apply_coaching_operation(
        session=session, actor=_viewer_of(session, coach), entity_id=cid,
        op=coaching_ops.CreateCheckIn(data=CheckInCreate.model_validate(data)),
    )  # fmt: skip
    row = session.get(CheckIn, cid)
    assert row is not None
    return row


def create_commitment(
    session: Session,
    coach: User,
    check_in: CheckIn,
    *,
    text: str = "Try a number talk on Monday",
    owner: str = "teacher",
    **overrides: object,
) -> Commitment:
    """A commitment made at the check-in, by the cycle's coach."""
    data = {
        "cycle_id": check_in.cycle_id, "check_in_id": check_in.id, "text": text,
        "owner": owner, **overrides,
    }  # fmt: skip
    cid = uuid.uuid4()
    coaching_service.apply_coaching_operation(
        session=session, actor=_viewer_of(session, coach), entity_id=cid,
        op=coaching_ops.CreateCommitment(data=CommitmentCreate.model_validate(data)),
    )  # fmt: skip
    row = session.get(Commitment, cid)
    assert row is not None
    return row


def middle_levels(rubric: RubricVersion) -> calibration.Cells:
    """Every cell of the rubric at its scale's middle level."""
    content = rubrics_service.rubric_of(rubric)
    out: calibration.Cells = {}
    for dim_id, item in calibration.every_cell(content):
        dim = content.dimension(dim_id)
        assert dim is not None
        values = content.scale_for(dim).values
        out[(dim_id, item)] = values[len(values) // 2]
    return out


def create_calibration_lesson(
    session: Session,
    specialist: User,
    rubric: RubricVersion,
    district: District,
    *,
    marked: bool = False,
    master: calibration.Cells | None = None,
    title: str = "Grade 4 fractions (video)",
) -> CalibrationLesson:
    """A calibration lesson coded by `specialist`: `master` (default: every cell at its middle
    level) saved, and marked as the master when `marked`."""
    viewer = _viewer_of(session, specialist)
    assert district.id is not None and rubric.id is not None
    lesson = calibration.create_lesson(
        session=session, viewer=viewer, district_id=district.id,
        data=calibration.CalibrationLessonCreate(title=title, rubric_version_id=rubric.id),
    )  # fmt: skip
    calibration.save_master(
        session=session, viewer=viewer, lesson=lesson,
        cells=middle_levels(rubric) if master is None else master, mark=marked,
    )  # fmt: skip
    return lesson
