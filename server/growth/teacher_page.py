"""The teacher's growth page: scores over time, the fitted trend, check-ins beside."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from markupsafe import Markup
from sqlalchemy import select
from sqlmodel import Session

from server.growth import svg
from server.growth.dosage import MonthCount, bar_labels, teacher_dosage
from server.growth.fits import FitStatus, cached_fits
from server.growth.model import DAYS_PER_YEAR, GrowthFit, GrowthOutcome
from server.growth.numbers import signed
from server.growth.outcome import NoEstimate, TooFewObservations
from server.growth.queries import (
    Instrument,
    O,
    as_date,
    dimension_scores,
    instruments,
    observer_roles,
)
from server.roster.models import Teacher

Z95 = 1.959963984540054


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


@dataclass
class TeacherGrowthPage:
    teacher: Teacher
    instruments: list[InstrumentGrowth]
    dosage: list[MonthCount]
    dosage_chart: Markup
    n_observations: int


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
        desc += f" The dashed line is the fitted trend, {signed(own.slope)} points a year."
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
    inner = dimension_scores(
        O.c.teacher_id == teacher.id, O.c.shared_with_teacher_at.is_not(None)
    ).subquery()
    rows = session.execute(
        select(inner).order_by(inner.c.observed_at, inner.c.observation_id)
    ).all()
    roles = observer_roles(
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
            p = ScorePoint(as_date(r.observed_at), float(r.score), r.version, roles[r.observer_id])
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
    first_obs = min((as_date(r.observed_at) for r in rows), default=None)
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
