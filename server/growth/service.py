"""Growth pages' queries (docs/growth.md): a teacher's scores over time with their fitted
trend, the school and district summaries (aggregates only, small cells suppressed), and the
district admin's pseudonymous score export.

A dimension's score in an observation is the mean of its scored items (a dimension without
items has one). Only finalized observations count. The teacher's page and the growth model use
the observations shared with the teacher (what the teacher has seen); the summaries and the
export use every finalized observation, aggregated or pseudonymous.

The summaries aggregate in the database (GROUP BY teacher, school year, half of the year,
dimension and level), and both the growth fits and the summaries are cached in-process, keyed
on a stamp that is cheap to read (`district_stamp`): the latest change-log entry and the latest
observation write, and the district's roster.
"""

import csv
import hashlib
import hmac
import io
import logging
import math
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import lru_cache
from time import perf_counter
from typing import Any, Literal

import numpy as np
import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy import ColumnElement, Engine, Float, and_, case, cast, func, select
from sqlmodel import Session, col

from server.accounts.models import Membership, Role
from server.accounts.service import Viewer
from server.audit import service as audit_service
from server.coaching import access as coaching_access
from server.coaching.models import CheckIn, CoachingCycle
from server.db import utcnow
from server.growth import svg
from server.growth.model import DAYS_PER_YEAR, GrowthFit, GrowthOutcome, GrowthPoint, fit_growth
from server.growth.models import GrowthShare
from server.growth.outcome import NoEstimate, TooFewObservations
from server.growth.stats import (
    CohortComparison,
    HighLevelShare,
    PairedComparison,
    Suppressed,
    compare_cohorts,
    describe_change,
    high_level_share,
    paired_comparison,
    suppress_small_cell,
)
from server.observations.models import Observation, Score
from server.roster.models import School, SchoolYear, Teacher
from server.rubrics import service as rubrics_service
from server.rubrics.models import RubricVersion
from server.sync.models import SyncChange

S = Score.__table__  # type: ignore[attr-defined]
O = Observation.__table__  # type: ignore[attr-defined]  # noqa: E741
RV = RubricVersion.__table__  # type: ignore[attr-defined]
T = Teacher.__table__  # type: ignore[attr-defined]
CI = CheckIn.__table__  # type: ignore[attr-defined]
CC = CoachingCycle.__table__  # type: ignore[attr-defined]
M = Membership.__table__  # type: ignore[attr-defined]
SC = SyncChange.__table__  # type: ignore[attr-defined]
logger = logging.getLogger(__name__)

Z95 = 1.959963984540054
ROLE_WORDS = {
    Role.coach: "Coach",
    Role.principal: "Principal",
    Role.district_admin: "District admin",
    Role.teacher: "Teacher",
}
DOSAGE_MONTHS = 12
ASSOCIATION_NOTE = (
    "Check-ins per month are shown beside the scores; they show what happened together, "
    "not what caused what."
)


# --- Instruments: the rubrics' dimensions, names and scales ---------------------------------


@dataclass(frozen=True)
class DimensionInfo:
    id: str
    name: str
    low: int
    high: int
    high_level_min: int | None


@dataclass(frozen=True)
class Instrument:
    rubric_id: str
    title: str
    dimensions: tuple[DimensionInfo, ...]

    def dimension(self, dimension_id: str) -> DimensionInfo | None:
        return next((d for d in self.dimensions if d.id == dimension_id), None)

    @property
    def low(self) -> int:
        return min(d.low for d in self.dimensions)

    @property
    def high(self) -> int:
        return max(d.high for d in self.dimensions)


def instruments(*, session: Session) -> dict[str, Instrument]:
    """Every stored rubric by id: the newest version's title and dimensions, then the
    dimensions only older versions have."""
    versions = session.execute(select(RubricVersion)).scalars().all()
    by_id: dict[str, list[RubricVersion]] = defaultdict(list)
    for v in versions:
        by_id[v.rubric_id].append(v)
    out: dict[str, Instrument] = {}
    for rubric_id, rows in by_id.items():
        rows.sort(key=lambda r: rubrics_service.version_key(r.version), reverse=True)
        dims: dict[str, DimensionInfo] = {}
        for row in rows:
            rubric = rubrics_service.rubric_of(row)
            for d in rubric.dimensions:
                if d.id not in dims:
                    scale = rubric.scale_for(d)
                    dims[d.id] = DimensionInfo(
                        d.id, d.name, scale.min, scale.max, scale.high_level_min
                    )
        out[rubric_id] = Instrument(rubric_id, rows[0].title, tuple(dims.values()))
    return out


# --- Shared query pieces -----------------------------------------------------------------------


def _dimension_scores(*where: ColumnElement[bool]) -> sa.Select[Any]:
    """One row per (finalized observation, rubric version, dimension): the mean of its scored
    items (or its one score)."""
    return (
        select(
            O.c.id.label("observation_id"),
            O.c.teacher_id,
            O.c.observed_at,
            O.c.school_year_id,
            O.c.observer_id,
            RV.c.rubric_id,
            RV.c.version,
            S.c.dimension_id,
            func.avg(cast(S.c.value, Float)).label("score"),
        )
        .select_from(
            S.join(O, O.c.id == S.c.observation_id)
            .join(RV, RV.c.id == S.c.rubric_version_id)
            .join(T, T.c.id == O.c.teacher_id)
        )
        .where(O.c.status == "final", S.c.value.is_not(None), *where)
        .group_by(
            O.c.id,
            O.c.teacher_id,
            O.c.observed_at,
            O.c.school_year_id,
            O.c.observer_id,
            RV.c.id,
            RV.c.rubric_id,
            RV.c.version,
            S.c.dimension_id,
        )
    )


def district_stamp(*, session: Session, district_id: int) -> tuple[Any, ...]:
    """Changes whenever an observation is written (every accepted write logs a sync_change
    row, deletions included, and bumps the observation's updated_at) or the district's
    teachers move, join a cohort or leave, or its school years or the rubrics change.

    Cheap on every request: the observation part is two index lookups (the change log's
    primary key and ix_observation_updated_at), not a scan of the district's observations.
    It is not per district: a write anywhere makes every district's summaries stale."""
    obs = session.execute(
        select(
            select(func.max(SC.c.seq)).scalar_subquery(),
            select(func.max(O.c.updated_at)).scalar_subquery(),
        )
    ).one()
    roster = session.execute(
        select(
            func.count(T.c.id),
            func.sum(T.c.school_id * 7 + T.c.id),
            func.sum(func.coalesce(T.c.cohort_year_id, 0) * 13 + T.c.id),
            func.sum(case((T.c.active.is_(True), T.c.id), else_=0)),
        ).where(T.c.district_id == district_id)
    ).one()
    calendar = session.execute(
        select(func.count(SchoolYear.id), func.sum(SchoolYear.id)).where(  # type: ignore[arg-type]
            SchoolYear.district_id == district_id  # type: ignore[arg-type]
        )
    ).one()
    rubrics = session.execute(select(func.count(RV.c.id), func.sum(RV.c.id))).one()
    return (*tuple(obs), *tuple(roster), *tuple(calendar), *tuple(rubrics))


def _observer_roles(
    *, session: Session, user_ids: Iterable[int], district_id: int
) -> dict[int, str]:
    held: dict[int, set[Role]] = defaultdict(set)
    ids = set(user_ids)
    if ids:
        for user_id, role in session.execute(
            select(M.c.user_id, M.c.role).where(
                M.c.user_id.in_(ids), M.c.district_id == district_id
            )
        ):
            held[user_id].add(Role(role))
    out = {}
    for user_id in ids:
        roles = held.get(user_id, set())
        first = next(
            (
                r
                for r in (Role.coach, Role.principal, Role.district_admin, Role.teacher)
                if r in roles
            ),
            None,
        )
        out[user_id] = ROLE_WORDS[first] if first else "No current role"
    return out


def _as_date(value: datetime) -> date:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).date()


# --- Who sees a teacher's growth page ----------------------------------------------------------


def growth_shared_at(*, session: Session, teacher_id: int) -> datetime | None:
    row = session.get(GrowthShare, teacher_id)
    return row.shared_at if row else None


def growth_access(*, session: Session, viewer: Viewer, teacher: Teacher, today: date) -> str | None:
    """ "teacher" (their own page), "coach" (in the coach's caseload today), "principal" (of
    the teacher's school, once the teacher shared the page), or None."""
    assert teacher.id is not None
    if teacher.user_id is not None and teacher.user_id == viewer.id:
        return "teacher"
    if viewer.has_role(Role.coach) and coaching_access.in_caseload(
        session=session, coach_id=viewer.id, teacher_id=teacher.id, on=today
    ):
        return "coach"
    if teacher.school_id in viewer.school_ids(Role.principal) and growth_shared_at(
        session=session, teacher_id=teacher.id
    ):
        return "principal"
    return None


def set_growth_shared(*, session: Session, viewer: Viewer, teacher: Teacher, shared: bool) -> None:
    """The teacher's own choice (PermissionError for anyone else); commits."""
    if teacher.user_id is None or teacher.user_id != viewer.id:
        raise PermissionError("Only the teacher can choose whether to share their growth page.")
    row = session.get(GrowthShare, teacher.id)
    if shared and row is None:
        assert teacher.id is not None
        session.add(GrowthShare(teacher_id=teacher.id, shared_by=viewer.id, shared_at=utcnow()))
    elif not shared and row is not None:
        session.delete(row)
    session.commit()


def shared_growth_teachers(*, session: Session, school_id: int) -> list[Teacher]:
    """The school's teachers who share their growth page with the principal, by name."""
    return list(
        session.execute(
            select(Teacher)
            .join(GrowthShare, GrowthShare.teacher_id == Teacher.id)  # type: ignore[arg-type]
            .where(col(Teacher.school_id) == school_id)
            .order_by(col(Teacher.name))
        ).scalars()
    )


# --- The growth model, fitted per (district, rubric, dimension), off the request path --------
#
# A cold fit of a district is slow (statsmodels; up to four optimizers per dimension), so pages
# never fit: they read what is cached (`cached_fits`) and queue a refit when it is missing or
# older than the district's observations. One worker thread per process (started and stopped
# by the app's lifespan: `start_fit_worker`, `stop_fit_worker`) runs the queue; `refit_now`
# runs it in the calling thread (tests, the CLI) and waits for the worker's fit in flight.

FitStatus = Literal["fresh", "stale", "pending"]
_FitKey = tuple[str, int, str]  # (database, district, rubric)


@dataclass(frozen=True)
class DistrictFits:
    """One rubric's growth models across a district's teachers, as of `stamp`."""

    stamp: tuple[Any, ...]
    fits: dict[str, GrowthOutcome]  # by dimension id
    first: dict[int, date]  # each teacher's first observation: time 0 of the models
    computed_at: datetime
    seconds: dict[str, float]  # how long each dimension's fit took


@dataclass(frozen=True)
class CachedFits:
    """What a page shows: "fresh" fits, "stale" ones (computed before the latest observations;
    a refit is queued), or none yet ("pending", queued)."""

    status: FitStatus
    fits: dict[str, GrowthOutcome]
    first: dict[int, date]
    computed_at: datetime | None


class _Stopped(Exception):
    """The worker was told to stop in the middle of a fit."""


_FITS: dict[_FitKey, DistrictFits] = {}
_FITS_LOCK = threading.Lock()
# Guards _PENDING, _IN_FLIGHT and the worker's state; notified whenever they change.
_QUEUE = threading.Condition(_FITS_LOCK)
_PENDING: dict[_FitKey, Engine] = {}  # in the order asked for
_IN_FLIGHT: set[_FitKey] = set()
_ONE_FIT = threading.Lock()
_WORKER: dict[str, Any] = {"thread": None, "users": 0, "stop": False}


def _fit_key(session: Session, district_id: int, rubric_id: str) -> tuple[_FitKey, Engine]:
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    return (engine.url.render_as_string(hide_password=True), district_id, rubric_id), engine


def _first_dates(*, session: Session, district_id: int) -> dict[int, date]:
    """Each teacher's first observation (finalized, shared with them) on any instrument."""
    rows = session.execute(
        select(O.c.teacher_id, func.min(O.c.observed_at))
        .select_from(O.join(T, T.c.id == O.c.teacher_id))
        .where(
            T.c.district_id == district_id,
            O.c.status == "final",
            O.c.shared_with_teacher_at.is_not(None),
        )
        .group_by(O.c.teacher_id)
    )
    return {teacher_id: _as_date(first) for teacher_id, first in rows}


@dataclass(frozen=True)
class _Points:
    stamp: tuple[Any, ...]
    first: dict[int, date]
    by_dimension: dict[str, list[GrowthPoint]]


def _read_points(*, session: Session, district_id: int, rubric_id: str) -> _Points:
    """The scores the models of one rubric are fitted on (finalized observations shared with
    the teacher; time in years since the teacher's first), and the stamp they are as of."""
    stamp = district_stamp(session=session, district_id=district_id)
    first = _first_dates(session=session, district_id=district_id)
    inner = _dimension_scores(
        T.c.district_id == district_id,
        O.c.shared_with_teacher_at.is_not(None),
        RV.c.rubric_id == rubric_id,
    ).subquery()
    points: dict[str, list[GrowthPoint]] = defaultdict(list)
    for teacher_id, observed_at, dimension_id, score in session.execute(
        select(
            inner.c.teacher_id, inner.c.observed_at, inner.c.dimension_id, inner.c.score
        ).order_by(inner.c.teacher_id, inner.c.observed_at, inner.c.observation_id)
    ):
        start = first.get(teacher_id)
        if start is None:
            continue
        years = (_as_date(observed_at) - start).days / DAYS_PER_YEAR
        points[dimension_id].append(GrowthPoint(str(teacher_id), years, float(score)))
    return _Points(stamp, first, dict(points))


def _fit_and_cache(
    key: _FitKey, points: _Points, stop: threading.Event | None = None
) -> DistrictFits:
    fits: dict[str, GrowthOutcome] = {}
    seconds: dict[str, float] = {}
    for dimension_id, rows in points.by_dimension.items():
        if stop is not None and stop.is_set():
            raise _Stopped
        # One fit at a time in the process: fit_growth judges statsmodels' warnings with
        # warnings.catch_warnings(), which is process-wide state.
        with _ONE_FIT:
            began = perf_counter()
            fits[dimension_id] = fit_growth(rows)
            seconds[dimension_id] = perf_counter() - began
    result = DistrictFits(points.stamp, fits, points.first, utcnow(), seconds)
    with _FITS_LOCK:
        _FITS[key] = result
    logger.info(
        "growth fits for district %s, %s: %d dimensions in %.1f s",
        key[1], key[2], len(fits), sum(seconds.values()),
    )  # fmt: skip
    return result


def compute_fits(*, session: Session, district_id: int, rubric_id: str) -> DistrictFits:
    """Fit the growth model of every dimension of one rubric across the district's teachers
    (time: years since each teacher's first observation), in this thread, and cache it. Slow:
    the worker and `refit_now` call it, never a page."""
    key, _engine = _fit_key(session, district_id, rubric_id)
    points = _read_points(session=session, district_id=district_id, rubric_id=rubric_id)
    return _fit_and_cache(key, points)


def cached_fits(*, session: Session, district_id: int, rubric_id: str) -> CachedFits:
    """The cached growth models of one rubric across the district, at once: fresh, stale
    (the district's observations changed since) or none yet. Unless fresh, a refit is queued
    for the worker."""
    key, engine = _fit_key(session, district_id, rubric_id)
    stamp = district_stamp(session=session, district_id=district_id)
    with _QUEUE:
        cached = _FITS.get(key)
        if cached is not None and cached.stamp == stamp:
            return CachedFits("fresh", cached.fits, cached.first, cached.computed_at)
        _PENDING.setdefault(key, engine)
        _QUEUE.notify_all()
    if cached is None:
        return CachedFits("pending", {}, {}, None)
    return CachedFits("stale", cached.fits, cached.first, cached.computed_at)


def district_fits(
    *, session: Session, district_id: int, rubric_id: str
) -> tuple[dict[str, GrowthOutcome], dict[int, date]]:
    """Fresh growth models of one rubric across the district, and each teacher's first date:
    from the cache, or fitted now in this thread (slow) when the district's observations
    changed since."""
    key, _engine = _fit_key(session, district_id, rubric_id)
    stamp = district_stamp(session=session, district_id=district_id)
    cached = _FITS.get(key)
    if cached is None or cached.stamp != stamp:
        cached = compute_fits(session=session, district_id=district_id, rubric_id=rubric_id)
    return cached.fits, cached.first


def _run(key: _FitKey, engine: Engine, stop: threading.Event | None = None) -> None:
    """One queued refit, unless the cache caught up meanwhile. The database is read in a
    short session of its own, closed before the slow part."""
    _database, district_id, rubric_id = key
    with Session(engine) as session:
        cached = _FITS.get(key)
        stamp = district_stamp(session=session, district_id=district_id)
        if cached is not None and cached.stamp == stamp:
            return
        points = _read_points(session=session, district_id=district_id, rubric_id=rubric_id)
    _fit_and_cache(key, points, stop)


def _take(district_id: int | None = None) -> tuple[_FitKey, Engine] | None:
    """The next queued refit (of `district_id`, if given), marked in flight. Hold _QUEUE."""
    for key, engine in _PENDING.items():
        if key not in _IN_FLIGHT and (district_id is None or key[1] == district_id):
            del _PENDING[key]
            _IN_FLIGHT.add(key)
            return key, engine
    return None


def _done(key: _FitKey) -> None:
    with _QUEUE:
        _IN_FLIGHT.discard(key)
        _QUEUE.notify_all()


def refit_now(
    *, session: Session | None = None, district_id: int | None = None, timeout: float = 600
) -> int:
    """Run the queued refits in this thread (only `district_id`'s, if given) and wait for the
    one the worker may have in flight. With `session` and `district_id`, first queue every
    rubric the district has scores on, so they are fresh afterwards whether or not a page
    asked. Returns how many refits ran here. For tests and the CLI: pages never wait."""
    if session is not None and district_id is not None:
        rubric_ids = session.execute(
            select(RV.c.rubric_id)
            .select_from(
                S.join(O, O.c.id == S.c.observation_id)
                .join(RV, RV.c.id == S.c.rubric_version_id)
                .join(T, T.c.id == O.c.teacher_id)
            )
            .where(T.c.district_id == district_id)
            .distinct()
        ).scalars()
        for rubric_id in sorted(rubric_ids):
            key, engine = _fit_key(session, district_id, rubric_id)
            with _QUEUE:
                _PENDING.setdefault(key, engine)
    ran = 0
    deadline = perf_counter() + timeout
    while True:
        with _QUEUE:
            job = _take(district_id)
            if job is None:
                busy = [k for k in _IN_FLIGHT if district_id is None or k[1] == district_id]
                if not busy:
                    return ran
                if not _QUEUE.wait(timeout=max(0.0, deadline - perf_counter())):
                    raise TimeoutError("the growth fits in flight did not finish in time")
                continue
        try:
            _run(*job)
            ran += 1
        finally:
            _done(job[0])


def clear_fits() -> None:
    """Forget every cached fit and queued refit, once any in flight is done (tests)."""
    with _QUEUE:
        _PENDING.clear()
        while _IN_FLIGHT:
            _QUEUE.wait()
        _FITS.clear()


def _work(stop: threading.Event) -> None:
    while True:
        with _QUEUE:
            job = _take()
            while job is None and not stop.is_set():
                _QUEUE.wait()
                job = _take()
            if job is None:
                return
            if stop.is_set():
                _PENDING.setdefault(*job)
                _IN_FLIGHT.discard(job[0])
                return
        key, engine = job
        try:
            _run(key, engine, stop=stop)
        except _Stopped:
            with _QUEUE:
                _PENDING.setdefault(key, engine)
        except Exception:  # a page keeps showing what it has; the next visit queues again
            logger.exception("growth refit of district %s, %s failed", key[1], key[2])
        finally:
            _done(key)


def start_fit_worker() -> None:
    """Start this process's refit worker (the app's lifespan; once per app, counted)."""
    with _QUEUE:
        _WORKER["users"] += 1
        thread = _WORKER["thread"]
        if thread is not None and thread.is_alive():
            return
        stop = threading.Event()
        thread = threading.Thread(target=_work, args=(stop,), name="growth-fits", daemon=True)
        _WORKER.update(thread=thread, stop=stop)
        thread.start()


def stop_fit_worker(timeout: float = 30) -> None:
    """Stop the worker when the last app using it shuts down: a fit in flight is abandoned
    at the next dimension (and queued again)."""
    with _QUEUE:
        _WORKER["users"] = max(0, _WORKER["users"] - 1)
        thread = _WORKER["thread"]
        if _WORKER["users"] or thread is None:
            return
        _WORKER["stop"].set()
        _WORKER["thread"] = None
        _QUEUE.notify_all()
    thread.join(timeout)


# --- The teacher's growth page ---------------------------------------------------------------


@dataclass(frozen=True)
class ScorePoint:
    observed_on: date
    score: float
    rubric_version: str
    observer_role: str


@dataclass(frozen=True)
class Trend:
    """The teacher's empirical-Bayes growth rate (points a year) with a 95% interval, and the
    district's average rate it was shrunk toward."""

    slope: float
    low: float
    high: float
    district_slope: float
    district_low: float
    district_high: float
    n_teachers: int
    notes: tuple[str, ...]


@dataclass
class DimensionGrowth:
    id: str
    name: str
    points: list[ScorePoint]
    trend: Trend | NoEstimate | None  # None: no model for this line (the overall score)
    chart: Markup = field(default_factory=Markup)

    @property
    def baseline(self) -> ScorePoint | None:
        return self.points[0] if self.points else None

    @property
    def latest(self) -> ScorePoint | None:
        return self.points[-1] if len(self.points) > 1 else None


@dataclass
class InstrumentGrowth:
    instrument: Instrument
    overall: DimensionGrowth
    dimensions: list[DimensionGrowth]
    # The district's growth models: "fresh", "stale" (computed before the latest
    # observations, being updated) or "pending" (being computed; no trend yet).
    fit_status: FitStatus = "fresh"
    fits_computed_at: datetime | None = None


@dataclass(frozen=True)
class MonthCount:
    month: str  # "YYYY-MM"
    label: str  # "Sep 2025"
    check_ins: int


@dataclass
class TeacherGrowthPage:
    teacher: Teacher
    instruments: list[InstrumentGrowth]
    dosage: list[MonthCount]
    dosage_chart: Markup
    n_observations: int


MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _month_label(year: int, month: int) -> str:
    return f"{MONTH_NAMES[month - 1]} {year}"


def bar_labels(
    months: Sequence[tuple[int, int]], *, every: int = 3, all_up_to: int = 12
) -> list[str]:
    """Labels under a bar chart of `months` (year, month): each month's name when there are
    at most `all_up_to`, else every `every`th month of the year (Jan, Apr, Jul, Oct) so they
    do not overlap on a tablet; January, and the first labelled bar, also carry the year on a
    second line. The chart's <title>, <desc> and table keep every month in full."""
    out = []
    labelled = False
    for year, month in months:
        if len(months) > all_up_to and (month - 1) % every:
            out.append("")
            continue
        name = MONTH_NAMES[month - 1]
        out.append(f"{name}\n{year}" if month == 1 or not labelled else name)
        labelled = True
    return out


def _month_range(first: date, last: date, limit: int) -> list[tuple[int, int]]:
    months: list[tuple[int, int]] = []
    year, month = last.year, last.month
    while (year, month) >= (first.year, first.month) and len(months) < limit:
        months.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def teacher_dosage(
    *, session: Session, teacher_id: int, since: date | None, today: date, limit: int = 24
) -> list[MonthCount]:
    """Check-ins per month with any coach, from `since` (or the first check-in) to today's
    month, at most `limit` months, zeros included."""
    year = sa.extract("year", CI.c.date)
    month = sa.extract("month", CI.c.date)
    counts = {
        (int(y), int(m)): n
        for y, m, n in session.execute(
            select(year, month, func.count(CI.c.id))
            .select_from(CI.join(CC, CC.c.id == CI.c.cycle_id))
            .where(CC.c.teacher_id == teacher_id)
            .group_by(year, month)
        )
    }
    starts = [date(y, m, 1) for y, m in counts] + ([since] if since else [])
    if not starts:
        return []
    return [
        MonthCount(f"{y:04d}-{m:02d}", _month_label(y, m), counts.get((y, m), 0))
        for y, m in _month_range(min(starts), today, limit)
    ]


def _date_axis(first: date, last: date) -> svg.Axis:
    pad = max(20, (last - first).days // 20)
    low, high = first.toordinal() - pad, last.toordinal() + pad
    ticks: list[tuple[float, str]] = [
        (float(date(y, 1, 1).toordinal()), str(y))
        for y in range(first.year, last.year + 2)
        if low <= date(y, 1, 1).toordinal() <= high
    ]
    if len(ticks) < 2:
        if (last - first).days * 4 < high - low:  # too close for two labels: one, centred
            middle = (first.toordinal() + last.toordinal()) / 2
            same = (first.year, first.month) == (last.year, last.month)
            label = f"{first:%b %Y}" if same else f"{first:%b}\u2013{last:%b %Y}"
            if first.year != last.year:
                label = f"{first:%b %Y}\u2013{last:%b %Y}"
            ticks = [(middle, label)]
        else:
            ticks = [(first.toordinal(), f"{first:%b %Y}"), (last.toordinal(), f"{last:%b %Y}")]
    return svg.Axis(low, high, ticks)


def _score_axis(instrument: Instrument) -> svg.Axis:
    return svg.Axis(
        instrument.low,
        instrument.high,
        [(v, str(v)) for v in range(instrument.low, instrument.high + 1)],
    )


PENDING_TREND = "The district trend is being computed; it will appear here shortly."


class TrendPending(NoEstimate):
    """No growth model yet: it is being computed off the request path."""


def _trend_for(
    outcome: GrowthOutcome | None, teacher_id: int, points: list[ScorePoint], status: FitStatus
) -> Trend | NoEstimate:
    dates = {p.observed_on for p in points}
    if len(dates) < 2:
        return TooFewObservations(
            "Too few observations for a trend: a growth rate needs scores from at least two "
            f"different days, and there {'is' if len(dates) == 1 else 'are'} "
            f"{len(dates) or 'no'} so far."
        )
    if status == "pending":
        return TrendPending(PENDING_TREND)
    updating = " It is being updated with the latest observations." if status == "stale" else ""
    if outcome is None:
        return TooFewObservations("No growth model for this dimension yet." + updating)
    if isinstance(outcome, NoEstimate):
        return outcome
    own = outcome.groups.get(str(teacher_id))
    if own is None:
        return TooFewObservations("No growth model for this teacher yet." + updating)
    return Trend(
        slope=own.slope,
        low=own.slope - Z95 * own.slope_sd,
        high=own.slope + Z95 * own.slope_sd,
        district_slope=outcome.slope.estimate,
        district_low=outcome.slope.ci_low,
        district_high=outcome.slope.ci_high,
        n_teachers=outcome.n_groups,
        notes=outcome.notes,
    )


def _growth_chart(
    *,
    instrument: Instrument,
    name: str,
    teacher_name: str,
    points: list[ScorePoint],
    line: tuple[GrowthFit, date] | None,
    teacher_id: int,
) -> Markup:
    if not points:
        return Markup("")
    first, last = points[0].observed_on, points[-1].observed_on
    series = [svg.Series("Score", [(p.observed_on.toordinal(), p.score) for p in points])]
    bands = []
    desc = (
        f"{len(points)} scores from {first:%d %b %Y} to {last:%d %b %Y}: "
        + "; ".join(f"{p.observed_on:%d %b %Y} {p.score:.2f}" for p in points)
        + "."
    )
    if line is not None and first != last:
        fit, start = line
        own = fit.groups[str(teacher_id)]
        days = range(first.toordinal(), last.toordinal() + 1, max(1, (last - first).days // 12))
        xs = [*days, last.toordinal()]
        fitted = []
        band = []
        for x in xs:
            t = (x - start.toordinal()) / DAYS_PER_YEAR
            y = own.intercept + own.slope * t
            spread = Z95 * own.slope_sd * abs(t)
            fitted.append((float(x), y))
            band.append((float(x), y - spread, y + spread))
        series.append(svg.Series("Fitted trend", fitted, fitted=True))
        bands.append(svg.Band("95% range of the growth rate", band))
        desc += f" The dashed line is the fitted trend, {own.slope:+.2f} points a year."
    return svg.line_chart(
        title=f"{teacher_name}: {name}, {instrument.title}, score over time",
        desc=desc,
        x=_date_axis(first, last),
        y=_score_axis(instrument),
        series=series,
        bands=bands,
        y_label="Score",
    )


def teacher_growth(*, session: Session, teacher: Teacher, today: date) -> TeacherGrowthPage:
    """Every instrument the teacher was scored on (finalized observations shared with them):
    each dimension's and the overall score over time, baseline and latest, and the fitted
    trend; and check-ins per month beside."""
    assert teacher.id is not None
    inner = _dimension_scores(
        O.c.teacher_id == teacher.id, O.c.shared_with_teacher_at.is_not(None)
    ).subquery()
    rows = session.execute(
        select(inner).order_by(inner.c.observed_at, inner.c.observation_id)
    ).all()
    roles = _observer_roles(
        session=session, user_ids={r.observer_id for r in rows}, district_id=teacher.district_id
    )
    known = instruments(session=session)
    by_rubric: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        by_rubric[row.rubric_id].append(row)
    out: list[InstrumentGrowth] = []
    for rubric_id, scored in sorted(by_rubric.items(), key=lambda kv: known[kv[0]].title):
        instrument = known[rubric_id]
        cached = cached_fits(session=session, district_id=teacher.district_id, rubric_id=rubric_id)
        fits, start = cached.fits, cached.first.get(teacher.id)
        per_dim: dict[str, list[ScorePoint]] = defaultdict(list)
        per_obs: dict[Any, list[float]] = defaultdict(list)
        obs_point: dict[Any, ScorePoint] = {}
        for r in scored:
            p = ScorePoint(_as_date(r.observed_at), float(r.score), r.version, roles[r.observer_id])
            per_dim[r.dimension_id].append(p)
            per_obs[r.observation_id].append(float(r.score))
            obs_point.setdefault(r.observation_id, p)
        dims = []
        for info in instrument.dimensions:
            points = per_dim.get(info.id)
            if not points:
                continue
            outcome = fits.get(info.id)
            trend = _trend_for(outcome, teacher.id, points, cached.status)
            line = (
                (outcome, start)
                if isinstance(trend, Trend) and isinstance(outcome, GrowthFit) and start
                else None
            )
            dims.append(
                DimensionGrowth(
                    info.id, info.name, points, trend,
                    _growth_chart(
                        instrument=instrument, name=info.name, teacher_name=teacher.name,
                        points=points, line=line, teacher_id=teacher.id,
                    ),
                )
            )  # fmt: skip
        overall_points = [
            ScorePoint(p.observed_on, sum(per_obs[oid]) / len(per_obs[oid]), p.rubric_version,
                       p.observer_role)
            for oid, p in obs_point.items()
        ]  # fmt: skip
        overall = DimensionGrowth(
            "overall", "Overall (mean of the dimensions)", overall_points, None,
            _growth_chart(
                instrument=instrument, name="overall score", teacher_name=teacher.name,
                points=overall_points, line=None, teacher_id=teacher.id,
            ),
        )  # fmt: skip
        out.append(InstrumentGrowth(instrument, overall, dims, cached.status, cached.computed_at))
    first_obs = min((_as_date(r.observed_at) for r in rows), default=None)
    dosage = teacher_dosage(session=session, teacher_id=teacher.id, since=first_obs, today=today)
    labels = bar_labels([(int(m.month[:4]), int(m.month[5:])) for m in dosage])
    chart = (
        svg.bar_chart(
            title=f"{teacher.name}: check-ins per month, {dosage[0].label} to {dosage[-1].label}",
            desc="; ".join(f"{m.label}: {m.check_ins}" for m in dosage) + ".",
            bars=[(label, m.check_ins) for label, m in zip(labels, dosage, strict=True)],
        )
        if dosage
        else Markup("")
    )  # fmt: skip
    return TeacherGrowthPage(
        teacher=teacher,
        instruments=out,
        dosage=dosage,
        dosage_chart=chart,
        n_observations=len({r.observation_id for r in rows}),
    )


# --- The school and district summaries -------------------------------------------------------


@dataclass(frozen=True)
class Period:
    year_id: int
    year_name: str
    half: int  # 0: start of the year (first half), 1: end of the year (second half)

    @property
    def label(self) -> str:
        return f"{self.year_name} {'start' if self.half == 0 else 'end'}"


@dataclass(frozen=True)
class PeriodStat:
    """Across teachers (each teacher's mean in the period): how many, mean, SD, quartiles."""

    n_teachers: int
    mean: float
    sd: float | None
    q1: float
    median: float
    q3: float


@dataclass
class PracticeRow:
    dimension: DimensionInfo
    periods: list[PeriodStat | Suppressed | None]
    chart: Markup = field(default_factory=Markup)


@dataclass(frozen=True)
class ComparisonRow:
    dimension: DimensionInfo
    year_name: str
    result: PairedComparison | NoEstimate | Suppressed
    sentence: str = ""
    sentence_wilcoxon: str = ""


@dataclass(frozen=True)
class CohortRow:
    dimension: DimensionInfo
    year_name: str
    first: str
    second: str
    result: CohortComparison | NoEstimate | Suppressed


@dataclass(frozen=True)
class HighLevelRow:
    dimension: DimensionInfo
    year_name: str
    result: HighLevelShare | NoEstimate | Suppressed


@dataclass
class InstrumentSummary:
    instrument: Instrument
    practices: list[PracticeRow]
    comparisons: list[ComparisonRow]
    cohorts: list[CohortRow]
    high_level: list[HighLevelRow]


@dataclass
class ScopeSummary:
    """The numbers of one school, or of the whole district ("overall")."""

    name: str
    school_id: int | None
    periods: list[Period]
    instruments: list[InstrumentSummary]
    n_teachers_scored: int
    # Its rendered HTML by anchor (templates: `fragment`, `keep`), cached with the numbers and
    # dropped with them when the stamp changes: the district page is mostly rendering.
    fragments: dict[str, Markup] = field(default_factory=dict, compare=False, repr=False)

    def fragment(self, anchor: str) -> Markup | None:
        return self.fragments.get(anchor)

    def keep(self, anchor: str, html: str) -> str:
        self.fragments[anchor] = Markup(html)
        return ""


@dataclass(frozen=True)
class DosageMonth:
    label: str
    check_ins: int | Suppressed
    teachers_met: int | Suppressed
    per_teacher: float | Suppressed


@dataclass
class SummaryPage:
    scopes: list[ScopeSummary]  # one school; or the district overall, then each school
    dosage: dict[int | None, list[DosageMonth]]  # by school id (None: overall)
    dosage_charts: dict[int | None, Markup]
    teachers: dict[int | None, int]
    coached: dict[int | None, int]

    # The dosage part's rendered HTML (templates: `dosage_fragment`, `keep_dosage`), kept per
    # (scope, its months as counted): counted afresh on every request, rendered only when
    # the counts differ from a page rendered before.
    def _dosage_key(self, key: int | None, anchor: str) -> tuple[Any, ...]:
        return (key, anchor, tuple(self.dosage.get(key, [])), str(self.dosage_charts.get(key)))

    def dosage_fragment(self, key: int | None, anchor: str) -> Markup | None:
        return _DOSAGE_HTML.get(self._dosage_key(key, anchor))

    def keep_dosage(self, key: int | None, anchor: str, html: str) -> str:
        with _DOSAGE_HTML_LOCK:
            _DOSAGE_HTML[self._dosage_key(key, anchor)] = Markup(html)
            while len(_DOSAGE_HTML) > DOSAGE_HTML_KEPT:
                _DOSAGE_HTML.popitem(last=False)
        return ""


DOSAGE_HTML_KEPT = 2048
_DOSAGE_HTML: "OrderedDict[tuple[Any, ...], Markup]" = OrderedDict()
_DOSAGE_HTML_LOCK = threading.Lock()


@dataclass
class _Rows:
    """The aggregate query's rows, shaped for the numbers."""

    # (teacher, year, half, rubric, dimension) -> [sum, count] of lesson scores
    halves: dict[tuple[int, int, int, str, str], list[float]] = field(
        default_factory=lambda: defaultdict(lambda: [0.0, 0])
    )
    # (teacher, year, rubric, dimension, level) -> lessons
    levels: dict[tuple[int, int, str, str, int], int] = field(
        default_factory=lambda: defaultdict(int)
    )
    # The same, indexed once: (rubric, dimension, year) -> [(teacher, level, lessons)], and
    # teacher -> their `halves` entries, so that each scope picks its teachers' rows.
    levels_by_cell: dict[tuple[str, str, int], list[tuple[int, int, int]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    halves_by_teacher: dict[int, list[tuple[tuple[int, int, int, str, str], list[float]]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def index(self) -> "_Rows":
        for (teacher, year, rubric, dim, level), n in self.levels.items():
            self.levels_by_cell[(rubric, dim, year)].append((teacher, level, n))
        for key, cell in self.halves.items():
            self.halves_by_teacher[key[0]].append((key, cell))
        return self


_SummaryKey = tuple[int, frozenset[int] | None]  # (district, schools; None: the whole district)
_SUMMARIES: dict[_SummaryKey, tuple[tuple[Any, ...], Any]] = {}
# One lock per key, so that a district admin's cold computation does not hold up a principal's
# page; requests for the same key wait for the one computing it and then read its result.
_SUMMARY_LOCKS: dict[_SummaryKey, threading.Lock] = {}
_SUMMARY_LOCKS_GUARD = threading.Lock()


def _summary_lock(key: _SummaryKey) -> threading.Lock:
    with _SUMMARY_LOCKS_GUARD:
        return _SUMMARY_LOCKS.setdefault(key, threading.Lock())


def _years(*, session: Session, district_id: int) -> dict[int, SchoolYear]:
    return {
        y.id: y
        for y in session.execute(
            select(SchoolYear).where(col(SchoolYear.district_id) == district_id)
        ).scalars()
        if y.id is not None
    }


def _aggregate(
    *, session: Session, district_id: int, school_ids: frozenset[int] | None,
    years: dict[int, SchoolYear], known: dict[str, Instrument],
) -> _Rows:  # fmt: skip
    """One GROUP BY in the database: per teacher, school year, half of the year, rubric,
    dimension and level (the lesson's score rounded down), the lessons and their sum."""
    where = [T.c.district_id == district_id]
    if school_ids is not None:
        where.append(T.c.school_id.in_(school_ids))
    inner = _dimension_scores(*where).subquery()
    halves = [
        (
            and_(
                inner.c.school_year_id == year_id,
                inner.c.observed_at >= _midpoint(y),
            ),
            1,
        )
        for year_id, y in years.items()
    ]
    half = case(*halves, else_=0) if halves else sa.literal(0)
    levels = sorted(
        {v for i in known.values() for d in i.dimensions for v in range(d.low, d.high + 1)},
        reverse=True,
    ) or [0]
    level = case(*[(inner.c.score >= v, v) for v in levels], else_=levels[-1] - 1)
    query = (
        select(
            inner.c.teacher_id, inner.c.school_year_id, half.label("half"), inner.c.rubric_id,
            inner.c.dimension_id, level.label("level"), func.count(), func.sum(inner.c.score),
        )
        .group_by(
            inner.c.teacher_id, inner.c.school_year_id, half, inner.c.rubric_id,
            inner.c.dimension_id, level,
        )
    )  # fmt: skip
    out = _Rows()
    for teacher_id, year_id, h, rubric_id, dim, lvl, n, total in session.execute(query):
        cell = out.halves[(teacher_id, year_id, int(h), rubric_id, dim)]
        cell[0] += float(total)
        cell[1] += int(n)
        out.levels[(teacher_id, year_id, rubric_id, dim, int(lvl))] += int(n)
    return out.index()


def _midpoint(year: SchoolYear) -> datetime:
    middle = year.start_date + (year.end_date - year.start_date) / 2
    return datetime.combine(middle, time.min, tzinfo=UTC)


def _period_stat(values: Sequence[float]) -> PeriodStat | Suppressed:
    checked = suppress_small_cell(None, teachers=len(values))
    if isinstance(checked, Suppressed):
        return checked
    arr = np.asarray(values, dtype=float)
    q1, median, q3 = (float(v) for v in np.percentile(arr, [25, 50, 75]))
    return PeriodStat(
        n_teachers=len(values), mean=float(arr.mean()),
        sd=float(arr.std(ddof=1)) if len(values) > 1 else None, q1=q1, median=median, q3=q3,
    )  # fmt: skip


def _period_ticks(periods: list[Period]) -> list[tuple[float, str]]:
    """ "start" and "end" under each half-year, the school year's name on a second line under
    the first of its halves: full labels ("2024-25 start") would overlap from three years."""
    ticks: list[tuple[float, str]] = []
    for i, p in enumerate(periods):
        half = "start" if p.half == 0 else "end"
        new_year = i == 0 or periods[i - 1].year_id != p.year_id
        ticks.append((float(i), f"{half}\n{p.year_name}" if new_year else half))
    return ticks


def _practice_chart(
    scope: str, instrument: Instrument, info: DimensionInfo, periods: list[Period],
    stats_: list[PeriodStat | Suppressed | None],
) -> Markup:  # fmt: skip
    shown = [(i, s) for i, s in enumerate(stats_) if isinstance(s, PeriodStat)]
    if not shown:
        return Markup("")
    desc = "; ".join(
        f"{periods[i].label}: mean {s.mean:.2f}, middle half {s.q1:.2f} to {s.q3:.2f}, "
        f"{s.n_teachers} teachers"
        for i, s in shown
    )
    hidden = len([s for s in stats_ if isinstance(s, Suppressed)])
    if hidden:
        desc += f"; {hidden} period(s) not shown because fewer than 5 teachers were scored"
    return svg.line_chart(
        title=f"{scope}: {info.name}, mean score by half-year",
        desc=desc + ".",
        x=svg.Axis(-0.5, len(periods) - 0.5, _period_ticks(periods)),
        y=svg.Axis(info.low, info.high, [(v, str(v)) for v in range(info.low, info.high + 1)]),
        series=[svg.Series("Mean", [(float(i), s.mean) for i, s in shown])],
        bands=[svg.Band("Middle half of teachers", [(float(i), s.q1, s.q3) for i, s in shown])],
        height=220,
        y_label="Score",
    )


def _scope_summary(
    *, name: str, school_id: int | None, teachers: set[int], rows: _Rows,
    years: dict[int, SchoolYear], known: dict[str, Instrument], cohort_of: dict[int, int | None],
) -> ScopeSummary:  # fmt: skip
    halves = {k: v for t in teachers for k, v in rows.halves_by_teacher.get(t, ())}
    periods_seen = sorted(
        {(k[1], k[2]) for k in halves}, key=lambda p: (years[p[0]].start_date, p[1])
    )
    periods = [Period(y, years[y].name, h) for y, h in periods_seen]
    means: dict[tuple[str, str, int, int], dict[int, float]] = defaultdict(dict)
    for (teacher, year, half, rubric, dim), (total, n) in halves.items():
        means[(rubric, dim, year, half)][teacher] = total / n
    rubric_ids = sorted({k[3] for k in halves}, key=lambda r: known[r].title)
    out = []
    for rubric_id in rubric_ids:
        instrument = known[rubric_id]
        practices, comparisons, cohorts, high = [], [], [], []
        for info in instrument.dimensions:
            stats_: list[PeriodStat | Suppressed | None] = []
            for p in periods:
                values = list(means.get((rubric_id, info.id, p.year_id, p.half), {}).values())
                stats_.append(_period_stat(values) if values else None)
            if all(s is None for s in stats_):
                continue
            practices.append(
                PracticeRow(info, stats_, _practice_chart(name, instrument, info, periods, stats_))
            )
            latest_changes: tuple[str, dict[int, float]] | None = None
            for year_id in sorted({p.year_id for p in periods}, key=lambda y: years[y].start_date):
                start = means.get((rubric_id, info.id, year_id, 0), {})
                end = means.get((rubric_id, info.id, year_id, 1), {})
                both = [t for t in start if t in end]
                if not both:
                    continue
                year_name = years[year_id].name
                result: PairedComparison | NoEstimate | Suppressed
                checked = suppress_small_cell(None, teachers=both)
                if isinstance(checked, Suppressed):
                    result = checked
                else:
                    result = paired_comparison([start[t] for t in both], [end[t] for t in both])
                sentence = wilcoxon = ""
                if isinstance(result, PairedComparison):
                    sentence = describe_change(result, dimension=info.name, who="Teachers")
                    wilcoxon = describe_change(
                        result, dimension=info.name, who="Teachers", test="wilcoxon"
                    )
                comparisons.append(ComparisonRow(info, year_name, result, sentence, wilcoxon))
                latest_changes = (year_name, {t: end[t] - start[t] for t in both})
            if latest_changes is not None:
                cohorts.extend(_cohort_rows(info, latest_changes, cohort_of, years))
            if info.high_level_min is not None:
                high.extend(
                    _high_level_rows(
                        info, rows, teachers, rubric_id, years, [p.year_id for p in periods]
                    )
                )
        out.append(InstrumentSummary(instrument, practices, comparisons, cohorts, high))
    return ScopeSummary(
        name=name, school_id=school_id, periods=periods, instruments=out,
        n_teachers_scored=len({k[0] for k in halves}),
    )  # fmt: skip


def _cohort_rows(
    info: DimensionInfo, latest: tuple[str, dict[int, float]], cohort_of: dict[int, int | None],
    years: dict[int, SchoolYear],
) -> list[CohortRow]:  # fmt: skip
    year_name, changes = latest
    groups: dict[int, list[int]] = defaultdict(list)
    for teacher, cohort in ((t, cohort_of.get(t)) for t in changes):
        if cohort is not None and cohort in years:
            groups[cohort].append(teacher)
    order = sorted(groups, key=lambda y: years[y].start_date)
    out = []
    for i, first in enumerate(order):
        for second in order[i + 1 :]:
            a, b = groups[first], groups[second]
            result: CohortComparison | NoEstimate | Suppressed
            small = suppress_small_cell(None, teachers=min(len(a), len(b)))
            if isinstance(small, Suppressed):
                result = small
            else:
                result = compare_cohorts([changes[t] for t in a], [changes[t] for t in b])
            out.append(
                CohortRow(
                    info, year_name, f"{years[first].name} cohort", f"{years[second].name} cohort",
                    result,
                )
            )  # fmt: skip
    return out


def _high_level_rows(
    info: DimensionInfo, rows: _Rows, teachers: set[int], rubric_id: str,
    years: dict[int, SchoolYear], year_ids: list[int],
) -> list[HighLevelRow]:  # fmt: skip
    assert info.high_level_min is not None
    out = []
    for year_id in dict.fromkeys(year_ids):
        lessons: list[float] = []
        who: set[int] = set()
        for teacher, level, n in rows.levels_by_cell.get((rubric_id, info.id, year_id), ()):
            if teacher in teachers:
                lessons.extend([float(level)] * n)
                who.add(teacher)
        if not who:
            continue
        checked = suppress_small_cell(None, teachers=who)
        result: HighLevelShare | NoEstimate | Suppressed = (
            checked
            if isinstance(checked, Suppressed)
            else high_level_share(lessons, threshold=info.high_level_min)
        )
        out.append(HighLevelRow(info, years[year_id].name, result))
    return out


def _dosage(
    *, session: Session, district_id: int, school_ids: Sequence[int], today: date,
    months: int = DOSAGE_MONTHS,
) -> dict[int | None, list[DosageMonth]]:  # fmt: skip
    """Check-ins per month (the last `months`) per school and overall: counts, the teachers
    met, and check-ins per teacher met; a month with fewer than 5 teachers met is suppressed."""
    month_list = _month_range(date(1900, 1, 1), today, months)
    first = date(month_list[0][0], month_list[0][1], 1)
    year = sa.extract("year", CI.c.date)
    month = sa.extract("month", CI.c.date)
    # Per school and month: check-ins and distinct teachers met. A teacher is in one school,
    # so the district's teachers met in a month are the sum of its schools'.
    rows = session.execute(
        select(
            T.c.school_id,
            year,
            month,
            func.count(CI.c.id),
            func.count(sa.distinct(CC.c.teacher_id)),
        )
        .select_from(CI.join(CC, CC.c.id == CI.c.cycle_id).join(T, T.c.id == CC.c.teacher_id))
        .where(T.c.district_id == district_id, T.c.school_id.in_(school_ids), CI.c.date >= first)
        .group_by(T.c.school_id, year, month)
    ).all()
    counts: dict[tuple[int | None, int, int], list[int]] = defaultdict(lambda: [0, 0])
    for school_id, y, m, n, met in rows:
        for key in (school_id, None):
            cell = counts[(key, int(y), int(m))]
            cell[0] += int(n)
            cell[1] += int(met)
    out: dict[int | None, list[DosageMonth]] = {}
    for key in [None, *school_ids]:
        months_out = []
        for y, m in month_list:
            n, met = counts.get((key, y, m), [0, 0])
            ok = suppress_small_cell(None, teachers=met)
            if isinstance(ok, Suppressed):
                months_out.append(DosageMonth(_month_label(y, m), ok, ok, ok))
            else:
                months_out.append(DosageMonth(_month_label(y, m), n, met, n / met))
        out[key] = months_out
    return out


def _dosage_chart(name: str, months: list[DosageMonth]) -> Markup:
    return _dosage_chart_of(name, tuple(months))


@lru_cache(maxsize=1024)
def _dosage_chart_of(name: str, months: tuple[DosageMonth, ...]) -> Markup:
    """The chart, drawn once per distinct (name, months): dosage is counted afresh on every
    request, and usually comes out the same."""
    labels = bar_labels([(int(m.label[4:]), MONTH_NAMES.index(m.label[:3]) + 1) for m in months])
    bars = [
        (label, None if isinstance(m.check_ins, Suppressed) else float(m.check_ins))
        for label, m in zip(labels, months, strict=True)
    ]
    desc = "; ".join(
        f"{m.label}: " + ("not shown" if isinstance(m.check_ins, Suppressed) else f"{m.check_ins}")
        for m in months
    )
    return svg.bar_chart(
        title=f"{name}: check-ins per month, last {len(months)} months",
        desc=desc + ". Months with fewer than 5 teachers met are not shown.",
        bars=bars,
    )


def summary(
    *, session: Session, district_id: int, schools: Sequence[School], overall: bool, today: date
) -> SummaryPage:
    """The summary of `schools` (one, for a principal; every school and the district overall
    for a district admin). Aggregates only, small cells suppressed. The score numbers are
    cached until the district's observations or teachers change; dosage is counted afresh."""
    ids = frozenset(s.id for s in schools if s.id is not None)
    key_ids = None if overall else ids
    stamp = (district_stamp(session=session, district_id=district_id), today.isoformat())
    teachers = session.execute(
        select(T.c.id, T.c.school_id, T.c.cohort_year_id, T.c.active).where(
            T.c.district_id == district_id, T.c.school_id.in_(ids)
        )
    ).all()
    key = (district_id, key_ids)
    scopes = _cached_scopes(key, stamp)
    if scopes is None:
        with _summary_lock(key):
            scopes = _cached_scopes(key, stamp)  # computed meanwhile by the request waited on
            if scopes is None:
                scopes = _compute_scopes(
                    session=session, key=key, stamp=stamp, district_id=district_id,
                    schools=schools, overall=overall, teachers=teachers,
                )  # fmt: skip
    school_ids = sorted(ids)
    dosage = _dosage(session=session, district_id=district_id, school_ids=school_ids, today=today)
    names: dict[int | None, str] = {s.id: s.name for s in schools}
    names[None] = "District"
    coached = _coached(session=session, district_id=district_id, school_ids=school_ids, today=today)
    active = [t for t in teachers if t.active]
    counts: dict[int | None, int] = defaultdict(int)
    for t in active:
        counts[t.school_id] += 1
        counts[None] += 1
    return SummaryPage(
        scopes=scopes,
        dosage=dosage,
        dosage_charts={k: _dosage_chart(names.get(k, ""), v) for k, v in dosage.items()},
        teachers=dict(counts),
        coached=coached,
    )


def _cached_scopes(key: _SummaryKey, stamp: tuple[Any, ...]) -> list[ScopeSummary] | None:
    """The cached scopes of `key` as of `stamp`; for one school, also its scope out of the
    whole district's summary when that is the fresher one cached."""
    cached = _SUMMARIES.get(key)
    if cached is not None and cached[0] == stamp:
        return list(cached[1])
    district_id, school_ids = key
    if school_ids is not None and len(school_ids) == 1:
        whole = _SUMMARIES.get((district_id, None))
        if whole is not None and whole[0] == stamp:
            (school_id,) = school_ids
            found = [sc for sc in whole[1] if sc.school_id == school_id]
            if found:
                return found
    return None


def _compute_scopes(
    *, session: Session, key: _SummaryKey, stamp: tuple[Any, ...], district_id: int,
    schools: Sequence[School], overall: bool, teachers: Sequence[Any],
) -> list[ScopeSummary]:  # fmt: skip
    """Compute and cache the scopes of `key`. The caller holds `_summary_lock(key)`."""
    teacher_school = {t.id: t.school_id for t in teachers}
    years = _years(session=session, district_id=district_id)
    known = instruments(session=session)
    rows = _aggregate(
        session=session, district_id=district_id, school_ids=key[1], years=years,
        known=known,
    )  # fmt: skip
    cohort_of = {t.id: t.cohort_year_id for t in teachers}
    scopes = []
    if overall:
        scopes.append(
            _scope_summary(
                name="District", school_id=None, teachers=set(teacher_school), rows=rows,
                years=years, known=known, cohort_of=cohort_of,
            )
        )  # fmt: skip
    for school in schools:
        scopes.append(
            _scope_summary(
                name=school.name, school_id=school.id,
                teachers={t for t, s in teacher_school.items() if s == school.id},
                rows=rows, years=years, known=known, cohort_of=cohort_of,
            )
        )  # fmt: skip
    _SUMMARIES[key] = (stamp, scopes)
    return scopes


def _coached(
    *, session: Session, district_id: int, school_ids: Sequence[int], today: date
) -> dict[int | None, int]:
    """Teachers with a coach assigned today, per school and overall."""
    from server.roster.models import CoachAssignment

    rows = session.execute(
        select(col(CoachAssignment.teacher_id), T.c.school_id)
        .join(T, T.c.id == col(CoachAssignment.teacher_id))
        .where(
            T.c.district_id == district_id,
            T.c.school_id.in_(school_ids),
            col(CoachAssignment.start_date) <= today,
            sa.or_(
                col(CoachAssignment.end_date).is_(None),
                col(CoachAssignment.end_date) >= today,
            ),
        )
        .distinct()
    ).all()
    out: dict[int | None, int] = defaultdict(int)
    for _teacher_id, school_id in rows:
        out[school_id] += 1
        out[None] += 1
    return dict(out)


# --- The district admin's score export --------------------------------------------------------

EXPORT_COLUMNS = (
    "teacher",
    "school",
    "cohort",
    "rubric_id",
    "rubric_version",
    "dimension",
    "item",
    "value",
    "observed_at",
    "observer_role",
)


def pseudonym(*, secret: str, teacher_id: int) -> str:
    """A stable id for a teacher that cannot be turned back into theirs without the app's
    secret: HMAC-SHA256 of the id, first 16 hex digits."""
    digest = hmac.new(secret.encode(), f"cadence-teacher:{teacher_id}".encode(), hashlib.sha256)
    return "t-" + digest.hexdigest()[:16]


def export_scores(
    *, session: Session, viewer: Viewer, district_id: int, secret: str
) -> list[dict[str, str]]:
    """One row per score of a finalized observation in the district (items separately,
    "not observed" left out), columns EXPORT_COLUMNS, teachers pseudonymous. Only a district
    admin of the district (PermissionError); one audited "export" event, committed first."""
    if district_id not in viewer.district_ids(Role.district_admin):
        raise PermissionError("Only a district admin of this district can export scores.")
    query = (
        select(
            O.c.teacher_id, School.__table__.c.name, SchoolYear.__table__.c.name,  # type: ignore[attr-defined]
            RV.c.rubric_id, RV.c.version, S.c.dimension_id, S.c.item_id, S.c.value,
            O.c.observed_at, O.c.observer_id,
        )
        .select_from(
            S.join(O, O.c.id == S.c.observation_id)
            .join(RV, RV.c.id == S.c.rubric_version_id)
            .join(T, T.c.id == O.c.teacher_id)
            .join(School.__table__, School.__table__.c.id == T.c.school_id)  # type: ignore[attr-defined]
            .outerjoin(SchoolYear.__table__, SchoolYear.__table__.c.id == T.c.cohort_year_id)  # type: ignore[attr-defined]
        )
        .where(T.c.district_id == district_id, O.c.status == "final", S.c.value.is_not(None))
        .order_by(O.c.observed_at, O.c.id, RV.c.rubric_id, S.c.dimension_id, S.c.item_id)
    )  # fmt: skip
    rows = session.execute(query).all()
    roles = _observer_roles(session=session, user_ids={r[9] for r in rows}, district_id=district_id)
    names: dict[int, str] = {}
    out = []
    for teacher_id, school, cohort, rubric_id, version, dim, item, value, at, observer in rows:
        if teacher_id not in names:
            names[teacher_id] = pseudonym(secret=secret, teacher_id=teacher_id)
        stamp = at if at.tzinfo else at.replace(tzinfo=UTC)
        out.append(
            {
                "teacher": names[teacher_id], "school": school, "cohort": cohort or "",
                "rubric_id": rubric_id, "rubric_version": version, "dimension": dim,
                "item": item, "value": str(value),
                "observed_at": stamp.astimezone(UTC).isoformat(timespec="seconds"),
                "observer_role": roles[observer],
            }
        )  # fmt: skip
    audit_service.record(
        session=session, user_id=viewer.id, action="export", entity="district",
        entity_id=district_id,
        detail={"export": "scores", "rows": len(out), "teachers": len(names)},
    )  # fmt: skip
    session.commit()
    return out


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def scores_csv(*, rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "'" + v if v.startswith(_FORMULA_START) else v for k, v in row.items()})
    return out.getvalue()


def fmt(value: float | None, decimals: int = 2) -> str:
    """For templates: a number, or an en dash for none."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "\u2013"
    return f"{value:.{decimals}f}"
