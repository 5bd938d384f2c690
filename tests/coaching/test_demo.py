"""The demo district's coaching: last school year and this one, week by week, with the gaps
of a real calendar (holidays, summer, a teacher's leave, a coach who moved schools), every
cycle and commitment status, rows the write path would accept, and sync pull delivering
them to the pair (and only shared summaries to the principal)."""

import itertools
import statistics
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import Session, col, select

from server.accounts import service as accounts_service
from server.accounts.models import Membership, Role, User
from server.accounts.service import Viewer
from server.coaching import access
from server.coaching import demo as coaching_demo
from server.coaching.focus import focus_label
from server.coaching.models import (
    CheckIn,
    CheckInCreate,
    CheckInKind,
    CheckInReflection,
    CoachingCycle,
    Commitment,
    CommitmentCreate,
    CommitmentOwner,
    CommitmentStatus,
    CycleCreate,
    CycleStatus,
)
from server.coaching.operations import AddCheckInReflection
from server.config import Settings
from server.demo import load_demo_district
from server.observations import service as observations_service
from server.observations.models import Observation, ObservationCreate
from server.observations.operations import CreateObservation
from server.roster import demo as roster_demo
from server.roster import service as roster_service
from server.roster.models import CoachAssignment, School, Teacher
from server.rubrics import service as rubrics_service
from server.sync import service as sync_service
from server.sync.models import SyncChange

TODAY = date(2027, 2, 17)  # a Wednesday in the current (2026-27) school year
LAST_YEAR = 2025  # 2025-26
PROMPTS = ("evidence_examined", "noticed", "will_try", "look_for_next")


def load(session: Session, settings: Settings, today: date = TODAY) -> int:
    """The demo roster and coaching (without the slow observations)."""
    assert load_demo_district(session=session, settings=settings, today=today, observations=False)
    district = roster_demo.demo_district(session=session)
    assert district is not None
    return len(session.exec(select(CheckIn)).all())


def user(session: Session, name: str) -> User:
    found = session.exec(select(User).where(User.name == name)).one()
    return found


def viewer(session: Session, name: str) -> Viewer:
    return accounts_service.load_viewer(session=session, user=user(session, name))


@dataclass(frozen=True)
class WeekRow:
    """A caseload teacher as the coach's week shows them (screens/week.js cardFacts)."""

    teacher: str
    school: str
    cycle: CoachingCycle | None  # the current cycle: active, else planned; latest start
    days_since_last: int | None  # since the last check-in on or before the day


def coach_week(session: Session, coach: User, today: date) -> list[WeekRow]:
    """Each caseload teacher of the coach on `today`, by school then name."""
    rows = []
    for entry in roster_service.caseload(session=session, coach_id=coach.id, on=today):  # type: ignore[arg-type]
        cycles = session.exec(
            select(CoachingCycle).where(
                CoachingCycle.coach_id == coach.id, CoachingCycle.teacher_id == entry.teacher.id
            )
        ).all()
        current = next(
            (max(found, key=lambda c: c.start_date) for status in (CycleStatus.active, CycleStatus.planned)
             if (found := [c for c in cycles if c.status == status])),
            None,
        )  # fmt: skip
        days = [
            c.date
            for c in session.exec(
                select(CheckIn).where(col(CheckIn.cycle_id).in_([c.id for c in cycles]))
            )
            if c.date <= today
        ]
        last = max(days) if days else None
        rows.append(
            WeekRow(
                entry.teacher.name,
                entry.school.name,
                current,
                (today - last).days if last else None,
            )
        )
    return rows


def teacher(session: Session, name: str) -> Teacher:
    return session.exec(select(Teacher).where(Teacher.name == name)).one()


def check_ins_by_teacher(session: Session) -> dict[str, list[tuple[date, str]]]:
    """Each teacher's check-ins, oldest first: (date, coach's name)."""
    rows = session.exec(
        select(CheckIn.date, Teacher.name, User.name)
        .join(CoachingCycle, col(CoachingCycle.id) == CheckIn.cycle_id)
        .join(Teacher, col(Teacher.id) == CoachingCycle.teacher_id)
        .join(User, col(User.id) == CoachingCycle.coach_id)
        .order_by(col(CheckIn.date))
    ).all()
    out: dict[str, list[tuple[date, str]]] = defaultdict(list)
    for day, teacher_name, coach_name in rows:
        out[teacher_name].append((day, coach_name))
    return out


def breaks(start_year: int) -> list[tuple[str, date, date]]:
    return coaching_demo.school_calendar(start_year).breaks


def test_check_ins_span_two_school_years_weekly_with_holiday_and_summer_gaps(
    session: Session, settings: Settings
) -> None:
    assert load(session, settings) > 800
    days = sorted(session.exec(select(CheckIn.date)).all())
    last_year = (date(LAST_YEAR, 8, 15), date(LAST_YEAR + 1, 6, 30))
    this_year = (date(LAST_YEAR + 1, 8, 15), TODAY)
    assert days[0] >= last_year[0] and days[-1] < TODAY
    assert {d.month for d in days if last_year[0] <= d <= last_year[1]} == {9, 10, 11, 12, 1, 2, 3, 4, 5, 6}  # fmt: skip
    assert any(this_year[0] <= d for d in days)
    assert all(d.weekday() < 5 for d in days)
    assert not [d for d in days if d.month in (7, 8)]  # summer
    for start_year in (LAST_YEAR, LAST_YEAR + 1):
        for name, first, last in breaks(start_year):
            assert not [d for d in days if first <= d <= last], name
    names = [n for n, _f, _l in breaks(LAST_YEAR)]
    assert names == ["Thanksgiving break", "winter break", "spring break"]
    # Weekly: most pairs meet again within a week (a missed week now and then).
    for name, rows in check_ins_by_teacher(session).items():
        gaps = [(b[0] - a[0]).days for a, b in itertools.pairwise(rows)]
        assert statistics.median(gaps) == 7, name
        assert max(gaps) > 60, name  # the summer


def test_the_teacher_on_leave_has_a_gap_and_comes_back(
    session: Session, settings: Settings
) -> None:
    load(session, settings)
    rows = check_ins_by_teacher(session)
    hana = [d for d, _coach in rows[coaching_demo.LEAVE_TEACHER]]
    spring = [d for d in hana if date(LAST_YEAR + 1, 1, 15) <= d <= date(LAST_YEAR + 1, 6, 30)]
    gaps = [(b - a).days for a, b in itertools.pairwise(spring)]
    assert max(gaps) >= 7 * coaching_demo.LEAVE_WEEKS
    gone, back = spring[gaps.index(max(gaps))], spring[gaps.index(max(gaps)) + 1]
    # Her coach kept meeting the rest of the caseload meanwhile.
    coach = rows[coaching_demo.LEAVE_TEACHER][0][1]
    others = [d for name, r in rows.items() for d, c in r if c == coach and gone < d < back]
    assert len(others) >= 10
    # The cycle under way closed at the leave, and a new one began on return.
    cycles = session.exec(
        select(CoachingCycle)
        .where(CoachingCycle.teacher_id == teacher(session, coaching_demo.LEAVE_TEACHER).id)
        .order_by(col(CoachingCycle.start_date))
    ).all()
    before = next(c for c in cycles if c.start_date <= gone <= c.end_date)
    assert before.status == CycleStatus.completed and "leave" in before.summary_progress
    assert any(c.start_date == back for c in cycles)


def test_the_moved_coach_pairs_end_and_the_teachers_continue_with_another_coach(
    session: Session, settings: Settings
) -> None:
    load(session, settings)
    moved = roster_demo.COACHES[roster_demo.MOVED_COACH]
    successor = roster_demo.COACHES[roster_demo.SUCCESSOR]
    tom, priya = (user(session, f"{c[0]} {c[1]}") for c in (moved, successor))
    resumes = roster_demo.school_resumes(LAST_YEAR)
    # The roster: Tom's Riverside assignments end when school resumes; Priya's begin.
    ended = session.exec(
        select(CoachAssignment).where(
            CoachAssignment.coach_id == tom.id, CoachAssignment.end_date == resumes - timedelta(1)
        )
    ).all()
    assert len(ended) == 4
    membership = session.exec(
        select(Membership).where(Membership.user_id == tom.id, Membership.role == Role.coach)
    ).one()
    high = session.get(School, membership.school_id)
    assert high is not None and high.name == "Maple Valley High"
    rows = check_ins_by_teacher(session)
    for assignment in ended:
        name = session.get(Teacher, assignment.teacher_id).name  # type: ignore[union-attr]
        with_tom = [d for d, c in rows[name] if c == tom.name]
        with_priya = [d for d, c in rows[name] if c == priya.name]
        assert with_tom and max(with_tom) < resumes, name
        assert with_priya and min(with_priya) >= resumes, name
        assert max(with_priya) > TODAY - timedelta(days=35), name  # still coached this year
        last = session.exec(
            select(CoachingCycle)
            .where(CoachingCycle.coach_id == tom.id, CoachingCycle.teacher_id == assignment.teacher_id)
            .order_by(col(CoachingCycle.start_date).desc())
        ).first()  # fmt: skip
        assert last is not None and last.status == CycleStatus.completed
        assert "moves to Maple Valley High" in last.summary_progress
    # This year Tom coaches at the high school.
    week = coach_week(session, tom, TODAY)
    assert {r.school for r in week} == {"Maple Valley High"}
    assert all(r.cycle is not None for r in week)


def test_every_status_owner_and_kind_occurs(session: Session, settings: Settings) -> None:
    load(session, settings)
    cycles = session.exec(select(CoachingCycle)).all()
    assert {c.status for c in cycles} == set(CycleStatus)
    assert {c.focus_rubric_id for c in cycles} == {"nctm-practices", "iqa-math"}
    commitments = session.exec(select(Commitment)).all()
    assert {c.status for c in commitments} == set(CommitmentStatus)
    assert {c.owner for c in commitments} == set(CommitmentOwner)
    check_ins = session.exec(select(CheckIn)).all()
    assert {c.kind for c in check_ins} == set(CheckInKind)
    open_ = [c for c in commitments if c.status == CommitmentStatus.open]
    assert [c for c in open_ if c.due_date is not None and c.due_date < TODAY]  # overdue
    dates = {c.id: c.date for c in check_ins}
    latest: dict[uuid.UUID, date] = {}
    for c in check_ins:
        latest[c.cycle_id] = max(latest.get(c.cycle_id, c.date), c.date)
    carried = [c for c in open_ if dates[c.check_in_id] < latest[c.cycle_id]]
    assert carried  # open, made before the cycle's latest check-in
    # Some carried over were given a new date, and some of those were done later.
    moved = [c for c in commitments if "due_date" in c.field_versions]
    assert {c.status for c in moved} >= {CommitmentStatus.open, CommitmentStatus.done}
    reflections = session.exec(select(CheckInReflection)).all()
    assert len(reflections) > 30
    shared = [c for c in cycles if c.shared_with_principal_at is not None]
    assert len(shared) > 10
    # Goals are varied, and so is what coaches write.
    assert len({c.goal for c in cycles}) > 0.9 * len(cycles)
    for prompt in PROMPTS:
        assert len({getattr(c, prompt) for c in check_ins}) > 60, prompt
    assert len({c.text for c in commitments}) > 100


def test_every_row_is_one_the_write_path_would_accept(session: Session, settings: Settings) -> None:
    load(session, settings)
    teachers = {t.id: t for t in session.exec(select(Teacher))}
    cycles = {c.id: c for c in session.exec(select(CoachingCycle))}
    for cycle in cycles.values():
        data = CycleCreate.model_validate(cycle.model_dump())
        assert data.goal == cycle.goal and cycle.start_date <= cycle.end_date
        label = focus_label(
            session=session, rubric_id=cycle.focus_rubric_id, dimension_id=cycle.focus_dimension_id
        )
        assert cycle.focus_label == label
        assert access.in_caseload(
            session=session, coach_id=cycle.coach_id, teacher_id=cycle.teacher_id, on=cycle.start_date
        )  # fmt: skip
        assert all(1 < v <= cycle.version for v in cycle.field_versions.values())
        assert max(cycle.field_versions.values(), default=1) == cycle.version
        if cycle.status == CycleStatus.planned:
            assert cycle.start_date >= TODAY and cycle.version == 1
        if cycle.shared_with_principal_at is not None:
            assert teachers[cycle.teacher_id].user_id is not None
            assert "shared" in cycle.field_versions
    check_ins = {c.id: c for c in session.exec(select(CheckIn))}
    for check_in in check_ins.values():
        cycle = cycles[check_in.cycle_id]
        data = CheckInCreate.model_validate(check_in.model_dump())
        assert all(getattr(data, p) for p in PROMPTS)  # the four prompts are filled
        assert check_in.created_by == cycle.coach_id and check_in.date < TODAY
        assert cycle.status != CycleStatus.planned
        assert access.in_caseload(
            session=session, coach_id=cycle.coach_id, teacher_id=cycle.teacher_id, on=check_in.date
        )  # fmt: skip
    for commitment in session.exec(select(Commitment)):
        CommitmentCreate.model_validate(commitment.model_dump())
        assert check_ins[commitment.check_in_id].cycle_id == commitment.cycle_id
        assert (commitment.completed_at is not None) == (commitment.status == CommitmentStatus.done)  # fmt: skip
        assert commitment.version == 1 + len(commitment.field_versions)
        if commitment.status != CommitmentStatus.open:
            assert commitment.field_versions["status"] == commitment.version
    for reflection in session.exec(select(CheckInReflection)):
        AddCheckInReflection(text=reflection.text)
        cycle = cycles[check_ins[reflection.check_in_id].cycle_id]
        assert teachers[cycle.teacher_id].user_id == reflection.author_id
        assert f"reflection {reflection.author_id}" in check_ins[reflection.check_in_id].field_versions  # fmt: skip
    # The change log: one row per write, each entity's versions in order, the last one
    # its current version.
    versions: dict[uuid.UUID, list[int]] = defaultdict(list)
    for change in session.exec(select(SyncChange).order_by(col(SyncChange.seq))):
        versions[change.entity_id].append(change.version)
    rows = [*cycles.values(), *check_ins.values(), *session.exec(select(Commitment))]
    assert len(versions) == len(rows)
    for row in rows:
        assert versions[row.id] == list(range(1, row.version + 1)), row.id


def test_debriefs_link_the_coach_s_observation_of_the_teacher(
    session: Session, settings: Settings
) -> None:
    # The roster first, then one observation of Ana by Maria, then the coaching.
    rubrics_service.sync_configured_rubrics(session=session, settings=settings)
    roster_demo.load_demo(session=session, settings=settings, today=TODAY)
    maria = viewer(session, "Maria Lopez")
    ana = teacher(session, "Ana Torres")
    nctm = next(
        v for v in rubrics_service.list_current(session=session) if v.rubric_id == "nctm-practices"
    )
    observed = datetime.combine(TODAY - timedelta(days=30), time(15), UTC)
    obs_id = uuid.uuid4()
    data = ObservationCreate(
        observed_at=observed, teacher_id=ana.id, grade="4", rubric_version_ids=[nctm.id]
    )  # type: ignore[arg-type]
    observations_service.apply_operation(
        session=session, actor=maria, op=CreateObservation(observation_id=obs_id, data=data)
    )
    district = roster_demo.demo_district(session=session)
    assert district is not None and district.id is not None
    coaching_demo.load_demo_coaching(session=session, district_id=district.id, today=TODAY)
    linked = session.exec(select(CheckIn).where(CheckIn.observation_id == obs_id)).one()
    assert linked.kind == CheckInKind.debrief
    assert observed.date() <= linked.date <= observed.date() + timedelta(days=12)
    assert "observation on" in linked.evidence_examined
    cycle = session.get(CoachingCycle, linked.cycle_id)
    assert cycle is not None and cycle.coach_id == maria.id and cycle.teacher_id == ana.id
    assert session.get(Observation, obs_id) is not None


def _pull_all(session: Session, who: Viewer) -> dict[uuid.UUID, sync_service.ChangeOut]:
    out: dict[uuid.UUID, sync_service.ChangeOut] = {}
    cursor, more = 0, True
    while more:
        page = sync_service.pull(session=session, actor=who, cursor=cursor)
        out.update({c.id: c for c in page.changes})
        cursor, more = page.cursor, page.more
    return out


def test_sync_pull_delivers_the_pairs_data_and_only_shared_summaries_to_the_principal(
    session: Session, settings: Settings
) -> None:
    load(session, settings)
    maria = viewer(session, "Maria Lopez")
    pulled = _pull_all(session, maria)
    cycles = session.exec(select(CoachingCycle).where(CoachingCycle.coach_id == maria.id)).all()
    ids = [c.id for c in cycles]
    check_ins = session.exec(select(CheckIn).where(col(CheckIn.cycle_id).in_(ids))).all()
    commitments = session.exec(select(Commitment).where(col(Commitment.cycle_id).in_(ids))).all()
    mine = {r.id: r for r in [*cycles, *check_ins, *commitments]}
    assert set(pulled) == set(mine)
    for entity_id, change in pulled.items():
        row = mine[entity_id]
        assert not change.deleted and change.version == row.version
    some = next(c for c in check_ins if c.observation_id is None and c.notes)
    assert pulled[some.id].data["noticed"] == some.noticed
    assert pulled[some.id].data["notes"] == some.notes

    # The teacher gets her own cycles, with her reflections.
    ana = viewer(session, "Ana Torres")
    ana_cycles = {c.id for c in cycles if c.teacher_id == teacher(session, "Ana Torres").id}
    assert ana_cycles <= set(_pull_all(session, ana))

    # The principal: the summaries shared at her school, nothing else.
    grace = viewer(session, "Grace Kim")
    seen = _pull_all(session, grace)
    cedar = {t.id for t in session.exec(select(Teacher).join(School).where(School.name == "Cedar Elementary"))}  # fmt: skip
    shared = session.exec(
        select(CoachingCycle).where(
            col(CoachingCycle.shared_with_principal_at).is_not(None),
            col(CoachingCycle.teacher_id).in_(cedar),
        )
    ).all()
    assert shared and set(seen) == {c.id for c in shared}
    for change in seen.values():
        assert change.entity == "cycle" and "summary_progress" in change.data
        assert "evidence_plan" not in change.data


@pytest.mark.parametrize(
    "today",
    [date(2026, 9, 3), date(2026, 12, 1), TODAY, date(2027, 5, 12), date(2027, 6, 4)],
    ids=str,
)
def test_each_coach_s_week_has_a_current_or_planned_cycle_for_every_teacher(
    session: Session, settings: Settings, today: date
) -> None:
    load(session, settings, today)
    statuses, days_since = [], []
    for first, last, _school in roster_demo.COACHES:
        week = coach_week(session, user(session, f"{first} {last}"), today)
        assert week
        for row in week:
            assert row.cycle is not None, (first, row.teacher)
            assert row.cycle.status in (CycleStatus.active, CycleStatus.planned)
            statuses.append(row.cycle.status)
            if row.cycle.status == CycleStatus.active:
                assert row.days_since_last is not None and row.days_since_last <= 28
            if row.days_since_last is not None:
                days_since.append(row.days_since_last)
    assert len(statuses) == len(roster_demo.TEACHER_NAMES)
    if today > date(2026, 9, 20):  # once the year is under way
        assert CycleStatus.planned in statuses and CycleStatus.active in statuses
        assert len(set(days_since)) >= 4  # last check-ins at varied days ago
    maria = coach_week(session, user(session, "Maria Lopez"), today)
    assert [r.teacher for r in maria] == sorted([
        "Ana Torres", "George Miller", "Marcus Lee", "Sam Patel",
        *roster_demo.TEACHER_NAMES[roster_demo.FIRST_CEDAR_EXTRA :],
    ])  # fmt: skip


def test_the_same_every_time_and_loaded_once(session: Session, settings: Settings) -> None:
    count = load(session, settings)
    district = roster_demo.demo_district(session=session)
    assert district is not None and district.id is not None

    def shape() -> list[tuple[object, ...]]:
        built = coaching_demo.build_demo_coaching(
            session=session, district_id=district.id, today=TODAY
        )
        return [
            (r.entity, r.values["id"], r.version, r.values.get("date"), r.values.get("goal"))
            for r in [*built.cycles, *built.check_ins, *built.commitments]
        ]

    assert shape() == shape()  # seeded: the same rows for the same day
    rows = session.exec(select(CoachingCycle.id)).all()
    changes = len(session.exec(select(SyncChange)).all())
    assert not load_demo_district(session=session, settings=settings, today=TODAY)
    assert coaching_demo.load_demo_coaching(session=session, district_id=district.id) == 0
    assert len(session.exec(select(CheckIn)).all()) == count
    assert session.exec(select(CoachingCycle.id)).all() == rows
    assert len(session.exec(select(SyncChange)).all()) == changes
