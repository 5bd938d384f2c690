"""Demo co-observed lessons: this school year, each demo coach invites the next to one of
their lessons on the IQA; the two score it apart, with the disagreement raters show in
practice (most cells the same level, many one apart, a few two apart), and most pairs have
met and reconciled. One second observer is still scoring; one pair has not met yet.

Through `service.apply_operation` at the time each write would have happened, as the other
demo observations (observations/demo.py)."""

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, col, select

from server.accounts.models import Membership, Role, User
from server.accounts.service import Viewer
from server.db import utcnow
from server.observations import service as observations_service
from server.observations.co_observation import levels_of
from server.observations.demo import apply_at, lesson_time, viewer_of
from server.observations.models import Observation, ObservationCreate
from server.observations.operations import (
    ConsensusScore,
    CreateObservation,
    Finalize,
    InviteCoObserver,
    Reconcile,
    SetScore,
    Share,
)
from server.roster import service as roster_service
from server.roster.models import Teacher
from server.rubrics import service as rubrics_service

SEED = 2003  # the IQA's first technical report
RUBRIC = "iqa-math"
# The share of cells where the second rater is 0, 1 or 2 levels from the first.
GAPS = ((0, 0.62), (1, 0.31), (2, 0.07))


def _gap(rng: random.Random) -> int:
    pick, total = rng.random(), 0.0
    for gap, share in GAPS:
        total += share
        if pick < total:
            return gap
    return 0


def load_demo_co_observations(
    *, session: Session, district_id: int, today: date | None = None
) -> int:
    """One co-observed lesson per demo coach this school year; the lessons made."""
    now = utcnow() if today is None else datetime.combine(today, time.min, UTC)
    today = today or date.today()
    rng = random.Random(SEED)
    version = next(
        v for v in rubrics_service.list_current(session=session) if v.rubric_id == RUBRIC
    )
    rubric = rubrics_service.rubric_of(version)
    coach_ids = select(Membership.user_id).where(
        Membership.district_id == district_id, Membership.role == Role.coach
    )
    coaches = list(
        session.exec(select(User).where(col(User.id).in_(coach_ids)).order_by(col(User.name)))
    )
    made = 0
    for n, coach in enumerate(coaches):
        assert coach.id is not None
        second_coach = coaches[(n + 1) % len(coaches)]
        caseload = roster_service.caseload(session=session, coach_id=coach.id, on=today)
        if not caseload or second_coach.id is None:
            continue
        teacher: Teacher = caseload[rng.randrange(len(caseload))].teacher
        assert teacher.id is not None and version.id is not None
        observed_at = lesson_time(today - timedelta(days=12 + 4 * n), rng)
        if observed_at >= now:
            continue
        first_id, second_id = (uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(2))
        first, second = viewer_of(session, coach.id), viewer_of(session, second_coach.id)
        at = observed_at - timedelta(minutes=4)
        data = ObservationCreate(
            observed_at=observed_at, teacher_id=teacher.id, grade="Mixed", course_unit="Co-observed lesson",
            lesson_goal="Explain and compare strategies for a multi-step problem.",
            rubric_version_ids=[version.id],
        )  # fmt: skip
        apply_at(session, first, CreateObservation(observation_id=first_id, data=data), at)
        invite = InviteCoObserver(
            observation_id=first_id, co_observation_id=second_id, observer_id=second_coach.id
        )
        apply_at(session, first, invite, at + timedelta(minutes=2))
        still_scoring = n == len(coaches) - 1
        for dim in rubric.dimensions:
            scale = rubric.scale_for(dim)
            level = max(scale.min, min(scale.max, round(rng.gauss(2.0, 0.8))))
            other = level + _gap(rng) * rng.choice((-1, 1))
            other = max(scale.min, min(scale.max, other))
            for who, oid, value in ((first, first_id, level), (second, second_id, other)):
                if who is second and still_scoring and rng.random() < 0.5:
                    continue
                op = SetScore(
                    observation_id=oid,
                    rubric_version_id=version.id,
                    dimension_id=dim.id,
                    value=value,
                )
                apply_at(session, who, op, observed_at + timedelta(minutes=40))
        apply_at(
            session, first, Finalize(observation_id=first_id), observed_at + timedelta(minutes=70)
        )
        made += 1
        if still_scoring:
            continue
        apply_at(
            session, second, Finalize(observation_id=second_id), observed_at + timedelta(minutes=90)
        )
        if n == len(coaches) - 2:
            continue  # finalized, not met yet
        met = min(now, observed_at + timedelta(days=1))
        _reconcile(session, first, first_id, second_id, rng, met)
        apply_at(
            session,
            first,
            Share(observation_id=first_id, audience="teacher"),
            min(now, met + timedelta(hours=3)),
        )
    session.commit()
    return made


def _reconcile(
    session: Session, first: Viewer, first_id: uuid.UUID, second_id: uuid.UUID,
    rng: random.Random, at: datetime,
) -> None:  # fmt: skip
    """The consensus: where the raters differ, one of the two levels (talked through), or
    the one between when they were two apart."""
    sheets = [
        observations_service.load_sheet(session=session, observation=o)
        for o in (session.get(Observation, first_id), session.get(Observation, second_id))
        if o is not None
    ]
    a, b = (levels_of(s) for s in sheets)
    scores = []
    for (rv, dim, item), level in sorted(a.items()):
        theirs = b[(rv, dim, item)]
        if level == theirs:
            continue
        if level is not None and theirs is not None and abs(level - theirs) == 2:
            chosen: int | None = (level + theirs) // 2
        else:
            chosen = rng.choice([level, theirs])
        scores.append(
            ConsensusScore(rubric_version_id=rv, dimension_id=dim, item_id=item, value=chosen)
        )
    apply_at(session, first, Reconcile(observation_id=first_id, scores=scores), at)
