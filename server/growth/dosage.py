"""Check-ins per month (coaching dosage): a teacher's, and per school for the summaries."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy import func, select
from sqlmodel import Session, col

from server.growth import svg
from server.growth.queries import CC, CI, T, latest_change
from server.growth.stats import (
    Suppressed,
    suppress_small_cell,
)

DOSAGE_MONTHS = 12
ASSOCIATION_NOTE = (
    "Check-ins per month are shown beside the scores; they show what happened together, "
    "not what caused what."
)


@dataclass(frozen=True)
class MonthCount:
    month: str  # "YYYY-MM"
    label: str  # "Sep 2025"
    check_ins: int


@dataclass(frozen=True)
class DosageMonth:
    label: str
    check_ins: int | Suppressed
    teachers_met: int | Suppressed
    per_teacher: float | Suppressed


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


def school_dosage(
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


def dosage_chart(name: str, months: list[DosageMonth]) -> Markup:
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


def coached_teachers(
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


def dosage_stamp(*, session: Session, district_id: int) -> tuple[object, ...]:
    """Changes whenever a write in the district is accepted (every one logs a sync_change
    row; an index lookup per school) or the district's coach assignments change."""
    from server.roster.models import CoachAssignment

    seq = latest_change(session=session, district_id=district_id)
    assignment = col(CoachAssignment.id)
    assignments = session.execute(
        select(
            func.count(assignment),
            func.sum(assignment),
            func.sum(sa.case((col(CoachAssignment.end_date).is_(None), assignment), else_=0)),
        )
        .join(T, T.c.id == col(CoachAssignment.teacher_id))
        .where(T.c.district_id == district_id)
    ).one()
    return (seq, *tuple(assignments))
