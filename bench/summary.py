"""Benchmark (not a test): the principal's and the district's summary pages, and the growth
model fit, on a district of 50 schools, 2,000 teachers, three school years and about 60,000
observations (about a million scores) with weekly-ish coaching check-ins (bench/district.py).

For each database (a fresh SQLite file migrated by Alembic; and a fresh PostgreSQL database
too when CADENCE_TEST_POSTGRES_URL is set) it prints how long generating took, then:
  - the growth-model fit (server.growth.model.fit_growth) of one dimension across all
    teachers, on the dimension scores of the finalized observations read from the database
    (the median of three fits, each printed), and of the same points ten times over (20,000
    teachers)
  - GET /schools/{id}/summary   signed in as each sampled school's principal
  - GET /district/summary       signed in as the district admin
with median and p95 server time (ASGI in-process, httpx.ASGITransport), against GET /healthz.
The last line is `p95_ms: N`, the worst p95 of the two pages on SQLite (`n/a` while the pages
do not exist yet).

    .venv/bin/python bench/summary.py [--small | --scale 10] [--schools 50 --teachers 2000 ...]
        [--profile] [--no-postgres]
"""

import argparse
import asyncio
import cProfile
import importlib
import io
import os
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import Any

import httpx
from district import Generated, Size, describe, fresh_postgres, generate
from sqlalchemy import Engine, event, select, text
from sqlmodel import Session, SQLModel, col

from server import migrate
from server.accounts import service as accounts_service
from server.accounts.models import User
from server.config import Settings
from server.db import make_engine
from server.growth.model import DAYS_PER_YEAR, GrowthFit, GrowthPoint, fit_growth
from server.main import create_app
from server.observations import operations as ops
from server.observations import service as observations_service
from server.observations.models import ObservationCreate, ObservationStatus
from server.roster.models import CoachAssignment, Teacher
from server.rubrics import service as rubrics_service
from server.rubrics.models import RubricVersion

SUMMARY = "/schools/{school_id}/summary"
FIT_RUNS = 3
DISTRICT = "/district/summary"
NOT_YET = "summary pages not available yet"
# A summary page says this while the worker computes or updates its numbers.
FRESHNESS = 'class="fit-status"'


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _line(label: str, samples: list[float], base: float | None = None) -> str:
    median, p95 = statistics.median(samples), _percentile(samples, 0.95)
    ratio = f"  ratio {median / base:6.1f}x" if base else ""
    return f"{label} median_ms: {median:8.2f}  p95_ms: {p95:8.2f}  n: {len(samples)}{ratio}"


# --- The growth fit ----------------------------------------------------------------------------


def fit_one(engine: Engine, district_id: int, rubric_id: str, dimension_id: str) -> str:
    """Read one dimension's scores of every finalized observation (an itemized dimension's
    score is the mean of its items), count time from each teacher's first finalized
    observation, and fit the growth model. Returns the printed line."""
    tables = SQLModel.metadata.tables
    observations, scores = tables["observation"], tables["observation_score"]
    teachers, versions = tables["teacher"], tables["rubric_version"]
    obs, score, teacher, version = observations.c, scores.c, teachers.c, versions.c
    start = time.perf_counter()
    final = (obs.status == ObservationStatus.final) & (teacher.district_id == district_id)
    with engine.connect() as conn:
        first: dict[int, datetime | str] = dict(
            conn.execute(
                select(obs.teacher_id, obs.observed_at)
                .join_from(observations, teachers, teacher.id == obs.teacher_id)
                .where(final)
                .order_by(obs.observed_at.desc())
            ).all()
        )  # the last one written per teacher wins: the earliest
        rows = conn.execute(
            select(obs.id, obs.teacher_id, obs.observed_at, score.value)
            .join_from(scores, observations, obs.id == score.observation_id)
            .join(teachers, teacher.id == obs.teacher_id)
            .join(versions, version.id == score.rubric_version_id)
            .where(final, version.rubric_id == rubric_id, score.dimension_id == dimension_id)
            .where(score.value.is_not(None))
        ).all()
    by_observation: dict[Any, list[float]] = defaultdict(list)
    meta: dict[Any, tuple[int, datetime]] = {}
    for oid, teacher_id, observed_at, value in rows:
        by_observation[oid].append(value)
        meta[oid] = (teacher_id, observed_at)
    points = [
        GrowthPoint(
            teacher=str(teacher_id),
            time=(_day(at) - _day(first[teacher_id])).days / DAYS_PER_YEAR,
            score=statistics.fmean(by_observation[oid]),
        )
        for oid, (teacher_id, at) in meta.items()
    ]
    query_s = time.perf_counter() - start
    label = f"{rubric_id}/{dimension_id}"
    line, outcome = _timed_fit(points)
    if not isinstance(outcome, GrowthFit):
        return f"{line} ({label}: no fit: {outcome.reason}; query_s {query_s:.2f})"
    corr = "n/a" if outcome.corr is None else f"{outcome.corr:.2f}"
    # Ten copies of the district (each teacher ten times, under ten names): the fit's time at
    # 20,000 teachers without generating them.
    tenfold = [p._replace(teacher=f"{p.teacher}-{copy}") for copy in range(10) for p in points]
    tenfold_line, _ = _timed_fit(tenfold)
    return (
        f"{line} ({label}: {outcome.n_obs} observations of {outcome.n_groups} "
        f"teachers; b0 {outcome.intercept.estimate:.2f}, "
        f"b1 {outcome.slope.estimate:.3f}/year (se {outcome.slope.se:.3f}), "
        f"sd_intercept {outcome.sd_intercept:.2f}, sd_slope {outcome.sd_slope:.2f}, corr {corr}, "
        f"residual_sd {outcome.residual_sd:.2f}; reading the rows {query_s:.2f} s)\n"
        f"{tenfold_line} (the same district ten times over: {len(tenfold):,} observations of "
        f"{10 * outcome.n_groups:,} teachers)"
    )


def _timed_fit(points: list[GrowthPoint]) -> tuple[str, Any]:
    """`fit_s: ...`, the median of FIT_RUNS fits (one run on this shared machine varies)."""
    runs = []
    for _ in range(FIT_RUNS):
        start = time.perf_counter()
        outcome = fit_growth(points)
        runs.append(time.perf_counter() - start)
    each = ", ".join(f"{run:.3f}" for run in runs)
    return f"fit_s: {statistics.median(runs):.3f} (runs {each})", outcome


def _day(value: datetime | str) -> date:
    return (datetime.fromisoformat(value) if isinstance(value, str) else value).date()


# --- SQL statements and a profile of one request ---------------------------------------------


class StatementLog:
    """Every statement any engine runs while `active`: count and total time per text."""

    def __init__(self) -> None:
        self.active = False
        self.times: dict[str, list[float]] = defaultdict(list)
        event.listen(Engine, "before_cursor_execute", self._before)
        event.listen(Engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, _cursor: Any, _stmt: str, *_args: Any) -> None:
        conn.info.setdefault("bench_start", []).append(time.perf_counter())

    def _after(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        started = conn.info["bench_start"].pop()
        if self.active:
            self.times[statement].append((time.perf_counter() - started) * 1000)

    def report(self, top: int = 8) -> list[str]:
        total = sum(sum(t) for t in self.times.values())
        count = sum(len(t) for t in self.times.values())
        out = [f"  SQL: {count} statements, {total:.1f} ms in the database driver"]
        ranked = sorted(self.times.items(), key=lambda kv: -sum(kv[1]))[:top]
        for statement, times in ranked:
            flat = " ".join(statement.split())
            out.append(f"  {sum(times):8.1f} ms  x{len(times):<4d} {flat[:400]}")
        return out


# What one page request runs in FastAPI's worker thread (a `def` endpoint runs there, out of
# reach of a profiler started in the event loop's thread): each is wrapped and profiled.
PROFILED = (
    ("server.growth.service", "summary"),
    ("server.growth.service", "shared_growth_teachers"),
    ("server.growth.routes", "render"),
)


@contextmanager
def profiled(sink: list[tuple[str, float, pstats.Stats]]) -> Iterator[None]:
    """Wrap the PROFILED functions; each call appends (name, ms, its profile) to `sink`."""
    patched = []
    for module_name, name in PROFILED:
        module = importlib.import_module(module_name)
        original = getattr(module, name, None)
        if original is None:
            continue

        def wrapper(*args: Any, __f: Any = original, __n: str = name, **kwargs: Any) -> Any:
            profile = cProfile.Profile()
            start = time.perf_counter()
            try:
                return profile.runcall(__f, *args, **kwargs)
            finally:
                ms = (time.perf_counter() - start) * 1000
                sink.append((__n, ms, pstats.Stats(profile, stream=io.StringIO())))

        setattr(module, name, wraps(original)(wrapper))
        patched.append((module, name, original))
    try:
        yield
    finally:
        for module, name, original in patched:
            setattr(module, name, original)


def _profile_text(stats: pstats.Stats, top: int = 25) -> list[str]:
    stream = io.StringIO()
    stats.stream = stream  # type: ignore[attr-defined]
    stats.sort_stats("cumulative").print_stats(top)
    return ["  " + line for line in stream.getvalue().splitlines() if line.strip()]


# --- The pages ---------------------------------------------------------------------------------


async def _sign_in(client: httpx.AsyncClient, email: str, password: str) -> None:
    page = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    login = {"email": email, "password": password, "csrf_token": token}
    response = await client.post("/login", data=login)
    assert response.status_code == 303, response.text[:500]


async def _timed(call: Callable[[], Awaitable[httpx.Response]]) -> tuple[float, httpx.Response]:
    start = time.perf_counter()
    response = await call()
    return (time.perf_counter() - start) * 1000, response


class NotThereYet(Exception):
    pass


def _check(response: httpx.Response, path: str) -> None:
    if response.status_code == 404:
        raise NotThereYet(path)
    if response.status_code != 200:
        raise AssertionError(f"GET {path}: {response.status_code} {response.text[:300]}")


async def _until_fresh(
    client: httpx.AsyncClient, path: str, samples: list[float], timeout: float = 600
) -> float:
    """GET `path` every 0.2 s (each timed into `samples`) until its numbers are fresh, not
    being computed or updated by the background worker; returns the seconds it took."""
    began = time.perf_counter()
    while True:
        ms, response = await _timed(lambda: client.get(path))
        _check(response, path)
        samples.append(ms)
        if FRESHNESS not in response.text:
            return time.perf_counter() - began
        if time.perf_counter() - began > timeout:
            raise AssertionError(f"GET {path}: not fresh after {timeout:.0f} s")
        await asyncio.sleep(0.2)


async def pages(
    settings: Settings, made: Generated, args: argparse.Namespace, log: StatementLog
) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Time both pages, from the app's start (the worker computes every district's summary)
    and after a new observation; NotThereYet when a page answers 404."""
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    samples: dict[str, list[float]] = defaultdict(list)
    seconds: dict[str, float] = {}
    step = max(1, len(made.school_ids) // args.sample_schools)
    sampled = made.school_ids[::step][: args.sample_schools]
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as admin:
            await _sign_in(admin, made.admin_email, made.password)
            ms, response = await _timed(lambda: admin.get(DISTRICT))
            _check(response, DISTRICT)
            samples["district first"].append(ms)
            seconds["start"] = await _until_fresh(admin, DISTRICT, samples["district computing"])
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for _ in range(5):
                (await client.get("/healthz")).raise_for_status()
            for _ in range(args.requests * 4):
                samples["healthz"].append((await _timed(lambda: client.get("/healthz")))[0])
        for school_id in sampled:
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                await _sign_in(client, made.principals[school_id], made.password)
                path = SUMMARY.format(school_id=school_id)
                for n in range(args.requests):
                    ms, response = await _timed(lambda p=path: client.get(p))  # type: ignore[misc]
                    _check(response, path)
                    samples["summary first" if n == 0 else "summary repeat"].append(ms)
                    samples["summary"].append(ms)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            await _sign_in(client, made.admin_email, made.password)
            for _ in range(args.district_requests):
                ms, response = await _timed(lambda: client.get(DISTRICT))
                _check(response, DISTRICT)
                samples["district"].append(ms)
            # A coach finalizes an observation: the next request, and each until the worker
            # has refreshed the summary, is timed.
            write_began = time.perf_counter()
            await asyncio.to_thread(_finalize_one_observation, settings.database_url, made)
            ms, response = await _timed(lambda: client.get(DISTRICT))
            _check(response, DISTRICT)
            samples["district after a write"].append(ms)
            await _until_fresh(client, DISTRICT, samples["district after a write"])
            seconds["write"] = time.perf_counter() - write_began
            if args.profile:
                await _profile(app, client, made, sampled[0], log)
    return samples, seconds


def _finalize_one_observation(url: str, made: Generated) -> None:
    """Through the write path a coach's tablet uses: a new observation of one of their
    teachers, every dimension scored, finalized."""
    engine = make_engine(url)
    with Session(engine) as session:
        coach_id, teacher_id, start = session.execute(
            select(
                col(CoachAssignment.coach_id), col(CoachAssignment.teacher_id),
                col(CoachAssignment.start_date),
            )
            .join(Teacher, col(Teacher.id) == col(CoachAssignment.teacher_id))
            .where(col(Teacher.district_id) == made.district_id)
            .order_by(col(CoachAssignment.start_date).desc())
            .limit(1)
        ).one()  # fmt: skip
        coach = session.get(User, coach_id)
        assert coach is not None
        actor = accounts_service.load_viewer(session=session, user=coach)
        version = session.execute(
            select(RubricVersion).order_by(col(RubricVersion.id)).limit(1)
        ).scalar_one()
        rubric = rubrics_service.rubric_of(version)
        oid = uuid.uuid4()
        on = datetime.combine(start, datetime.min.time(), tzinfo=UTC) + timedelta(days=7, hours=10)
        operations: list[ops.Operation] = [
            ops.CreateObservation(
                observation_id=oid,
                data=ObservationCreate(
                    observed_at=on, grade="4", teacher_id=teacher_id,
                    rubric_version_ids=[version.id],
                ),
            )
        ]  # fmt: skip
        for dim in rubric.dimensions:
            for item_id in [i.id for i in dim.items] or [""]:
                operations.append(
                    ops.SetScore(
                        observation_id=oid, rubric_version_id=version.id,
                        dimension_id=dim.id, item_id=item_id, value=rubric.scale_for(dim).max,
                    )
                )  # fmt: skip
        operations.append(ops.Finalize(observation_id=oid))
        for op in operations:
            observations_service.apply_operation(session=session, actor=actor, op=op)
        session.commit()
    engine.dispose()


async def _profile(
    app: Any, admin: httpx.AsyncClient, made: Generated, school_id: int, log: StatementLog
) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as principal:
        await _sign_in(principal, made.principals[school_id], made.password)
        for label, client, path in (
            ("summary", principal, SUMMARY.format(school_id=school_id)),
            ("district", admin, DISTRICT),
        ):
            sink: list[tuple[str, float, pstats.Stats]] = []
            log.times.clear()
            log.active = True
            with profiled(sink):
                ms, response = await _timed(lambda c=client, p=path: c.get(p))  # type: ignore[misc]
            log.active = False
            _check(response, path)
            print(f"profile of one {label} request (GET {path}: {ms:.1f} ms with the profiler)")
            for line in log.report():
                print(line)
            for name, call_ms, stats in sink:
                print(f"  {name}: {call_ms:.1f} ms")
                for line in _profile_text(stats):
                    print(line)


# --- One database ------------------------------------------------------------------------------


def run_database(
    kind: str, url: str, tmp: Path, size: Size, args: argparse.Namespace, log: StatementLog
) -> float | None:
    """Generate, fit, time the pages; print the lines; return the worst p95 (None: no pages)."""
    migrate.upgrade(url)
    settings = Settings(
        environment="test", database_url=url, secret_key="b" * 16 + "enchmark-secret-key-0123456789",
        var_dir=tmp, argon2_time_cost=1, argon2_memory_kib=64,
    )  # fmt: skip
    engine = make_engine(url)
    made = generate(engine, settings, size)
    if kind == "postgresql":
        # A database in service has planner statistics (autovacuum analyzes after bulk
        # changes); one just bulk-loaded has none, and plans the summary's join for 10 rows.
        # SQLite gathers none unless asked, and the app never asks: it is timed without.
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    c = made.counts
    print(f"{kind} generated in {made.seconds:.1f} s (CPU {made.cpu_seconds:.1f} s): {c['schools']} schools, {c['teachers']} "
          f"teachers, {c['users']} users, {c['coach_assignments']} coach assignments, "
          f"{c['observations']} observations, {c['scores']} scores "
          f"({c['scores'] / max(1, c['observations']):.1f} per observation), "
          f"{c['coaching_cycles']} coaching cycles, {c['check_ins']} check-ins")  # fmt: skip
    rubric_id, _, dimension_id = args.fit_dimension.partition(":")
    truth = made.truth.get(rubric_id, {})
    for line in fit_one(engine, made.district_id, rubric_id, dimension_id).splitlines():
        print(f"{kind} {line}")
    if truth:
        print(f"{kind} fit truth ({rubric_id}, before rounding and clipping): b0 {truth['b0']}, "
              f"b1 {truth['b1']}/year, sd_intercept {truth['sd0']}, sd_slope {truth['sd1']}")  # fmt: skip
    engine.dispose()
    try:
        samples, seconds = asyncio.run(pages(settings, made, args, log))
    except NotThereYet as missing:
        print(f"{kind} {NOT_YET} (GET {missing} answered 404)")
        return None
    except Exception as exc:  # a page under construction: report it, keep the other lines
        print(f"{kind} summary pages failed: {type(exc).__name__}: {exc}")
        return None
    base = statistics.median(samples["healthz"])
    print(_line(f"{kind} healthz", samples["healthz"]))
    print(f"{kind} the worker's summary after the start: fresh in {seconds['start']:.1f} s")
    print(_line(f"{kind} district (while the worker computes it)", samples["district computing"]))
    print(_line(f"{kind} summary", samples["summary"], base))
    print(_line(f"{kind} summary (first request per school)", samples["summary first"], base))
    print(_line(f"{kind} summary (repeat requests)", samples["summary repeat"], base))
    print(_line(f"{kind} district", samples["district"], base))
    after = samples["district after a write"]
    print(_line(f"{kind} district (after a write, until fresh)", after, base))
    print(f"{kind} the worker's summary after a write: fresh in {seconds['write']:.1f} s")
    for label in ("district computing", "district after a write"):
        series = ", ".join(f"{ms:.0f}" for ms in samples[label])
        print(f"{kind} {label}, each request in order (ms): {series}")
    print(f"{kind} district_first_ms: {samples['district first'][0]:.2f} (after the start), "
          f"{after[0]:.2f} (after a write)")  # fmt: skip
    pages_only = ("district first", "district computing", "summary", "district", "district after a write")  # fmt: skip
    every = [ms for label in pages_only for ms in samples[label]]
    print(f"{kind} every page request p95_ms: {_percentile(every, 0.95):.0f} (n: {len(every)})")
    return _percentile(every, 0.95)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    default = Size()
    parser.add_argument("--small", action="store_true", help="a 1/20 size district")
    parser.add_argument(
        "--scale", type=float, default=1.0,
        help="schools, teachers and observations times this (10: 20,000 teachers)",
    )  # fmt: skip
    parser.add_argument("--schools", type=int, default=default.schools)
    parser.add_argument("--teachers", type=int, default=default.teachers)
    parser.add_argument("--years", type=int, default=default.years)
    parser.add_argument("--observations", type=int, default=default.observations)
    parser.add_argument("--coaches-per-school", type=int, default=default.coaches_per_school)
    parser.add_argument("--sample-schools", type=int, default=20)
    parser.add_argument("--requests", type=int, default=5, help="per sampled school")
    parser.add_argument("--district-requests", type=int, default=30)
    parser.add_argument("--fit-dimension", default="nctm-practices:questions")
    parser.add_argument("--profile", action="store_true", help="profile one request of each")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--postgres-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    size = Size(
        schools=args.schools, teachers=args.teachers, years=args.years,
        observations=args.observations, coaches_per_school=args.coaches_per_school,
    )  # fmt: skip
    if args.small:
        size = size.scaled(1 / 20)
    if args.scale != 1.0:
        size = size.scaled(args.scale)

    tmp = Path(tempfile.mkdtemp(prefix="cadence-bench-"))
    try:
        _run(args, size, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # about 300 MB of SQLite at full size


def _run(args: argparse.Namespace, size: Size, tmp: Path) -> None:
    log = StatementLog()
    server = os.environ.get("CADENCE_TEST_POSTGRES_URL", "")
    if args.postgres_only:
        with fresh_postgres(server) as url:
            run_database("postgresql", url, tmp, size, args, log)
        return
    print(f"district: {describe(size)}")
    worst = run_database("sqlite", f"sqlite:///{tmp / 'bench.db'}", tmp, size, args, log)
    if server and not args.no_postgres:
        # In a process of its own: the pages' caches live in the process, and the same
        # seed makes the same data, so PostgreSQL would be served what SQLite computed.
        sys.stdout.flush()
        child = subprocess.run([sys.executable, __file__, *sys.argv[1:], "--postgres-only"])
        if child.returncode:
            print(f"postgresql run failed (exit code {child.returncode})")
    print(f"p95_ms: {worst:.0f}" if worst is not None else "p95_ms: n/a")


if __name__ == "__main__":
    main()
