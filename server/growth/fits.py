"""The growth fits' in-process cache, refitted by the background worker (worker.py)."""

import logging
import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from time import perf_counter
from typing import Any, Literal

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from server.db import utcnow
from server.growth import replica, worker
from server.growth.model import DAYS_PER_YEAR, GrowthOutcome, GrowthPoint, fit_growth
from server.growth.queries import RV, O, S, T, as_date, dimension_scores, district_stamp

logger = logging.getLogger(__name__)


# --- The growth model, fitted per (district, rubric, dimension), off the request path --------
#
# A fit reads every score of a district and takes about a second on 20,000 teachers, so pages
# never fit: they read what is cached (`cached_fits`) and queue a refit when it is missing or
# older than the district's observations; the worker runs it, or `refit_now` in the calling
# thread (tests, the CLI).

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


_FITS: dict[_FitKey, DistrictFits] = {}
_FITS_LOCK = threading.Lock()


def _fit_key(session: Session, district_id: int, rubric_id: str) -> tuple[_FitKey, Engine]:
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    return (worker.database_of(engine), district_id, rubric_id), engine


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
    return {teacher_id: as_date(first) for teacher_id, first in rows}


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
    inner = dimension_scores(
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
        years = (as_date(observed_at) - start).days / DAYS_PER_YEAR
        points[dimension_id].append(GrowthPoint(str(teacher_id), years, float(score)))
    return _Points(stamp, first, dict(points))


def _fit_and_cache(
    key: _FitKey, points: _Points, stop: threading.Event | None = None
) -> DistrictFits:
    fits: dict[str, GrowthOutcome] = {}
    seconds: dict[str, float] = {}
    for dimension_id, rows in points.by_dimension.items():
        if stop is not None and stop.is_set():
            raise worker.Stopped
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
    cached = _FITS.get(key)
    if cached is not None and cached.stamp == stamp:
        return CachedFits("fresh", cached.fits, cached.first, cached.computed_at)
    worker.queue(key, engine, _run)
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
    short session of its own, closed before the slow part, on the replica if one is set."""
    _database, district_id, rubric_id = key
    with Session(replica.reading_engine(engine)) as session:
        cached = _FITS.get(key)
        stamp = district_stamp(session=session, district_id=district_id)
        if cached is not None and cached.stamp == stamp:
            return
        points = _read_points(session=session, district_id=district_id, rubric_id=rubric_id)
    _fit_and_cache(key, points, stop)


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
            worker.queue(key, engine, _run)
    return worker.run_now(district_id=district_id, timeout=timeout)


def clear_fits() -> None:
    """Forget every cached fit and queued job, once any in flight is done (tests)."""
    worker.clear()
    with _FITS_LOCK:
        _FITS.clear()
