"""The summaries' one GROUP BY: lesson scores per teacher, half-year, dimension and level."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, time

import sqlalchemy as sa
from sqlalchemy import and_, case, func, select
from sqlmodel import Session, col

from server.growth.queries import Instrument, T, dimension_scores
from server.roster.models import SchoolYear


@dataclass
class AggregateRows:
    """The aggregate query's rows, shaped for the numbers."""

    # (teacher, year, half, rubric, dimension) -> [sum, count] of lesson scores
    halves: dict[tuple[int, int, int, str, str], list[float]] = field(
        default_factory=lambda: defaultdict(lambda: [0.0, 0])
    )
    # (teacher, year, rubric, dimension, level) -> lessons
    levels: dict[tuple[int, int, str, str, int], int] = field(
        default_factory=lambda: defaultdict(int)
    )
    # The same, indexed once: (rubric, dimension, year) -> teacher -> [(level, lessons)], and
    # teacher -> their `halves` entries, so that each scope picks its own teachers' rows
    # without reading the district's (a school's scope costs its teachers, not the district).
    levels_by_cell: dict[tuple[str, str, int], dict[int, list[tuple[int, int]]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    halves_by_teacher: dict[int, list[tuple[tuple[int, int, int, str, str], list[float]]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def index(self) -> "AggregateRows":
        for (teacher, year, rubric, dim, level), n in self.levels.items():
            self.levels_by_cell[(rubric, dim, year)][teacher].append((level, n))
        for key, cell in self.halves.items():
            self.halves_by_teacher[key[0]].append((key, cell))
        return self


def school_years(*, session: Session, district_id: int) -> dict[int, SchoolYear]:
    return {
        y.id: y
        for y in session.execute(
            select(SchoolYear).where(col(SchoolYear.district_id) == district_id)
        ).scalars()
        if y.id is not None
    }


def aggregate_scores(
    *, session: Session, district_id: int, school_ids: frozenset[int] | None,
    years: dict[int, SchoolYear], known: dict[str, Instrument],
) -> AggregateRows:  # fmt: skip
    """One GROUP BY in the database: per teacher, school year, half of the year, rubric,
    dimension and level (the lesson's score rounded down), the lessons and their sum."""
    where = [T.c.district_id == district_id]
    if school_ids is not None:
        where.append(T.c.school_id.in_(school_ids))
    inner = dimension_scores(*where, per_lesson=False).subquery()
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
    out = AggregateRows()
    for teacher_id, year_id, h, rubric_id, dim, lvl, n, total in session.execute(query):
        cell = out.halves[(teacher_id, year_id, int(h), rubric_id, dim)]
        cell[0] += float(total)
        cell[1] += int(n)
        out.levels[(teacher_id, year_id, rubric_id, dim, int(lvl))] += int(n)
    return out.index()


def _midpoint(year: SchoolYear) -> datetime:
    middle = year.start_date + (year.end_date - year.start_date) / 2
    return datetime.combine(middle, time.min, tzinfo=UTC)
