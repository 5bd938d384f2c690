"""Demo calibration: the district specialist coded two recorded lessons on the IQA. The six
demo coaches rated the first five weeks ago; five rated the second last week (one draft
still open). Most coaches land within one level almost everywhere; one reads the rubric
harshly and is flagged under the default threshold on the latest lesson, one improved.

Through calibration.py at the time each write would have happened (db.clock_at)."""

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, col, select

from server.accounts.models import Membership, Role, User
from server.accounts.service import load_viewer
from server.db import clock_at
from server.observations import calibration
from server.observations.calibration import CalibrationLessonCreate, Cells
from server.rubrics import service as rubrics_service
from server.rubrics.schema import Rubric

SEED = 1979  # Shrout & Fleiss
RUBRIC = "iqa-math"


@dataclass(frozen=True)
class DemoLesson:
    title: str
    source: str
    days_ago: int
    master_mean: float


LESSONS = [
    DemoLesson(
        "Grade 5: dividing fractions with a length model (video)",
        "District video library, 24 minutes: the launch, pairs at work, and the whole-class "
        "discussion. A teacher from outside the district, filmed with permission.",
        days_ago=35,
        master_mean=2.3,
    ),
    DemoLesson(
        "Grade 7: comparing unit rates in a recipe task (video)",
        "District video library, 19 minutes: the task, small-group talk and the share-out. "
        "Filmed at a partner district, with permission.",
        days_ago=7,
        master_mean=2.0,
    ),
]
# Per coach (by name order) and lesson: the chance each cell is 0, 1 or 2 levels from the
# master, and the direction a coach's misses lean (-1 harsh, 1 generous, 0 either).
Profile = tuple[tuple[float, float, float], int]
PROFILES: list[tuple[Profile, Profile | None]] = [
    (((0.70, 0.28, 0.02), 0), ((0.75, 0.25, 0.0), 0)),
    (((0.55, 0.40, 0.05), 1), ((0.60, 0.38, 0.02), 1)),
    (((0.45, 0.35, 0.20), -1), ((0.30, 0.35, 0.35), -1)),  # flagged on the latest
    (((0.40, 0.35, 0.25), 1), ((0.70, 0.30, 0.0), 0)),  # improved
    (((0.65, 0.30, 0.05), 0), ((0.60, 0.35, 0.05), 0)),
    (((0.60, 0.35, 0.05), 0), None),  # the second still a draft
]


def _level(rng: random.Random, rubric: Rubric, dim_id: str, mean: float) -> int:
    dim = rubric.dimension(dim_id)
    assert dim is not None
    scale = rubric.scale_for(dim)
    return max(scale.min, min(scale.max, round(rng.gauss(mean, 0.9))))


def _rated(rng: random.Random, rubric: Rubric, master: Cells, profile: Profile) -> Cells:
    (same, one, _two), lean = profile
    out: Cells = {}
    for cell, level in master.items():
        assert level is not None
        dim = rubric.dimension(cell[0])
        assert dim is not None
        scale = rubric.scale_for(dim)
        pick = rng.random()
        gap = 0 if pick < same else 1 if pick < same + one else 2
        direction = lean or rng.choice((-1, 1))
        value = level + gap * direction
        if not scale.min <= value <= scale.max:
            value = level - gap * direction
        out[cell] = max(scale.min, min(scale.max, value))
    return out


def load_demo_calibration(*, session: Session, district_id: int, today: date | None = None) -> int:
    """The demo specialist's calibration lessons and the coaches' ratings; the ratings made."""
    today = today or date.today()
    rng = random.Random(SEED)
    specialist_ids = select(Membership.user_id).where(
        Membership.district_id == district_id, Membership.role == Role.specialist
    )
    specialist = session.exec(select(User).where(col(User.id).in_(specialist_ids))).first()
    coach_ids = select(Membership.user_id).where(
        Membership.district_id == district_id, Membership.role == Role.coach
    )
    coaches = list(
        session.exec(select(User).where(col(User.id).in_(coach_ids)).order_by(col(User.name)))
    )
    version = next(
        v for v in rubrics_service.list_current(session=session) if v.rubric_id == RUBRIC
    )
    if specialist is None or version.id is None:
        return 0
    rubric = rubrics_service.rubric_of(version)
    coder = load_viewer(session=session, user=specialist)
    made = 0
    for n, demo in enumerate(LESSONS):
        day = today - timedelta(days=demo.days_ago)
        at = datetime.combine(day, time(15, 30), UTC)
        with clock_at(at - timedelta(days=2)):
            lesson = calibration.create_lesson(
                session=session, viewer=coder, district_id=district_id,
                data=CalibrationLessonCreate(
                    title=demo.title, source=demo.source, rubric_version_id=version.id
                ),
            )  # fmt: skip
        master: Cells = {
            c: _level(rng, rubric, c[0], demo.master_mean) for c in calibration.every_cell(rubric)
        }
        with clock_at(at - timedelta(days=1)):
            calibration.save_master(
                session=session, viewer=coder, lesson=lesson, cells=master, mark=True
            )
        for k, coach in enumerate(coaches[: len(PROFILES)]):
            profile = PROFILES[k][n]
            rater = load_viewer(session=session, user=coach)
            final = profile is not None
            cells = _rated(rng, rubric, master, profile or PROFILES[k][0])
            if not final:
                cells = dict(list(cells.items())[: len(cells) // 2])
            with clock_at(at + timedelta(minutes=25 + 3 * k)):
                calibration.save_rating(
                    session=session, viewer=rater, lesson=lesson, cells=cells, finalize=final
                )
            made += 1
    return made
