"""The school and district summary pages, their cache keyed on the district stamp."""

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from markupsafe import Markup
from sqlalchemy import select
from sqlmodel import Session

from server.growth.aggregate import aggregate_scores, school_years
from server.growth.dosage import DosageMonth, coached_teachers, dosage_chart, school_dosage
from server.growth.queries import T, district_stamp, instruments
from server.growth.scopes import ScopeSummary, scope_summary
from server.roster.models import School


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


_SummaryKey = tuple[int, frozenset[int] | None]  # (district, schools; None: the whole district)
_SUMMARIES: dict[_SummaryKey, tuple[tuple[Any, ...], Any]] = {}
# One lock per key, so that a district admin's cold computation does not hold up a principal's
# page; requests for the same key wait for the one computing it and then read its result.
_SUMMARY_LOCKS: dict[_SummaryKey, threading.Lock] = {}
_SUMMARY_LOCKS_GUARD = threading.Lock()


def _summary_lock(key: _SummaryKey) -> threading.Lock:
    with _SUMMARY_LOCKS_GUARD:
        return _SUMMARY_LOCKS.setdefault(key, threading.Lock())


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
    dosage = school_dosage(
        session=session, district_id=district_id, school_ids=school_ids, today=today
    )
    names: dict[int | None, str] = {s.id: s.name for s in schools}
    names[None] = "District"
    coached = coached_teachers(
        session=session, district_id=district_id, school_ids=school_ids, today=today
    )
    active = [t for t in teachers if t.active]
    counts: dict[int | None, int] = defaultdict(int)
    for t in active:
        counts[t.school_id] += 1
        counts[None] += 1
    return SummaryPage(
        scopes=scopes,
        dosage=dosage,
        dosage_charts={k: dosage_chart(names.get(k, ""), v) for k, v in dosage.items()},
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
    years = school_years(session=session, district_id=district_id)
    known = instruments(session=session)
    rows = aggregate_scores(
        session=session, district_id=district_id, school_ids=key[1], years=years,
        known=known,
    )  # fmt: skip
    cohort_of = {t.id: t.cohort_year_id for t in teachers}
    scopes = []
    if overall:
        scopes.append(
            scope_summary(
                name="District", school_id=None, teachers=set(teacher_school), rows=rows,
                years=years, known=known, cohort_of=cohort_of,
            )
        )  # fmt: skip
    for school in schools:
        scopes.append(
            scope_summary(
                name=school.name, school_id=school.id,
                teachers={t for t, s in teacher_school.items() if s == school.id},
                rows=rows, years=years, known=known, cohort_of=cohort_of,
            )
        )  # fmt: skip
    _SUMMARIES[key] = (stamp, scopes)
    return scopes
