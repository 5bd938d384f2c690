"""Demo coaching: last school year and this one, week by week, for every demo pair.

Each pair meets weekly on its own day, in six-week-ish cycles focused on an NCTM practice
or an IQA dimension, with a measurable goal for student learning. The calendar has gaps:
Thanksgiving week, the winter and spring breaks, the summer, a few missed weeks (more in
the May testing window); one teacher is on leave for six weeks last spring; one coach moved
schools over last year's winter break (see server/roster/demo.py: the assignments say who
coached whom when). Check-ins after one of the coach's demo observations of the teacher
are debriefs linked to it. Commitments are done, dropped, or still open (carried over,
some overdue); some teachers reflect, some share a cycle's summary with their principal.
Relative to `today`: nothing is dated today or later except planned cycles.

Rows are inserted directly, not through `service.apply_coaching_operation` (which would take
ten seconds or more for these thousands of writes, and the browser tests load the demo
often). So every row is first validated with the write path's own models (CycleCreate,
CycleUpdate, CheckInCreate, CommitmentCreate, CommitmentUpdate, AddCheckInReflection) and
built to its rules (the teacher in the coach's caseload on the cycle's start and on each
check-in's date, only the coach's own observations of that teacher linked, a commitment
made at a check-in of its cycle). Each row gets the version and field_versions its history
of writes would have given it, and the sync change log gets one row per write, in the
order they happened, as `service._log_change` writes them: sync pull delivers them.
"""

import random
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, select

from server.coaching.demo_calendar import (
    CyclePlan,
    MeetingPlan,
    Pair,
    demo_pairs,
    meeting_runs,
    next_monday,
    plan_cycles,
)
from server.coaching.demo_calendar import school_calendar as school_calendar
from server.coaching.demo_foci import Focus
from server.coaching.demo_rows import Built, Row, insert_built
from server.coaching.demo_text import (
    AFTER_BREAK,
    AFTER_LEAVE,
    BEFORE_BREAK,
    BEFORE_LEAVE,
    COACH_STEPS,
    CUT_SHORT,
    EVIDENCE_EXAMINED,
    HANDOVER_IN,
    HANDOVER_OUT,
    INITIALS,
    INTERIM,
    LINKED_DEBRIEF,
    LOOK_FOR,
    NEXT_STEPS,
    NOTES,
    NOTICED,
    PROGRESS_MET,
    PROGRESS_NOT_YET,
    PROGRESS_PARTLY,
    REFLECTIONS,
    STUDENT_WORK,
    TEACHER_PROGRESS,
    TEACHER_STEPS,
    TESTING_NOTE,
    TOPICS,
    WILL_TRY,
)
from server.coaching.focus import focus_label
from server.coaching.models import (
    CheckInCreate,
    CheckInKind,
    CoachingCycle,
    CommitmentCreate,
    CommitmentOwner,
    CommitmentStatus,
    CommitmentUpdate,
    CycleCreate,
    CycleStatus,
    CycleUpdate,
)
from server.coaching.operations import AddCheckInReflection
from server.coaching.writes import reflection_field
from server.roster.models import Teacher

SEED = 1989  # NCTM's Curriculum and Evaluation Standards
LEAVE_TEACHER = "Hana Sato"  # on leave for six weeks from early February last year
LEAVE_WEEKS = 6


def _at(day: date, rng: random.Random, hour: int = 20) -> datetime:
    """An afternoon time on that day (US afternoons are UTC evenings), in UTC."""
    return datetime.combine(day, time(hour, rng.randrange(0, 60)), UTC)


def _first(name: str) -> str:
    return name.split(" ")[0]


def _context(
    rng: random.Random, plan: CyclePlan, goal: dict[str, Any], day: date
) -> dict[str, Any]:
    """What the templates fill in: the cycle's goal numbers and topic, class and student
    counts, students' initials, the day of a recent lesson, the teacher's first name..."""
    pair = plan.pair
    n = rng.randint(21, 31)
    m = rng.randint(n // 4, n - 3)
    ini, ini2, ini3 = rng.sample(INITIALS, 3)
    lesson = day - timedelta(days=rng.randint(1, 3))
    while lesson.weekday() >= 5:
        lesson -= timedelta(days=1)
    change = rng.choice(plan.focus.changes)
    return {
        **goal,
        "n": n, "m": m, "hi": n - rng.randint(1, 4), "k": rng.randint(2, 5),
        "ini": ini, "ini2": ini2, "ini3": ini3, "day": f"{lesson:%A}",
        "teacher": _first(pair.teacher.name), "period": rng.randint(1, 6),
        "change": change, "change_cap": change[0].upper() + change[1:],
        "next": rng.choice(NEXT_STEPS), "weeks": len(plan.meetings), "obs_day": "",
    }  # fmt: skip


def _fill(template: str, ctx: dict[str, Any]) -> str:
    return template.format(**ctx)


# --- Building the rows ------------------------------------------------------------------------


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


class Builder:
    """Turns the pairs' cycle plans into rows and their writes, relative to `today`."""

    def __init__(self, session: Session, today: date, leave: tuple[date, date]) -> None:
        self.session, self.today, self.leave = session, today, leave
        self.rng = random.Random(SEED)  # each pair's own, in pair_cycles
        self.yesterday = today - timedelta(days=1)
        self.built = Built()
        self.labels: dict[tuple[str, str], str] = {}

    def label(self, focus: Focus) -> str:
        key = (focus.rubric_id, focus.dimension_id)
        if key not in self.labels:
            self.labels[key] = focus_label(
                session=self.session, rubric_id=focus.rubric_id, dimension_id=focus.dimension_id
            )
        return self.labels[key]

    def pair_cycles(self, plans: list[CyclePlan], rng: random.Random) -> None:
        """One pair's cycles: those begun before today, and the next one (planned) only
        when none is under way. Draws from the pair's random stream."""
        self.rng = rng
        past = [p for p in plans if p.meetings[0].day < self.today]
        future = [p for p in plans if p.meetings[0].day >= self.today]
        under_way = bool(past) and past[-1].meetings[-1].day >= self.today
        for plan in past:
            self.cycle(plan)
        if future and not under_way:
            self.cycle(future[0])

    def cycle(self, plan: CyclePlan) -> None:
        rng, pair, today = self.rng, plan.pair, self.today
        due = [m for m in plan.meetings if m.day < today]  # the meetings that fell before today
        if not due:
            status = CycleStatus.planned
        elif len(due) == len(plan.meetings):
            status = CycleStatus.completed
        else:
            status = CycleStatus.active
        start, last_week = plan.meetings[0].day, plan.meetings[-1].week
        spans_break = any(start <= b <= last_week for _n, b, _e in pair.calendar.breaks)
        if len(plan.meetings) == 6 and not spans_break and rng.random() < 0.6:
            end = start + timedelta(days=42)  # the form's default: six weeks
        else:
            end = last_week + timedelta(days=4)  # the Friday of the last week
        end = min(end, pair.end)
        base = rng.randrange(15, 50, 5)
        topic, unit = rng.choice(TOPICS[pair.school.level])
        goal = {
            "topic": topic, "unit": unit, "base": base,
            "pct": min(90, base + rng.randrange(25, 50, 5)), "end": f"{end:%B} {end.day}",
        }  # fmt: skip
        ctx = _context(rng, plan, goal, start)
        if status == CycleStatus.planned:
            created = max(
                _at(today - timedelta(days=rng.randint(1, 4)), rng, 19), _at(pair.start, rng, 8)
            )
        else:
            created = _at(start - timedelta(days=rng.choice([0, 0, 0, 1, 3, 4])), rng, 19)
        ahead = status != CycleStatus.planned and created.date() < start
        assert pair.teacher.id is not None and pair.coach.id is not None
        data = CycleCreate(
            teacher_id=pair.teacher.id,
            focus_rubric_id=plan.focus.rubric_id,
            focus_dimension_id=plan.focus.dimension_id,
            goal=_fill(rng.choice(plan.focus.goals), ctx),
            evidence_plan=_fill(rng.choice(plan.focus.evidence_plans), ctx),
            start_date=start,
            end_date=end,
            status=CycleStatus.planned if status == CycleStatus.planned or ahead else status,
        )
        # The write path's rule: the teacher is in the coach's caseload on the start date.
        assert pair.start <= data.start_date <= pair.end and start <= end
        row = Row(
            "cycle",
            {
                **data.model_dump(exclude={"end_date"}),
                "id": _uuid(rng), "coach_id": pair.coach.id, "focus_label": self.label(plan.focus),
                "end_date": end, "shared_with_principal_at": None, "summary_progress": "",
                "created_at": created,
            },
        )  # fmt: skip
        self.built.cycles.append(row)
        self.built.log(row, created)
        if ahead:  # created ahead as planned, set going on its first day
            self._update_cycle(row, _at(start, rng, 13), status=CycleStatus.active)
        held = [m for i, m in enumerate(due) if not self._missed(plan, m, i)]
        for meeting in held:
            self.check_in(row, plan, meeting, held, status, ctx)
        if status == CycleStatus.active and len(held) >= 3 and rng.random() < 0.3:
            mid = min(95, base + rng.randrange(5, 25, 5))
            at = _at(held[-1].day, rng, 22)
            self._update_cycle(row, at, summary_progress=_fill(INTERIM, {**ctx, "mid": mid}))
        if status == CycleStatus.completed:
            self.complete(row, plan, ctx, held[-1].day)

    def _missed(self, plan: CyclePlan, meeting: MeetingPlan, index: int) -> bool:
        """A week the pair did not meet: a sick day, a field trip, the testing window. The
        first and the last meeting of a cycle always happen."""
        if index == 0 or meeting is plan.meetings[-1]:
            return False
        chance = 0.5 if meeting.week in plan.pair.calendar.testing else 0.06
        return self.rng.random() < chance

    def _update_cycle(self, row: Row, at: datetime, **given: Any) -> None:
        data = CycleUpdate(**given).model_dump(exclude_unset=True)
        row.values.update(data)
        self.built.log(row, at, *data)

    def complete(self, row: Row, plan: CyclePlan, ctx: dict[str, Any], last: date) -> None:
        rng, pair = self.rng, plan.pair
        progress = {**ctx, "final": min(95, ctx["base"] + rng.randrange(10, 50, 5))}
        by_teacher = False
        if plan.stop == "leave":
            reason = f"{ctx['teacher']} is on leave from next week"
            text = _fill(CUT_SHORT, {**progress, "reason": reason})
        elif plan.stop == "move":
            reason = f"{_first(pair.coach.name)} moves to {pair.new_school} in January"
            text = _fill(CUT_SHORT, {**progress, "reason": reason})
        elif pair.teacher.user_id is not None and rng.random() < 0.4:
            text = _fill(rng.choice(TEACHER_PROGRESS), progress)
            by_teacher = True
        elif progress["final"] >= ctx["pct"]:
            text = _fill(rng.choice(PROGRESS_MET), progress)
        elif progress["final"] >= ctx["base"] + 15:
            text = _fill(rng.choice(PROGRESS_PARTLY), progress)
        else:
            text = _fill(rng.choice(PROGRESS_NOT_YET), progress)
        done = _at(last, rng, 21)
        if by_teacher:  # the teacher writes the progress; the coach closes the cycle
            self._update_cycle(row, done - timedelta(minutes=30), summary_progress=text)
        given: dict[str, Any] = {"status": CycleStatus.completed}
        if not by_teacher:
            given["summary_progress"] = text
        if row.values["end_date"] >= self.today:
            given["end_date"] = last  # finished before the day it was planned to end
        self._update_cycle(row, done, **given)
        shared_on = last + timedelta(days=rng.randint(1, 3))
        if pair.teacher.user_id is not None and shared_on < self.today and rng.random() < 0.35:
            at = _at(shared_on, rng, 23)
            row.values["shared_with_principal_at"] = at
            self.built.log(row, at, "shared")

    def check_in(
        self, cycle: Row, plan: CyclePlan, meeting: MeetingPlan, held: list[MeetingPlan],
        status: CycleStatus, cycle_ctx: dict[str, Any],
    ) -> None:  # fmt: skip
        rng, pair = self.rng, plan.pair
        ctx = _context(rng, plan, cycle_ctx, meeting.day)
        ctx["weeks"] = plan.meetings.index(meeting) + 1
        recent = [o for o in pair.observations if o[0] <= meeting.day <= o[0] + timedelta(days=12)]
        obs = recent[0] if recent else None
        if obs is not None:  # the first meeting after the coach observed: a debrief of it
            pair.observations.remove(obs)
            kind = CheckInKind.debrief
            ctx["obs_day"] = f"{obs[0]:%A, %B} {obs[0].day}"
            evidence = _fill(rng.choice(LINKED_DEBRIEF), ctx)
        else:
            if meeting is plan.meetings[0]:
                kind = CheckInKind.planning
            elif meeting is plan.meetings[-1]:
                kind = rng.choice([CheckInKind.data_review] * 2 + [CheckInKind.student_work])
            else:  # planning, debrief, student work, data review, co-teaching, other
                kind = rng.choices(list(CheckInKind), weights=[1, 3, 3, 1, 1.5, 0.5])[0]
            evidence = _fill(rng.choice(EVIDENCE_EXAMINED[kind]), ctx)
        focus = plan.focus

        def prompt(specific: tuple[str, ...], generic: tuple[str, ...]) -> str:
            return _fill(rng.choice(specific if rng.random() < 0.7 else generic), ctx)

        work = ""
        if kind in (CheckInKind.student_work, CheckInKind.data_review) or rng.random() < 0.15:
            work = _fill(rng.choice(STUDENT_WORK), ctx)
        data = CheckInCreate(
            cycle_id=cycle.values["id"], date=meeting.day, kind=kind, evidence_examined=evidence,
            noticed=prompt(focus.noticed, NOTICED), will_try=prompt(focus.will_try, WILL_TRY),
            look_for_next=prompt(focus.look_for, LOOK_FOR),
            notes=self._note(plan, meeting, held, status, ctx), student_work=work,
            observation_id=obs[1] if obs else None,
        )  # fmt: skip
        # The write path's rule: the teacher is in the coach's caseload on the day.
        assert pair.start <= data.date <= pair.end and data.date < self.today
        at = _at(meeting.day, rng)
        row = Row(
            "check_in",
            {**data.model_dump(), "id": _uuid(rng), "created_by": pair.coach.id, "created_at": at},
            cycle=cycle,
        )
        self.built.check_ins.append(row)
        self.built.log(row, at)
        self.commitments(cycle, plan, row, meeting, held, status, ctx)
        self.reflection(row, pair, kind, meeting.day)

    def _note(
        self, plan: CyclePlan, meeting: MeetingPlan, held: list[MeetingPlan],
        status: CycleStatus, ctx: dict[str, Any],
    ) -> str:  # fmt: skip
        rng, pair, calendar = self.rng, plan.pair, plan.pair.calendar
        final = status == CycleStatus.completed and meeting is held[-1]
        if (
            meeting is held[0]
            and pair.old_coach is not None
            and meeting.day - pair.start < timedelta(days=10)
        ):
            return _fill(HANDOVER_IN, {**ctx, "old_coach": pair.old_coach.name})
        if final and plan.stop == "move" and pair.successor is not None:
            extra = {"new_school": pair.new_school, "successor": pair.successor.name}
            return _fill(HANDOVER_OUT, {**ctx, **extra})
        if final and plan.stop == "leave":
            return _fill(BEFORE_LEAVE, ctx)
        back = self.leave[1]
        returning = pair.teacher.name == LEAVE_TEACHER and back <= meeting.day < back + timedelta(
            days=10
        )
        if meeting is held[0] and returning:
            return _fill(AFTER_LEAVE, ctx)
        if (holiday := calendar.break_before(meeting.week)) and rng.random() < 0.6:
            return _fill(AFTER_BREAK, {**ctx, "holiday": holiday})
        if (holiday := calendar.break_after(meeting.week)) and rng.random() < 0.6:
            return _fill(BEFORE_BREAK, {**ctx, "holiday": holiday})
        if meeting.week in calendar.testing and rng.random() < 0.5:
            return TESTING_NOTE
        return _fill(rng.choice(NOTES), ctx) if rng.random() < 0.3 else ""

    def commitments(
        self, cycle: Row, plan: CyclePlan, check_in: Row, meeting: MeetingPlan,
        held: list[MeetingPlan], status: CycleStatus, ctx: dict[str, Any],
    ) -> None:  # fmt: skip
        """The next steps agreed at a check-in, and what became of each by today: done,
        dropped, done after being carried over, or still open (perhaps overdue, perhaps
        given a new date at a later check-in)."""
        rng = self.rng
        latest = meeting is held[-1]
        later = [m.day for m in held if m.day > meeting.day]
        texts: set[str] = set()
        for _ in range(rng.choices([0, 1, 2, 3], weights=[1, 4.5, 3.5, 1])[0]):
            teacher = rng.random() < 0.62
            own = plan.focus.teacher_steps if teacher else plan.focus.coach_steps
            generic = TEACHER_STEPS if teacher else COACH_STEPS
            text = _fill(rng.choice(own if rng.random() < 0.65 else generic), ctx)
            if text in texts:
                continue
            texts.add(text)
            due: date | None = meeting.day + timedelta(days=rng.choice([2, 3, 6, 7, 7, 9]))
            data = CommitmentCreate(
                cycle_id=cycle.values["id"], check_in_id=check_in.values["id"], text=text,
                owner=CommitmentOwner.teacher if teacher else CommitmentOwner.coach,
                due_date=None if rng.random() < 0.12 else due,
            )  # fmt: skip
            at = check_in.values["created_at"] + timedelta(minutes=rng.randint(5, 40))
            row = Row(
                "commitment",
                {
                    **data.model_dump(), "id": _uuid(rng), "completed_at": None,
                    "created_by": plan.pair.coach.id, "created_at": at,
                },
                cycle=cycle,
            )  # fmt: skip
            self.built.commitments.append(row)
            self.built.log(row, at)
            if status == CycleStatus.completed:
                outcome = rng.choices(["done", "dropped", "carried"], weights=[78, 12, 10])[0]
                if plan.stop and latest:
                    outcome = rng.choice(["done", "dropped"])  # the pair stops meeting
            elif latest:
                outcome = "open" if rng.random() < 0.7 else "done"
            else:
                outcome = rng.choices(["done", "open", "dropped"], weights=[70, 20, 10])[0]
            if outcome == "open":
                if later and data.due_date is not None and rng.random() < 0.4:
                    # Carried over to the next check-in and given a new date there.
                    moved = later[0] + timedelta(days=rng.choice([2, 5, 7]))
                    self._update_commitment(row, _at(later[0], rng, 21), due_date=moved)
                continue
            if outcome == "carried" and len(later) >= 2:
                if data.due_date is not None and rng.random() < 0.5:
                    moved = later[0] + timedelta(days=rng.choice([2, 5, 7]))
                    self._update_commitment(row, _at(later[0], rng, 21), due_date=moved)
                day = later[1] - timedelta(days=rng.randint(0, 2))
            elif later:
                day = meeting.day + timedelta(days=rng.randint(1, (later[0] - meeting.day).days))
            else:
                day = meeting.day + timedelta(days=rng.randint(1, 5))
            day = min(day, self.yesterday)
            if day == meeting.day and outcome != "done":
                continue  # too soon to tell: still open
            closed = CommitmentStatus.dropped if outcome == "dropped" else CommitmentStatus.done
            at = max(_at(day, rng, 22), row.values["updated_at"] + timedelta(minutes=1))
            self._update_commitment(row, at, status=closed)

    def _update_commitment(self, row: Row, at: datetime, **given: Any) -> None:
        data = CommitmentUpdate(**given).model_dump(exclude_unset=True)
        if data.get("status") == CommitmentStatus.done:
            row.values["completed_at"] = at
        row.values.update(data)
        self.built.log(row, at, *data)

    def reflection(self, row: Row, pair: Pair, kind: CheckInKind, day: date) -> None:
        """Now and then the teacher (with a login) reflects on a check-in, more often after
        a debrief."""
        rng, author = self.rng, pair.teacher.user_id
        chance = 0.3 if kind == CheckInKind.debrief else 0.12
        on = day + timedelta(days=rng.choice([0, 1, 1, 2]))
        if author is None or rng.random() >= chance or on >= self.today:
            return
        text = AddCheckInReflection(text=rng.choice(REFLECTIONS)).text
        at = max(_at(on, rng, 23), row.values["updated_at"] + timedelta(minutes=30))
        self.built.reflections.append(
            {"check_in_id": row.values["id"], "author_id": author, "text": text, "updated_at": at}
        )
        self.built.log(row, at, reflection_field(author))


# --- Loading ----------------------------------------------------------------------------------


def demo_coaching_exists(*, session: Session, district_id: int) -> bool:
    return (
        session.exec(
            select(CoachingCycle.id)
            .join(Teacher, col(Teacher.id) == CoachingCycle.teacher_id)
            .where(Teacher.district_id == district_id)
            .limit(1)
        ).first()
        is not None
    )


def load_demo_coaching(*, session: Session, district_id: int, today: date | None = None) -> int:
    """Load the demo pairs' cycles, check-ins, commitments and reflections for last school
    year and this one, unless the district has cycles already. Returns the check-ins made.
    Load the observations first to link the debriefs to them."""
    if demo_coaching_exists(session=session, district_id=district_id):
        return 0
    built = build_demo_coaching(session=session, district_id=district_id, today=today)
    insert_built(session, built)
    session.commit()
    return len(built.check_ins)


def build_demo_coaching(*, session: Session, district_id: int, today: date | None = None) -> Built:
    """The rows load_demo_coaching inserts, and their writes: the same for the same roster,
    observations and day (each pair draws from its own seeded random stream)."""
    today = today or date.today()
    pairs = demo_pairs(session, district_id, today)
    last_year = min((p.year.start_date.year for p in pairs), default=today.year)
    leave_from = next_monday(date(last_year + 1, 2, 2))
    leave = (leave_from, leave_from + timedelta(days=7 * LEAVE_WEEKS))

    def plan(pair: Pair, cut: date | None) -> tuple[list[CyclePlan], random.Random]:
        rng = random.Random(f"{SEED} {pair.teacher.name} {pair.coach.name} {pair.start}")
        on_leave = pair.teacher.name == LEAVE_TEACHER and pair.year.start_date.year == last_year
        runs = meeting_runs(rng, pair, leave if on_leave else None)
        return plan_cycles(rng, pair, runs, cut, on_leave), rng

    plans = [plan(pair, None) for pair in pairs]
    # Each coach has at least one teacher between two cycles today (the last one just
    # finished, the next one planned): cut the cycle under way short if need be.
    current: dict[str, list[int]] = defaultdict(list)
    for index, pair in enumerate(pairs):
        if pair.start <= today <= pair.end:
            current[pair.coach.name].append(index)
    for coach, indexes in sorted(current.items()):
        if not any(_planned_next(plans[i][0], today) for i in indexes):
            index = random.Random(f"{SEED} {coach}").choice(indexes)
            plans[index] = plan(pairs[index], today)
    builder = Builder(session, today, leave)
    for pair_plans, rng in plans:
        builder.pair_cycles(pair_plans, rng)
    return builder.built


def _planned_next(plans: list[CyclePlan], today: date) -> bool:
    """Whether the pair has no cycle under way today and a next one planned."""
    begun = [p for p in plans if p.meetings[0].day < today]
    return len(begun) < len(plans) and (not begun or begun[-1].meetings[-1].day < today)
