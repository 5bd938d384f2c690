"""Demo coaching's calendar and plan: school weeks and breaks, who meets when, about what."""

import random
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from server.accounts.models import Membership, Role, User
from server.coaching.demo_foci import FOCI, IQA, NCTM, Focus
from server.observations.models import Observation
from server.roster.demo import school_resumes
from server.roster.models import CoachAssignment, School, SchoolYear, Teacher

CYCLE_WEEKS = [6, 6, 6, 5, 5, 7, 7, 4, 8]  # school weeks of meetings per cycle


# --- The calendar ---------------------------------------------------------------------------


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def next_monday(day: date) -> date:
    return day + timedelta(days=-day.weekday() % 7)


@dataclass(frozen=True)
class Calendar:
    """A school year's coaching weeks (Mondays): from early September to early June, less
    Thanksgiving week and the winter and spring breaks."""

    weeks: list[date]
    breaks: list[tuple[str, date, date]]
    testing: frozenset[date]  # the May testing window: many pairs skip a meeting

    def break_before(self, week: date) -> str | None:
        """The break that ends right before this week, if any."""
        return next((n for n, _s, end in self.breaks if end + timedelta(days=1) == week), None)

    def break_after(self, week: date) -> str | None:
        return next((n for n, start, _e in self.breaks if start == week + timedelta(days=7)), None)


def school_calendar(start_year: int) -> Calendar:
    november = date(start_year, 11, 1)
    thanksgiving = _monday(november + timedelta(days=(3 - november.weekday()) % 7 + 21))
    resumes = school_resumes(start_year)
    spring = next_monday(date(start_year + 1, 3, 23))
    breaks = [
        ("Thanksgiving break", thanksgiving, thanksgiving + timedelta(days=6)),
        ("winter break", resumes - timedelta(days=14), resumes - timedelta(days=1)),
        ("spring break", spring, spring + timedelta(days=6)),
    ]
    weeks, week = [], next_monday(date(start_year, 9, 1))
    while week <= date(start_year + 1, 6, 8):
        if not any(start <= week <= end for _n, start, end in breaks):
            weeks.append(week)
        week += timedelta(days=7)
    may = next_monday(date(start_year + 1, 5, 4))
    return Calendar(weeks, breaks, frozenset({may, may + timedelta(days=7)}))


# --- The plan: who meets when, about what ----------------------------------------------------


@dataclass
class Pair:
    """One coach with one teacher for one assignment (a stretch of a school year)."""

    coach: User
    teacher: Teacher
    school: School
    year: SchoolYear
    start: date
    end: date
    calendar: Calendar
    observations: list[tuple[date, uuid.UUID]]  # the coach's observations of the teacher
    old_coach: User | None = None  # who coached the teacher before, this year
    successor: User | None = None  # who takes over, this year
    new_school: str = ""  # where the coach moves


@dataclass
class MeetingPlan:
    day: date  # the day the pair meets
    week: date  # the Monday of its week


@dataclass
class CyclePlan:
    pair: Pair
    meetings: list[MeetingPlan]  # planned weekly meetings (held when dated before today)
    focus: Focus
    stop: str = ""  # why the cycle ended early: "leave" or "move"


def demo_pairs(session: Session, district_id: int, today: date) -> list[Pair]:
    """The assignments of last school year and this one (the two latest started by today),
    in a stable order, with the coach's observations of each teacher."""
    years = session.exec(
        select(SchoolYear)
        .where(SchoolYear.district_id == district_id, col(SchoolYear.start_date) <= today)
        .order_by(col(SchoolYear.start_date))
    ).all()[-2:]
    rows = session.exec(
        select(CoachAssignment, Teacher, SchoolYear, User)
        .join(Teacher, col(Teacher.id) == CoachAssignment.teacher_id)
        .join(SchoolYear, col(SchoolYear.id) == CoachAssignment.school_year_id)
        .join(User, col(User.id) == CoachAssignment.coach_id)
        .where(col(SchoolYear.id).in_([y.id for y in years]))
        .order_by(col(Teacher.name), col(CoachAssignment.start_date))
    ).all()
    observed: dict[tuple[int, int], list[tuple[date, uuid.UUID]]] = defaultdict(list)
    for obs in session.exec(
        select(Observation)
        .join(Teacher, col(Teacher.id) == Observation.teacher_id)
        .where(Teacher.district_id == district_id)
        .order_by(col(Observation.observed_at))
    ):
        observed[(obs.observer_id, obs.teacher_id)].append((obs.observed_at.date(), obs.id))
    calendars = {y.start_date.year: school_calendar(y.start_date.year) for y in years}
    coach_schools = dict(
        session.exec(
            select(Membership.user_id, School.name)
            .join(School, col(School.id) == Membership.school_id)
            .where(Membership.role == Role.coach, Membership.district_id == district_id)
        ).all()
    )
    pairs: list[Pair] = []
    schools = {
        s.id: s for s in session.exec(select(School).where(School.district_id == district_id))
    }
    for assignment, teacher, year, coach in rows:
        assert teacher.id is not None and coach.id is not None
        pair = Pair(
            coach=coach, teacher=teacher, school=schools[teacher.school_id], year=year,
            start=assignment.start_date, end=assignment.end_date or year.end_date,
            calendar=calendars[year.start_date.year],
            observations=observed[(coach.id, teacher.id)],
        )  # fmt: skip
        before = pairs[-1] if pairs else None
        if before and before.teacher.id == teacher.id and before.year.id == year.id:
            # A new coach mid-year: the one before moved to the school they coach at now.
            pair.old_coach, before.successor = before.coach, coach
            before.new_school = coach_schools.get(before.coach.id or 0) or "another school"
        pairs.append(pair)
    return pairs


def meeting_runs(
    rng: random.Random, pair: Pair, leave: tuple[date, date] | None
) -> list[list[MeetingPlan]]:
    """The pair's weekly meeting days within its assignment, in runs: a leave splits it."""
    usual = rng.choices([0, 1, 2, 3, 4], weights=[1, 3, 3, 2, 1])[0]
    runs: list[list[MeetingPlan]] = [[]]
    for index, week in enumerate(pair.calendar.weeks):
        offset = usual
        if rng.random() < 0.12:
            offset = min(4, max(0, usual + rng.choice([-1, 1])))
        if index == 0:
            offset = max(offset, 1)  # Labor Day
        day = week + timedelta(days=offset)
        if not pair.start <= day <= pair.end:
            continue
        if leave and leave[0] <= day < leave[1]:
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append(MeetingPlan(day=day, week=week))
    runs = [run for run in runs if run]
    if runs and pair.start == pair.year.start_date:
        runs[0] = runs[0][rng.choice([0, 0, 1, 1, 2]) :]  # pairs get going over September
    return runs


def plan_cycles(
    rng: random.Random, pair: Pair, runs: list[list[MeetingPlan]], cut: date | None, leave: bool
) -> list[CyclePlan]:
    """Split each run of meetings into cycles of four to eight weeks (a cycle may span a
    break); with a cut, the cycle under way on that day ends at its last meeting before."""
    plans: list[CyclePlan] = []
    focus = _pick_focus(rng, None)
    for run_index, run in enumerate(runs):
        i = 0
        while i < len(run):
            n = rng.choice(CYCLE_WEEKS)
            if 0 < len(run) - i - n <= 2:
                n = len(run) - i  # no stub of a cycle before the end
            chunk = run[i : i + n]
            if cut is not None:
                before = [m for m in chunk if m.day < cut]
                if 2 <= len(before) < len(chunk):
                    chunk = before
            plans.append(CyclePlan(pair=pair, meetings=chunk, focus=focus))
            i += len(chunk)
            if leave and run_index == 0 and i >= len(run):
                plans[-1].stop = "leave"
            if i < len(run) and rng.random() < 0.1:
                i += 1  # a week off between cycles
            focus = _pick_focus(rng, focus)
    if plans and pair.successor is not None:
        plans[-1].stop = "move"
    return plans


def _pick_focus(rng: random.Random, last: Focus | None) -> Focus:
    if last is not None and rng.random() < 0.3:
        return last  # the same practice again, with a new goal
    nctm = [f for f in FOCI if f.rubric_id == NCTM and f is not last]
    iqa = [f for f in FOCI if f.rubric_id == IQA and f is not last]
    return rng.choice(iqa if rng.random() < 0.2 else nctm)
