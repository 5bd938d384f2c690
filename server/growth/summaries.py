"""The school and district summary pages. Their score numbers are computed per district by the
background worker (worker.py) after a write, never in a request, and kept with the district
stamp they are as of; a page reads them at once, fresh or "stale" while a refresh runs."""

import logging
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date, datetime
from time import perf_counter
from typing import Any, Literal

from markupsafe import Markup
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col

from server.db import utcnow
from server.growth import offload, replica, worker
from server.growth.aggregate import aggregate_scores, school_years
from server.growth.dosage import (
    DosageMonth,
    coached_teachers,
    dosage_chart,
    dosage_stamp,
    school_dosage,
)
from server.growth.queries import T, district_stamp, instruments
from server.growth.scopes import ScopeSummary, scope_summary
from server.roster.models import District, School
from server.rubrics import service as rubrics_service

logger = logging.getLogger(__name__)

SummaryStatus = Literal["fresh", "stale", "pending"]


@dataclass
class SummaryPage:
    scopes: list[ScopeSummary]  # one school; or the district overall, then each school
    dosage: dict[int | None, list[DosageMonth]]  # by school id (None: overall)
    dosage_charts: dict[int | None, Markup]
    teachers: dict[int | None, int]
    coached: dict[int | None, int]
    status: SummaryStatus = "fresh"
    computed_at: datetime | None = None  # when the score numbers were computed

    # The dosage part's rendered HTML (templates: `dosage_fragment`, `keep_dosage`), kept per
    # (scope, its months as counted): counted after every coaching write, rendered only when
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


SUMMARY_JOB = "@summary"  # a worker job's `what`: never a rubric id (they have no "@")
_SummaryKey = tuple[str, int]  # (database, district)


@dataclass(frozen=True)
class _Cached:
    stamp: tuple[Any, ...]
    scopes: list[ScopeSummary]  # the district overall, then each school, by name
    computed_at: datetime
    engine: Engine


_SUMMARIES: dict[_SummaryKey, _Cached] = {}
_SUMMARIES_LOCK = threading.Lock()


def summary(
    *, session: Session, district_id: int, schools: Sequence[School], overall: bool, today: date
) -> SummaryPage:
    """The summary of `schools` (one, for a principal; every school and the district overall
    for a district admin). Aggregates only, small cells suppressed. The score numbers come
    from the district's summary the background worker computed, never from this request:
    "stale" when observations or teachers changed since (a refresh is queued), none yet when
    "pending". Check-ins are counted after every coaching write (`_dosage`)."""
    ids = frozenset(s.id for s in schools if s.id is not None)
    key, engine = _summary_key(session, district_id)
    stamp = district_stamp(session=session, district_id=district_id)
    cached = _SUMMARIES.get(key)
    status: SummaryStatus = "fresh"
    if cached is None or cached.stamp != stamp:
        worker.queue((*key, SUMMARY_JOB), engine, _refresh)
        status = "pending" if cached is None else "stale"
    scopes: list[ScopeSummary] = []
    if cached is not None:
        by_school = {sc.school_id: sc for sc in cached.scopes}
        wanted: list[int | None] = [None] if overall else []
        wanted += [s.id for s in schools if s.id in by_school]
        scopes = [by_school[w] for w in wanted]
    teachers = session.execute(
        select(T.c.id, T.c.school_id, T.c.active).where(
            T.c.district_id == district_id, T.c.school_id.in_(ids)
        )
    ).all()
    every_dosage = _dosage(session=session, district_id=district_id, today=today, schools=ids)
    names: dict[int | None, str] = {s.id: s.name for s in schools}
    names[None] = "District"
    shown = [*ids, None] if overall else list(ids)
    dosage = {k: every_dosage.dosage[k] for k in shown if k in every_dosage.dosage}
    coached = {k: every_dosage.coached[k] for k in shown if k in every_dosage.coached}
    counts: dict[int | None, int] = defaultdict(int)
    for t in teachers:
        if t.active:
            counts[t.school_id] += 1
            counts[None] += 1
    return SummaryPage(
        scopes=scopes,
        dosage=dosage,
        dosage_charts={k: dosage_chart(names.get(k, ""), v) for k, v in dosage.items()},
        teachers=dict(counts),
        coached=coached,
        status=status,
        computed_at=None if cached is None else cached.computed_at,
    )


# Renders a refreshed summary's fragments (the routes register it): in the worker, so that no
# page renders the district's 51 scopes of tables and charts after a refresh.
_PRERENDER: list[Callable[[list[ScopeSummary]], None]] = []


def on_refresh(prerender: Callable[[list[ScopeSummary]], None]) -> None:
    """Call `prerender(scopes)` on every refreshed summary before pages can read it."""
    if prerender not in _PRERENDER:
        _PRERENDER.append(prerender)


def _summary_key(session: Session, district_id: int) -> tuple[_SummaryKey, Engine]:
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    return (worker.database_of(engine), district_id), engine


# --- Coaching dosage: check-ins change all day, scores do not ----------------------------------
#
# Counted over the district's check-ins (50 ms on the bench district), kept per (database,
# district, day) with the coaching stamp it is as of. A page counts them itself only when none
# is kept for the district (the first page after a start); on a new day it shows the day
# before's, and after a coaching write the last counts, while the worker recounts (its watcher
# sees the new stamp within a second).

_DosageKey = tuple[str, int, date]
DOSAGE_JOB = "@dosage"  # a worker job's `what`: "@dosage YYYY-MM-DD"


@dataclass(frozen=True)
class _Dosage:
    stamp: tuple[Any, ...]
    dosage: dict[int | None, list[DosageMonth]]  # every school and the district (None)
    coached: dict[int | None, int]
    engine: Engine


_DOSAGE: dict[_DosageKey, _Dosage] = {}


def _dosage(*, session: Session, district_id: int, today: date, schools: frozenset[int]) -> _Dosage:
    (database, _), engine = _summary_key(session, district_id)
    key = (database, district_id, today)
    stamp = dosage_stamp(session=session, district_id=district_id)
    cached = _DOSAGE.get(key)
    if cached is not None and not schools <= cached.dosage.keys():
        cached = None  # a school new since they were counted: counted again here
    if cached is not None and cached.stamp == stamp:
        return cached
    if cached is None:
        cached = _earlier_day(key, schools)
    if cached is not None:
        worker.queue((database, district_id, f"{DOSAGE_JOB} {today}"), engine, _recount)
        return cached
    return _count_dosage(session=session, key=key, engine=engine)


def _earlier_day(key: _DosageKey, schools: frozenset[int]) -> _Dosage | None:
    """The counts kept for the district's latest earlier day, if they cover `schools`: the
    first page of a day shows them while the worker counts the day (a second at 20,000
    teachers), as after a coaching write."""
    with _SUMMARIES_LOCK:
        earlier = sorted(
            (k[2], v) for k, v in _DOSAGE.items() if k[:2] == key[:2] and k[2] < key[2]
        )
    if earlier and schools <= earlier[-1][1].dosage.keys():
        return earlier[-1][1]
    return None


def _count_dosage(*, session: Session, key: _DosageKey, engine: Engine) -> _Dosage:
    _database, district_id, today = key
    stamp = dosage_stamp(session=session, district_id=district_id)
    school_ids = sorted(
        session.execute(select(col(School.id)).where(col(School.district_id) == district_id))
        .scalars()
        .all()
    )
    counted = _Dosage(
        stamp,
        school_dosage(session=session, district_id=district_id, school_ids=school_ids, today=today),
        coached_teachers(
            session=session, district_id=district_id, school_ids=school_ids, today=today
        ),
        engine,
    )
    with _SUMMARIES_LOCK:
        for old in [k for k in _DOSAGE if k[:2] == key[:2] and k[2] < today]:
            del _DOSAGE[old]  # the days before: no page asks for them again
        _DOSAGE[key] = counted
    return counted


def _recount(job: worker.Job, engine: Engine, _stop: threading.Event | None) -> None:
    """The worker's job: recount one district's dosage of one day."""
    database, district_id, what = job
    today = date.fromisoformat(what.removeprefix(DOSAGE_JOB).strip())
    with Session(engine) as session:
        _count_dosage(session=session, key=(database, district_id, today), engine=engine)


def refresh_summary(*, session: Session, district_id: int) -> None:
    """Compute the district's summary in this thread and keep it (tests, the CLI and benches
    call it to have a fresh summary at once; the worker computes in a child process)."""
    key, engine = _summary_key(session, district_id)
    stamp = district_stamp(session=session, district_id=district_id)
    _keep(key, stamp, computed_scopes(session=session, district_id=district_id), engine)


def computed_scopes(*, session: Session, district_id: int) -> list[ScopeSummary]:
    """The district's scopes, their HTML rendered (`on_refresh`)."""
    scopes = _compute_scopes(session=session, district_id=district_id)
    for prerender in _PRERENDER:
        prerender(scopes)
    return scopes


def _keep(
    key: _SummaryKey, stamp: tuple[Any, ...], scopes: list[ScopeSummary], engine: Engine
) -> None:
    with _SUMMARIES_LOCK:
        _SUMMARIES[key] = _Cached(stamp, scopes, utcnow(), engine)


def queue_every_summary(engine: Engine) -> None:
    """Queue a refresh of every district's summary (at start-up: pages are warm at once)."""
    try:
        with Session(engine) as session:
            district_ids = session.execute(select(col(District.id))).scalars().all()
    except SQLAlchemyError as exc:  # the app still starts; its pages say what is wrong
        why = rubrics_service.explain_error(error=exc)
        logger.warning("summaries not queued: the database is not ready (%s)", why)
        return
    today = date.today().isoformat()
    for district_id in district_ids:
        worker.queue((worker.database_of(engine), district_id, SUMMARY_JOB), engine, _refresh)
        worker.queue(
            (worker.database_of(engine), district_id, f"{DOSAGE_JOB} {today}"), engine, _recount
        )


def _refresh(job: worker.Job, engine: Engine, stop: threading.Event | None) -> None:
    """The worker's job: refresh one district's summary, unless it caught up meanwhile. The
    worker thread computes in a child process (offload.py); `worker.run_now`, here. Both
    read the district from its replica, if one is set (replica.py)."""
    database, district_id, _what = job
    key = (database, district_id)
    source = replica.reading_engine(engine)
    with Session(source) as session:
        cached = _SUMMARIES.get(key)
        stamp = district_stamp(session=session, district_id=district_id)
        if cached is not None and cached.stamp == stamp:
            return
        began = perf_counter()
        if stop is None:
            scopes = computed_scopes(session=session, district_id=district_id)
    if stop is not None:
        try:
            scopes = offload.district_scopes(source, district_id)
        except BrokenProcessPool:
            # The child was ended: with the server (a stop signals the whole process group)
            # or by the system (out of memory). No traceback; the next change queues again.
            logger.warning("the summary of district %s stopped: its process ended", district_id)
            return
    _keep(key, stamp, scopes, engine)
    logger.info("summary of district %s in %.2f s", district_id, perf_counter() - began)


def watch_summaries() -> None:
    """The worker's watcher: queue a refresh of every cached summary a write made stale,
    whichever process wrote (one stamp query per district)."""
    with _SUMMARIES_LOCK:
        cached = list(_SUMMARIES.items())
    for (database, district_id), entry in cached:
        with Session(entry.engine) as session:
            stamp = district_stamp(session=session, district_id=district_id)
        if stamp != entry.stamp:
            worker.queue((database, district_id, SUMMARY_JOB), entry.engine, _refresh)
    with _SUMMARIES_LOCK:
        counted = list(_DOSAGE.items())
    for (database, district_id, day), dosage in counted:
        with Session(dosage.engine) as session:
            stamp = dosage_stamp(session=session, district_id=district_id)
        if stamp != dosage.stamp:
            job = (database, district_id, f"{DOSAGE_JOB} {day}")
            worker.queue(job, dosage.engine, _recount)


def clear_summaries() -> None:
    """Forget every cached summary and dosage count (tests)."""
    with _SUMMARIES_LOCK:
        _SUMMARIES.clear()
        _DOSAGE.clear()


def _compute_scopes(*, session: Session, district_id: int) -> list[ScopeSummary]:
    """The district overall, then each of its schools (by name), from one aggregate query."""
    schools = (
        session.execute(
            select(School).where(col(School.district_id) == district_id).order_by(col(School.name))
        )
        .scalars()
        .all()
    )
    teachers = session.execute(
        select(T.c.id, T.c.school_id, T.c.cohort_year_id).where(T.c.district_id == district_id)
    ).all()
    teacher_school = {t.id: t.school_id for t in teachers}
    by_school: dict[int, set[int]] = defaultdict(set)
    for teacher_id, school_id in teacher_school.items():
        by_school[school_id].add(teacher_id)
    years = school_years(session=session, district_id=district_id)
    known = instruments(session=session)
    rows = aggregate_scores(
        session=session, district_id=district_id, school_ids=None, years=years, known=known
    )
    cohort_of = {t.id: t.cohort_year_id for t in teachers}
    scopes = [
        scope_summary(
            name="District", school_id=None, teachers=set(teacher_school), rows=rows,
            years=years, known=known, cohort_of=cohort_of,
        )
    ]  # fmt: skip
    for school in schools:
        scopes.append(
            scope_summary(
                name=school.name, school_id=school.id,
                teachers=by_school.get(school.id, set()),
                rows=rows, years=years, known=known, cohort_of=cohort_of,
            )
        )  # fmt: skip
    return scopes
