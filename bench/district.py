"""A large synthetic district for benchmarks: schools, people, three school years of
observations scored on the NCTM practices and the IQA, and weekly-ish coaching check-ins.

Rows go in with SQLAlchemy Core (executemany of lists of dicts, in chunks), not the ORM and
not the write path, so a district of 60,000 observations and about a million scores loads in
well under two minutes on SQLite. What is left out because no summary reads it: evidence,
running notes, tallies, revisions, reflections, commitments and the sync change log.

Scores follow the growth model of docs/growth.md: per teacher and instrument a random
starting level and a random yearly growth, per teacher and dimension a small offset, per
lesson a shared bump, and noise per score, rounded and clipped to the scale. Time is years
since the teacher's cohort year began (about their first observation).

    from district import Size, generate
    result = generate(engine, settings, Size())        # or Size().scaled(1 / 20)
"""

import math
import random
import time as clock
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel

from server.accounts.models import Membership, Role, User
from server.accounts.passwords import hash_password, hasher
from server.coaching.models import CheckIn, CheckInKind, CoachingCycle, CycleStatus
from server.config import Settings
from server.observations.models import Observation, ObservationRubric, ObservationStatus, Score
from server.roster.demo import school_resumes, school_year_bounds
from server.roster.models import CoachAssignment, School, SchoolLevel, SchoolYear, Teacher
from server.rubrics import service as rubrics_service
from server.rubrics.models import RubricVersion
from server.rubrics.schema import Rubric

PASSWORD = "cadence-bench-2026"
DOMAIN = "bench.example"
DISTRICT_NAME = "Bench Unified (synthetic)"
ADMIN_EMAIL = f"admin@{DOMAIN}"
RUBRIC_IDS = ("nctm-practices", "iqa-math")
CHUNK = 10_000  # rows per executemany
SEED = 2026

# Which rubrics an observation is scored with: NCTM only (27 item scores), IQA only (9),
# or both (36). About 20 scores per observation on average.
RUBRIC_MIX = ((("nctm-practices",), 0.45), (("iqa-math",), 0.45), (RUBRIC_IDS, 0.10))
# The true growth model per instrument: mean and SD of the start, mean and SD of the yearly
# growth; SD of a teacher's offset per dimension, of a lesson's bump, and of a score's noise.
TRUTH = {
    "nctm-practices": {"b0": 2.4, "sd0": 0.5, "b1": 0.35, "sd1": 0.2, "dim": 0.25},
    "iqa-math": {"b0": 1.6, "sd0": 0.45, "b1": 0.30, "sd1": 0.2, "dim": 0.25},
}
LESSON_SD, NOISE_SD = 0.3, 0.45
LEVELS = (
    (SchoolLevel.elementary, 0.6, ["K", "1", "2", "3", "4", "5"]),
    (SchoolLevel.middle, 0.2, ["6", "7", "8"]),
    (SchoolLevel.high, 0.2, ["Algebra 1", "Geometry", "Algebra 2", "Precalculus"]),
)
COHORT_SHARE = (0.5, 0.3, 0.2)  # teachers joining in the first, second, third year
LEAVE_RATE = 0.08  # share of teachers who leave the district after each year
KINDS = (
    (CheckInKind.planning, 0.3), (CheckInKind.debrief, 0.25), (CheckInKind.student_work, 0.2),
    (CheckInKind.data_review, 0.1), (CheckInKind.co_teaching, 0.1), (CheckInKind.other, 0.05),
)  # fmt: skip
CYCLE_WEEKS = (6, 6, 6, 5, 5, 7, 7, 4, 8)
NOTICED = (
    "Most students started with a drawing; a few went straight to a procedure.",
    "Students explained their strategy when asked 'how do you know?'",
    "Exit tickets: about two thirds could justify their answer.",
    "Talk moves were used twice; students mostly answered the teacher, not each other.",
)
WILL_TRY = (
    "Plan the order in which two strategies are shared.",
    "Ask one assessing question and walk away.",
    "Use a turn-and-talk before the whole-class discussion.",
    "Sort the exit tickets by strategy with the coach.",
)


@dataclass(frozen=True)
class Size:
    schools: int = 50
    teachers: int = 2000
    years: int = 3
    observations: int = 60_000
    coaches_per_school: int = 2
    coached_share: float = 0.5  # share of teacher-years with a coaching cycle pattern

    def scaled(self, factor: float) -> "Size":
        return replace(
            self,
            schools=max(2, math.ceil(self.schools * factor)),
            teachers=max(20, round(self.teachers * factor)),
            observations=max(200, round(self.observations * factor)),
        )


@dataclass
class Generated:
    district_id: int
    school_ids: list[int]
    principals: dict[int, str]  # school id -> principal's email
    admin_email: str
    password: str
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # of this process: the machine may be busy with others
    truth: dict[str, dict[str, float]] = field(default_factory=dict)


@contextmanager
def fresh_postgres(server_url: str) -> Iterator[str]:
    """An empty database on the server at `server_url` (as tests/databases.py makes them),
    dropped afterwards."""
    name = f"cadence_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _insert(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> int:
    statement = insert(table)
    for start in range(0, len(rows), CHUNK):
        conn.execute(statement, rows[start : start + CHUNK])
    return len(rows)


def _ids(conn: Connection, table: Any, key: str) -> dict[str, int]:
    column = table.c[key]
    return {k: i for i, k in conn.execute(select(table.c.id, column).where(column.is_not(None)))}


def _pick(rng: random.Random, weighted: Iterable[tuple[Any, float]]) -> Any:
    choices = list(weighted)
    return rng.choices([c for c, _ in choices], [w for _, w in choices])[0]


def _school_weeks(year: tuple[date, date]) -> list[date]:
    """Mondays of the weeks a pair may meet: from the third week to two weeks before the
    end, without Thanksgiving week, the winter break and a spring-break week."""
    first, last = year
    monday = first + timedelta(days=(7 - first.weekday()) % 7) + timedelta(weeks=2)
    november = date(first.year, 11, 1)
    thanksgiving = november + timedelta(days=(3 - november.weekday()) % 7 + 21)
    resumes = school_resumes(first.year)
    spring = date(first.year + 1, 3, 24)
    weeks = []
    while monday <= last - timedelta(weeks=2):
        off = (
            monday <= thanksgiving < monday + timedelta(days=7)
            or resumes - timedelta(days=14) <= monday < resumes
            or (spring <= monday + timedelta(days=4) and monday < spring + timedelta(days=7))
        )
        if not off:
            weeks.append(monday)
        monday += timedelta(weeks=1)
    return weeks


def _rubrics(engine: Engine, settings: Settings) -> dict[str, tuple[int, Rubric]]:
    with Session(engine) as session:
        rubrics_service.sync_configured_rubrics(session=session, settings=settings)
        current = {v.rubric_id: v for v in rubrics_service.list_current(session=session)}
        session.commit()
        out = {}
        for rubric_id in RUBRIC_IDS:
            version = current[rubric_id]
            assert version.id is not None
            out[rubric_id] = (version.id, rubrics_service.rubric_of(version))
    return out


def generate(
    engine: Engine, settings: Settings, size: Size, *, today: date | None = None, seed: int = SEED
) -> Generated:
    """Load a district of `size` into the migrated, empty database behind `engine`."""
    start_clock, start_cpu = clock.perf_counter(), clock.process_time()
    today = today or date.today()
    rng = random.Random(seed)
    rubrics = _rubrics(engine, settings)
    now = datetime.now(UTC)
    password_hash = hash_password(
        PASSWORD, ph=hasher(settings.argon2_time_cost, settings.argon2_memory_kib)
    )
    counts: dict[str, int] = defaultdict(int)
    current_start = today.year if today.month >= 8 else today.year - 1
    year_bounds = [
        school_year_bounds(s) for s in range(current_start - size.years + 1, current_start + 1)
    ]

    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA synchronous=OFF")
        key = conn.execute(
            insert(SQLModel.metadata.tables["district"]).values(
                name=DISTRICT_NAME, source_id="bench", created_at=now
            )
        ).inserted_primary_key
        assert key is not None
        district_id = int(key[0])
        tables = _tables()
        _insert(conn, tables["school_year"], [
            {"district_id": district_id, "name": n, "start_date": a, "end_date": b,
             "source_id": f"year-{i}"} for i, (n, a, b) in enumerate(year_bounds)
        ])  # fmt: skip
        year_ids = _ids(conn, tables["school_year"], "source_id")
        years = [(year_ids[f"year-{i}"], a, b) for i, (_n, a, b) in enumerate(year_bounds)]

        # Schools and their people.
        school_rows, school_levels = [], []
        for s in range(size.schools):
            level = _pick(rng, ((lv, w) for lv, w, _g in LEVELS))
            school_levels.append(level)
            kind = {"elementary": "Elementary", "middle": "Middle", "high": "High"}[level.value]
            school_rows.append({"district_id": district_id, "name": f"School {s + 1:03d} {kind}",
                                "level": level, "source_id": f"school-{s}", "created_at": now})  # fmt: skip
        counts["schools"] = _insert(conn, tables["school"], school_rows)
        school_by_key = _ids(conn, tables["school"], "source_id")
        school_ids = [school_by_key[f"school-{s}"] for s in range(size.schools)]

        users: list[dict[str, Any]] = []
        memberships: list[tuple[str, Role, int | None]] = []

        def person(email: str, name: str, role: Role, school_id: int | None) -> None:
            users.append({"email": email, "name": name, "password_hash": password_hash,
                          "is_active": True, "source_id": email, "created_at": now})  # fmt: skip
            memberships.append((email, role, school_id))

        person(ADMIN_EMAIL, "District Admin", Role.district_admin, None)
        principals = {}
        for s, school_id in enumerate(school_ids):
            email = f"principal{s + 1:03d}@{DOMAIN}"
            principals[school_id] = email
            person(email, f"Principal {s + 1:03d}", Role.principal, school_id)
            for c in range(size.coaches_per_school):
                person(f"coach{s + 1:03d}-{c + 1}@{DOMAIN}", f"Coach {s + 1:03d}-{c + 1}",
                       Role.coach, school_id)  # fmt: skip
        counts["users"] = _insert(conn, tables["user"], users)
        user_ids = _ids(conn, tables["user"], "source_id")
        counts["memberships"] = _insert(conn, tables["membership"], [
            {"user_id": user_ids[email], "role": role, "district_id": district_id,
             "school_id": school_id, "created_at": now} for email, role, school_id in memberships
        ])  # fmt: skip
        coaches = {
            school_id: [
                user_ids[f"coach{s + 1:03d}-{c + 1}@{DOMAIN}"]
                for c in range(size.coaches_per_school)
            ]
            for s, school_id in enumerate(school_ids)
        }

        # Teachers: spread over the schools (high schools larger), in three cohorts, some
        # leaving after a year.
        weights = [
            {SchoolLevel.elementary: 1.0, SchoolLevel.middle: 1.3, SchoolLevel.high: 1.6}[lv]
            * rng.uniform(0.7, 1.3)
            for lv in school_levels
        ]
        teacher_school = rng.choices(range(size.schools), weights, k=size.teachers)
        teacher_rows, spans = [], []
        for t in range(size.teachers):
            s = teacher_school[t]
            cohort = _pick(rng, zip(range(size.years), _cohorts(size.years), strict=True))
            last = cohort
            while last < size.years - 1 and rng.random() >= LEAVE_RATE:
                last += 1
            active = last == size.years - 1
            spans.append((s, cohort, last))
            teacher_rows.append({
                "name": f"Teacher {t + 1:04d}", "email": f"teacher{t + 1:04d}@{DOMAIN}",
                "school_id": school_ids[s], "cohort_year_id": years[cohort][0],
                "district_id": district_id, "source_id": f"teacher-{t}", "active": active,
                "created_at": now,
            })  # fmt: skip
        counts["teachers"] = _insert(conn, tables["teacher"], teacher_rows)
        teacher_by_key = _ids(conn, tables["teacher"], "source_id")
        teacher_ids = [teacher_by_key[f"teacher-{t}"] for t in range(size.teachers)]

        # One coach per teacher-year in the program; a share of those years are coached in
        # weekly cycles, the others observed only.
        teacher_years = []  # (teacher index, year index, coach id, coached)
        assignments = []
        for t, (s, cohort, last) in enumerate(spans):
            school_coaches = coaches[school_ids[s]]
            for y in range(cohort, last + 1):
                coach = school_coaches[(t + y) % len(school_coaches)]
                teacher_years.append((t, y, coach, rng.random() < size.coached_share))
                assignments.append({
                    "coach_id": coach, "teacher_id": teacher_ids[t], "school_year_id": years[y][0],
                    "start_date": years[y][1], "end_date": years[y][2], "created_at": now,
                })  # fmt: skip
        counts["coach_assignments"] = _insert(conn, tables["coach_assignment"], assignments)

        # Observations, spread over the teacher-years by school days elapsed (coached years
        # twice as often), and scored by the growth model.
        latent = {
            (t, r): (
                rng.gauss(TRUTH[r]["b0"], TRUTH[r]["sd0"]),
                rng.gauss(TRUTH[r]["b1"], TRUTH[r]["sd1"]),
            )
            for t in range(size.teachers)
            for r in RUBRIC_IDS
        }
        offsets: dict[tuple[int, str, str], float] = {}
        units = {  # per rubric: (dimension, its items or [""], lowest, highest, may be skipped)
            r: [
                (d.id, [i.id for i in d.items] or [""], rubric.scale_for(d).min,
                 rubric.scale_for(d).max, rubric.scale_for(d).not_observed)
                for d in rubric.dimensions
            ]
            for r, (_v, rubric) in rubrics.items()
        }  # fmt: skip
        days = [_observable_days(years[y][1:], today) for _t, y, _c, _k in teacher_years]
        weight = [len(d) * (2 if k else 1) for d, (_t, _y, _c, k) in zip(days, teacher_years, strict=True)]  # fmt: skip
        total = sum(weight) or 1
        observed: dict[tuple[int, int], list[tuple[date, uuid.UUID, int]]] = defaultdict(list)
        obs_rows: list[dict[str, Any]] = []
        link_rows: list[dict[str, Any]] = []
        score_rows: list[dict[str, Any]] = []

        def flush(final: bool = False) -> None:
            if len(score_rows) >= CHUNK * 5 or final:
                counts["observations"] += _insert(conn, tables["observation"], obs_rows)
                counts["observation_rubrics"] += _insert(
                    conn, tables["observation_rubric"], link_rows
                )
                counts["scores"] += _insert(conn, tables["observation_score"], score_rows)
                for rows in (obs_rows, link_rows, score_rows):
                    rows.clear()

        for (t, y, coach, _coached), choices, w in zip(teacher_years, days, weight, strict=True):
            expected = size.observations * w / total
            n = min(len(choices), int(expected) + (rng.random() < expected % 1))
            school = teacher_school[t]
            grades = next(g for lv, _w, g in LEVELS if lv == school_levels[school])
            for day in sorted(rng.sample(choices, n)):
                oid = uuid.UUID(int=rng.getrandbits(128), version=4)
                at = datetime.combine(day, time(13 + rng.randint(0, 6), rng.choice((0, 15, 30, 45))), UTC)  # fmt: skip
                recent = (today - day).days < 10
                draft = recent and rng.random() < 0.4
                done = None if draft else at + timedelta(hours=rng.randint(1, 30))
                shared = None if draft or rng.random() >= 0.6 else done
                to_principal = shared if shared and rng.random() < 0.15 else None
                years_in = (day - years[spans[t][1]][1]).days / 365.25
                rubric_ids = _pick(rng, RUBRIC_MIX)
                n_scores = 0
                bump = rng.gauss(0, LESSON_SD)
                for position, rubric_id in enumerate(rubric_ids):
                    version_id = rubrics[rubric_id][0]
                    link_rows.append({"observation_id": oid, "rubric_version_id": version_id,
                                      "position": position})  # fmt: skip
                    b0, b1 = latent[(t, rubric_id)]
                    for dim_id, items, low, high, can_skip in units[rubric_id]:
                        key = (t, rubric_id, dim_id)
                        if key not in offsets:
                            offsets[key] = rng.gauss(0, TRUTH[rubric_id]["dim"])
                        centre = b0 + b1 * years_in + offsets[key] + bump
                        for item in items:
                            value: int | None = min(high, max(low, round(centre + rng.gauss(0, NOISE_SD))))  # fmt: skip
                            not_observed = can_skip and rng.random() < 0.03
                            if not_observed:
                                value = None
                            score_rows.append({
                                "observation_id": oid, "rubric_version_id": version_id,
                                "dimension_id": dim_id, "item_id": item, "value": value,
                                "not_observed": not_observed, "updated_by": coach,
                                "updated_at": done or at,
                            })  # fmt: skip
                            n_scores += 1
                obs_rows.append({
                    "id": oid, "teacher_id": teacher_ids[t], "observer_id": coach,
                    "school_year_id": years[y][0], "observed_at": at,
                    "grade": rng.choice(grades), "course_unit": "", "lesson_goal": "",
                    "task_description": "", "class_size": rng.randint(16, 34),
                    "status": ObservationStatus.draft if draft else ObservationStatus.final,
                    "finalized_at": done, "shared_with_teacher_at": shared,
                    "shared_with_principal_at": to_principal, "timer_started_at": None,
                    "timer_elapsed_seconds": rng.randint(1800, 3300),
                    "version": n_scores + 2 + (shared is not None), "created_at": at,
                    "updated_at": done or at,
                })  # fmt: skip
                observed[(t, y)].append((day, oid, coach))
                flush()
        flush(final=True)
        conn.execute(
            update(tables["rubric_version"])
            .where(tables["rubric_version"].c.id.in_([v for v, _r in rubrics.values()]))
            .values(first_used_at=now)
        )

        # Coaching: the coached teacher-years meet weekly on the pair's own day, in cycles of
        # four to eight weeks with a week or two between them; some weeks are missed.
        focus = [(r, d.id, d.name) for r in RUBRIC_IDS for d in rubrics[r][1].dimensions]
        cycle_rows: list[dict[str, Any]] = []
        check_in_rows: list[dict[str, Any]] = []
        for t, y, coach, coached in teacher_years:
            if not coached:
                continue
            weekday = rng.randrange(5)
            weeks = [w for w in _school_weeks(years[y][1:]) if w + timedelta(days=weekday) < today]
            lessons = observed.get((t, y), [])
            i = rng.randint(0, 2)
            while i < len(weeks):
                length = rng.choice(CYCLE_WEEKS)
                block = weeks[i : i + length]
                rubric_id, dim_id, dim_name = rng.choice(focus)
                cid = uuid.UUID(int=rng.getrandbits(128), version=4)
                begin = block[0] + timedelta(days=weekday)
                end = begin + timedelta(days=42)
                finished = end < today
                summary_shared = finished and rng.random() < 0.15
                cycle_rows.append({
                    "id": cid, "teacher_id": teacher_ids[t], "coach_id": coach,
                    "focus_rubric_id": rubric_id, "focus_dimension_id": dim_id,
                    "focus_label": dim_name, "goal": f"Students explain their reasoning ({dim_name}).",
                    "evidence_plan": "Exit tickets and a student-work sort every two weeks.",
                    "start_date": begin, "end_date": end,
                    "status": CycleStatus.completed if finished else CycleStatus.active,
                    "shared_with_principal_at": datetime.combine(end, time(16), UTC) if summary_shared else None,
                    "summary_progress": "More students justify their answers." if summary_shared else "",
                    "version": 1, "field_versions": {}, "created_at": now, "updated_at": now,
                })  # fmt: skip
                for monday in block:
                    may = monday.month == 5
                    if rng.random() < (0.3 if may else 0.12):
                        continue  # a missed week
                    day = monday + timedelta(days=weekday)
                    kind = _pick(rng, KINDS)
                    linked = None
                    if kind == CheckInKind.debrief:
                        linked = next(
                            (o for d, o, c in reversed(lessons) if c == coach and 0 <= (day - d).days <= 10),
                            None,
                        )  # fmt: skip
                    at = datetime.combine(day, time(21), UTC)
                    check_in_rows.append({
                        "id": uuid.UUID(int=rng.getrandbits(128), version=4), "cycle_id": cid,
                        "date": day, "kind": kind, "evidence_examined": "Exit tickets",
                        "noticed": rng.choice(NOTICED), "will_try": rng.choice(WILL_TRY),
                        "look_for_next": "", "notes": "", "student_work": "",
                        "observation_id": linked, "created_by": coach, "version": 1,
                        "field_versions": {}, "created_at": at, "updated_at": at,
                    })  # fmt: skip
                i += length + rng.randint(1, 2)
        counts["coaching_cycles"] = _insert(conn, tables["coaching_cycle"], cycle_rows)
        counts["check_ins"] = _insert(conn, tables["check_in"], check_in_rows)

    truth = {r: dict(TRUTH[r]) for r in RUBRIC_IDS}
    return Generated(
        district_id=district_id,
        school_ids=school_ids,
        principals=principals,
        admin_email=ADMIN_EMAIL,
        password=PASSWORD,
        counts=dict(counts),
        seconds=clock.perf_counter() - start_clock,
        cpu_seconds=clock.process_time() - start_cpu,
        truth=truth,
    )


def _cohorts(years: int) -> list[float]:
    shares = list(COHORT_SHARE[:years]) + [COHORT_SHARE[-1]] * max(0, years - len(COHORT_SHARE))
    return shares


def _observable_days(year: tuple[date, date], today: date) -> list[date]:
    """School days a lesson may be observed: from the third week to a week before the end
    (or yesterday), weekdays only."""
    first, last = year[0] + timedelta(days=14), min(year[1] - timedelta(days=7), today - timedelta(days=1))  # fmt: skip
    n = max(0, (last - first).days + 1)
    return [d for d in (first + timedelta(days=k) for k in range(n)) if d.weekday() < 5]


def _tables() -> dict[str, Table]:
    models: list[Any] = [
        SchoolYear, School, User, Membership, Teacher, CoachAssignment, Observation,
        ObservationRubric, Score, CoachingCycle, CheckIn, RubricVersion,
    ]  # fmt: skip
    return {m.__tablename__: SQLModel.metadata.tables[m.__tablename__] for m in models}


def describe(size: Size) -> str:
    return (
        f"{size.schools} schools, {size.teachers} teachers, {size.years} school years, "
        f"about {size.observations} observations"
    )
