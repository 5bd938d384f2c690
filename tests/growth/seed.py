"""Test data for the growth pages: finalized observations with chosen scores, written straight
into the tables (the write path is tested elsewhere; these tests need dates and values)."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import Session

from server.accounts.models import Role, User
from server.config import Settings
from server.growth import worker
from server.observations.models import Observation, ObservationRubric, ObservationStatus, Score
from server.roster.models import District, School, SchoolYear, Teacher
from server.rubrics import service as rubrics_service
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

# value(teacher index, dimension id, item id, occasion index) -> level
Values = Callable[[int, str, str, int], int]


def add_observation(
    session: Session,
    *,
    teacher: Teacher,
    observer: User,
    year: SchoolYear,
    rubric: RubricVersion,
    on: date,
    value: Callable[[str, str], int | None],
    shared: bool = True,
    final: bool = True,
) -> Observation:
    """One observation of `teacher` on `on` (10:00 UTC) scored `value(dimension, item)` on
    every dimension (and item) of `rubric`; None leaves it unscored."""
    at = datetime(on.year, on.month, on.day, 10, tzinfo=UTC)
    obs = Observation(
        id=uuid.uuid4(), teacher_id=teacher.id, observer_id=observer.id,  # type: ignore[arg-type]
        school_year_id=year.id, observed_at=at, grade="4",  # type: ignore[arg-type]
        status=ObservationStatus.final if final else ObservationStatus.draft,
        finalized_at=at if final else None, shared_with_teacher_at=at if shared else None,
        version=1,
    )  # fmt: skip
    session.add(obs)
    session.flush()
    session.add(ObservationRubric(observation_id=obs.id, rubric_version_id=rubric.id))  # type: ignore[arg-type]
    for dim in rubrics_service.rubric_of(rubric).dimensions:
        for item in [i.id for i in dim.items] or [""]:
            level = value(dim.id, item)
            if level is None:
                continue
            session.add(
                Score(
                    observation_id=obs.id, rubric_version_id=rubric.id,  # type: ignore[arg-type]
                    dimension_id=dim.id, item_id=item, value=level, updated_by=observer.id,  # type: ignore[arg-type]
                )
            )  # fmt: skip
    session.flush()
    return obs


@dataclass
class GrowthWorld:
    district: District
    big: School  # 6 teachers: numbers shown
    small: School  # 3 teachers: numbers suppressed
    years: list[SchoolYear]
    rubric: RubricVersion
    coach: User
    other_coach: User
    principal: User
    small_principal: User
    admin: User
    teacher_user: User  # the login of big-school teacher 0
    teachers: list[Teacher]  # big school first (6), then small (3)
    values: dict[tuple[int, str, int], int] = field(default_factory=dict)


# Chosen so that every dimension's growth model converges inside the parameter space.
TRAJECTORIES = [
    [1, 1, 1, 1], [3, 2, 3, 1], [3, 4, 4, 4], [3, 4, 4, 4], [2, 1, 3, 1],
    [3, 3, 2, 3], [4, 4, 4, 4], [2, 4, 4, 4], [2, 4, 4, 4], [1, 2, 3, 4],
]  # fmt: skip
SHIFT = {"participation": 0, "press": 3, "extra": 5}


def level(t: int, dim: str, occasion: int) -> int:
    """A 1-4 level that mostly grows over the occasions, differently for each teacher."""
    return TRAJECTORIES[(t + SHIFT.get(dim, 0)) % len(TRAJECTORIES)][occasion]


# Occasions: start and end of 2024-25, start and end of 2025-26.
OCCASIONS = [
    (0, date(2024, 9, 20)),
    (0, date(2025, 5, 20)),
    (1, date(2025, 9, 20)),
    (1, date(2026, 5, 20)),
]


def build(session: Session, settings: Settings) -> GrowthWorld:
    district = create_district(session)
    big = create_school(session, district, name="Big School")
    small = create_school(session, district, name="Small School")
    years = [
        create_school_year(session, district, 2024),
        create_school_year(session, district, 2025),
    ]
    coach = create_user(session, settings, role=Role.coach, school=big, email="coach@g.example")
    other_coach = create_user(
        session, settings, role=Role.coach, school=big, email="other-coach@g.example"
    )
    principal = create_user(
        session, settings, role=Role.principal, school=big, email="principal@g.example"
    )
    small_principal = create_user(
        session, settings, role=Role.principal, school=small, email="small-principal@g.example"
    )
    admin = create_user(
        session, settings, role=Role.district_admin, district=district, email="admin@g.example"
    )
    teacher_user = create_user(
        session, settings, role=Role.teacher, school=big, email="ana@g.example", name="Ana Teacher"
    )
    from server.roster import service as roster_service

    first = roster_service.teacher_for_user(session=session, user_id=teacher_user.id)  # type: ignore[arg-type]
    assert first is not None
    first.cohort_year_id = years[0].id
    teachers = [first]
    for i in range(1, 6):
        teachers.append(
            create_teacher(
                session, big, name=f"Big Teacher {i}", cohort=years[0] if i < 3 else years[1]
            )
        )
    for i in range(3):
        teachers.append(create_teacher(session, small, name=f"Small Teacher {i}", cohort=years[0]))
    rubric = create_rubric_version(session)
    world = GrowthWorld(
        district, big, small, years, rubric, coach, other_coach, principal, small_principal,
        admin, teacher_user, teachers,
    )  # fmt: skip
    for t, teacher in enumerate(teachers):
        create_assignment(session, coach, teacher, years[0])
        for occasion, (year_index, on) in enumerate(OCCASIONS):
            add_observation(
                session, teacher=teacher, observer=coach, year=years[year_index], rubric=rubric,
                on=on, value=lambda dim, _item, t=t, o=occasion: world_value(world, t, dim, o),
            )  # fmt: skip
    session.commit()
    return world


def world_value(world: GrowthWorld, t: int, dim: str, occasion: int) -> int:
    value = level(t, dim, occasion) if dim != "goal-posted" else (t + occasion) % 2
    world.values[(t, dim, occasion)] = value
    return value


def get_summary(client: TestClient, url: str) -> Response:
    """GET a summary page as it reads once fresh: when it says its numbers are being computed
    (or updated), the refresh it queued is run here (the background worker's job) and the
    page read again, as its own reload would."""
    page = client.get(url)
    if 'class="fit-status"' in page.text:
        worker.run_now()
        page = client.get(url)
        assert 'class="fit-status"' not in page.text
    return page
