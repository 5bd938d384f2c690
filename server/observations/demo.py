"""Demo observations: start- and end-of-year lessons on the NCTM practices and the IQA.

Every write goes through `service.apply_operation`, the same path the pages and sync use,
at the time it would have happened (db.clock_at): scored during the lesson, finalized an
hour or two after it began, shared and reflected on over the next days, never after now.
Scores follow a simple latent model so growth charts show plausible growth and spread:
each teacher has a starting level and a yearly growth rate drawn at random (fixed seed),
and each lesson adds noise.
"""

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, col, select

from server.accounts import service as accounts_service
from server.accounts.models import User
from server.accounts.service import Viewer
from server.db import clock_at, utcnow
from server.observations import service as observations_service
from server.observations.models import ObservationCreate
from server.observations.operations import (
    AddNote,
    AddReflection,
    CreateObservation,
    Finalize,
    Operation,
    SetEvidence,
    SetScore,
    SetTally,
    Share,
)
from server.roster.models import CoachAssignment, School, SchoolLevel, SchoolYear, Teacher
from server.rubrics import service as rubrics_service
from server.rubrics.models import RubricVersion
from server.rubrics.schema import Rubric

DEMO_RUBRICS = ("nctm-practices", "iqa-math")
SEED = 2014  # Principles to Actions
GRADES = {
    SchoolLevel.elementary: ["3", "4", "5"],
    SchoolLevel.middle: ["6", "7", "8"],
    SchoolLevel.high: ["Algebra 1", "Geometry", "Algebra 2"],
    SchoolLevel.other: ["Mixed"],
}
LESSONS = [
    ("Fractions on a number line", "Place and compare fractions on a number line and explain why.",
     "Find two fractions between 2/5 and 3/4; show them on a number line and justify."),
    ("Area and perimeter", "Reason about how area changes when perimeter stays the same.",
     "Design three gardens with a 24 m fence; which gives the most space? Convince a partner."),
    ("Proportional relationships", "Recognise proportional relationships in tables and graphs.",
     "Two recipes for lemonade: which is more lemony? Use a table, a graph and an equation."),
    ("Linear functions", "Connect slope to a rate of change in context.",
     "A phone plan costs $12 plus $0.05 a text: compare it with a plan of $20 flat."),
    ("Equivalent expressions", "Use area models to show that two expressions are equivalent.",
     "Show 3(x + 4) and 3x + 12 with an area model; find a third equivalent expression."),
    ("Similarity", "Explain similarity through dilations.",
     "Is a photo enlarged from 4x6 to 8x10 similar to the original? Justify with scale factors."),
]  # fmt: skip
NOTES = [
    "Launch: teacher reads the task aloud, asks students to estimate first",
    "Most pairs start with a drawing; two groups go straight to a procedure",
    "Teacher asks 'how do you know?' to a group that is stuck, then walks away",
    "Student at the board explains a strategy; others ask a clarifying question",
    "Teacher selects two contrasting strategies to share in a planned order",
    "Closure: students write what the two strategies have in common",
]
EVIDENCE = {
    "questions": "Most questions asked for an answer; three asked students to explain their reasoning.",
    "discourse": "Two students compared strategies at the board; the class was asked to agree or disagree.",
    "task-potential": "The task had several entry points and asked students to justify.",
    "teacher-press": "Teacher pressed twice for a reason ('why does that work?').",
}
REFLECTIONS = [
    "I noticed I jumped in too fast when a group was stuck. Next time I'll ask one question and walk away.",
    "The two strategies we shared really helped. I want to plan the order more carefully.",
    "I'd like to try the 'how do you know?' question with the whole class, not only one group.",
]


@dataclass(frozen=True)
class Latent:
    """A teacher's demo 'true' level at the start and their yearly growth, per instrument."""

    start: float
    growth: float


def lesson_time(day: date, rng: random.Random) -> datetime:
    # Weekday mornings; stored in UTC.
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(9 + rng.randint(0, 4), rng.choice([0, 15, 30, 45])), UTC)


def _score(
    latent: Latent, years_in: float, rng: random.Random, low: int, high: int, bump: float
) -> int:
    value = latent.start + latent.growth * years_in + bump + rng.gauss(0, 0.45)
    return max(low, min(high, round(value)))


def _score_ops(
    *, obs_id: uuid.UUID, version: RubricVersion, rubric: Rubric, latent: Latent, years_in: float,
    rng: random.Random,
) -> list[Operation]:  # fmt: skip
    assert version.id is not None
    ops: list[Operation] = []
    for dim in rubric.dimensions:
        scale = rubric.scale_for(dim)
        bump = rng.gauss(0, 0.3)  # some practices come more easily than others
        for item_id in [i.id for i in dim.items] or [""]:
            value = _score(latent, years_in, rng, scale.min, scale.max, bump)
            ops.append(
                SetScore(observation_id=obs_id, rubric_version_id=version.id,
                         dimension_id=dim.id, item_id=item_id, value=value)
            )  # fmt: skip
        if dim.id in EVIDENCE and rng.random() < 0.7:
            ops.append(
                SetEvidence(observation_id=obs_id, rubric_version_id=version.id,
                            dimension_id=dim.id, text=EVIDENCE[dim.id])
            )  # fmt: skip
    for tally in rubric.tallies[:1]:
        for category in tally.categories:
            ops.append(
                SetTally(observation_id=obs_id, rubric_version_id=version.id, tally_id=tally.id,
                         category_id=category.id, count=rng.randint(0, 12))
            )  # fmt: skip
    return ops


def _lesson_days(year: SchoolYear, today: date) -> list[date]:
    """About five weeks into the year, and five weeks before its end, where already past."""
    days = [year.start_date + timedelta(days=35), year.end_date - timedelta(days=35)]
    return [d for d in days if d < today]


def load_demo_observations(*, session: Session, district_id: int, today: date | None = None) -> int:
    """Observe every demo teacher at the start and end of each year they were coached.
    No write is later than now: the start of `today` when given, else the clock's now."""
    now = utcnow() if today is None else datetime.combine(today, time.min, UTC)
    today = today or date.today()
    rng = random.Random(SEED)
    versions = [
        v for v in rubrics_service.list_current(session=session) if v.rubric_id in DEMO_RUBRICS
    ]
    if len(versions) != len(DEMO_RUBRICS):
        raise RuntimeError("the NCTM and IQA rubric files are not registered; start the app once")
    rubrics = {v.id: rubrics_service.rubric_of(v) for v in versions}
    rows = session.exec(
        select(CoachAssignment, Teacher, SchoolYear, School)
        .join(Teacher, col(Teacher.id) == CoachAssignment.teacher_id)
        .join(SchoolYear, col(SchoolYear.id) == CoachAssignment.school_year_id)
        .join(School, col(School.id) == Teacher.school_id)
        .where(Teacher.district_id == district_id)
        .order_by(col(Teacher.id), col(SchoolYear.start_date), col(CoachAssignment.start_date))
    ).all()
    viewers: dict[int, Viewer] = {}
    latents: dict[tuple[int, str], Latent] = {}
    first_year: dict[int, date] = {}
    created = 0
    for assignment, teacher, year, school in rows:
        assert teacher.id is not None
        coach = viewers.get(assignment.coach_id) or viewer_of(session, assignment.coach_id)
        viewers[assignment.coach_id] = coach
        first_year.setdefault(teacher.id, year.start_date)
        for rv in versions:
            # NCTM items on 1-5 start near 2.5; IQA on 0-4 near 1.6.
            centre = 2.5 if rv.rubric_id == "nctm-practices" else 1.6
            latents.setdefault(
                (teacher.id, rv.rubric_id),
                Latent(start=rng.gauss(centre, 0.45), growth=max(-0.1, rng.gauss(0.45, 0.25))),
            )
        for day in _lesson_days(year, today):
            if not assignment.start_date <= day <= (assignment.end_date or year.end_date):
                continue  # another coach's part of the year
            observed_at = lesson_time(day, rng)
            years_in = (observed_at.date() - first_year[teacher.id]).days / 365.25
            created += _observe(
                session=session, coach=coach, teacher=teacher, school=school,
                observed_at=observed_at, versions=versions, rubrics=rubrics, latents=latents,
                years_in=years_in, rng=rng, now=now,
            )  # fmt: skip
    session.commit()
    return created


def viewer_of(session: Session, user_id: int) -> Viewer:
    user = session.get(User, user_id)
    assert user is not None
    return accounts_service.load_viewer(session=session, user=user)


class _Timeline:
    """When each write of one observation happened, in order and never after `now`. Its own
    random draws (seeded by the observation's id), so the scores stay what they were."""

    def __init__(self, obs_id: uuid.UUID, observed_at: datetime, now: datetime) -> None:
        self.rng = random.Random(obs_id.int)
        self.observed_at, self.now = observed_at, now
        self.last = observed_at - timedelta(minutes=5)  # the coach opens the form

    def at(self, planned: datetime) -> datetime:
        self.last = max(self.last, min(planned, self.now))
        return self.last

    def lesson_minute(self, minute: float) -> datetime:
        return self.at(self.observed_at + timedelta(minutes=minute))

    def hours_later(self, low: int, high: int) -> datetime:
        return self.at(self.last + timedelta(hours=self.rng.randint(low, high)))


def _observe(
    *, session: Session, coach: Viewer, teacher: Teacher, school: School, observed_at: datetime,
    versions: list[RubricVersion], rubrics: dict[int | None, Rubric],
    latents: dict[tuple[int, str], Latent], years_in: float, rng: random.Random, now: datetime,
) -> int:  # fmt: skip
    assert teacher.id is not None
    obs_id = uuid.UUID(int=rng.getrandbits(128), version=4)
    unit, goal, task = rng.choice(LESSONS)
    ops: list[Operation] = [
        CreateObservation(
            observation_id=obs_id,
            data=ObservationCreate(
                observed_at=observed_at, teacher_id=teacher.id, grade=rng.choice(GRADES[school.level]),
                course_unit=unit, lesson_goal=goal, task_description=task,
                class_size=rng.randint(18, 32), rubric_version_ids=[v.id for v in versions if v.id],
            ),
        )
    ]  # fmt: skip
    for minute, text in enumerate(rng.sample(NOTES, 3)):
        ops.append(
            AddNote(observation_id=obs_id, note_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                    text=text, written_at=observed_at + timedelta(minutes=8 + 12 * minute),
                    lesson_minute=8 + 12 * minute)
        )  # fmt: skip
    for version in versions:
        ops += _score_ops(
            obs_id=obs_id, version=version, rubric=rubrics[version.id],
            latent=latents[(teacher.id, version.rubric_id)], years_in=years_in, rng=rng,
        )  # fmt: skip
    shared = rng.random() < 0.6
    when = _Timeline(obs_id, observed_at, now)
    scoring = len(ops) - 4  # the writes after the creation and the three notes
    for n, op in enumerate(ops):
        if isinstance(op, AddNote) and op.written_at is not None:
            at = when.at(op.written_at)
        elif n == 0:  # the creation
            at = when.last
        else:  # scored in the lesson's last twenty minutes, one after the other
            at = when.lesson_minute(35 + 20 * (n - 4) / scoring)
        apply_at(session, coach, op, at)
    finalize = Finalize(observation_id=obs_id)
    apply_at(session, coach, finalize, when.lesson_minute(when.rng.randint(60, 120)))
    if shared:
        to_teacher = Share(observation_id=obs_id, audience="teacher")
        apply_at(session, coach, to_teacher, when.hours_later(2, 48))
    if shared and teacher.user_id is not None:
        teacher_viewer = viewer_of(session, teacher.user_id)
        if rng.random() < 0.5:
            reflect = AddReflection(observation_id=obs_id, text=rng.choice(REFLECTIONS))
            apply_at(session, teacher_viewer, reflect, when.hours_later(6, 72))
        if rng.random() < 0.3:
            to_principal = Share(observation_id=obs_id, audience="principal")
            apply_at(session, teacher_viewer, to_principal, when.hours_later(12, 96))
    return 1


def apply_at(session: Session, actor: Viewer, op: Operation, at: datetime) -> None:
    with clock_at(at):
        observations_service.apply_operation(session=session, actor=actor, op=op, commit=False)
