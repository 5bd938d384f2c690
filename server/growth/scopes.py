"""The numbers of one summary scope (a school or the district), from the aggregated rows."""

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from markupsafe import Markup

from server.growth import svg
from server.growth.aggregate import AggregateRows
from server.growth.numbers import fmt
from server.growth.outcome import NoEstimate
from server.growth.queries import DimensionInfo, Instrument
from server.growth.stats import (
    TOO_FEW,
    CohortComparison,
    HighLevelShare,
    PairedComparison,
    Suppressed,
    change_test,
    change_verdict,
    compare_cohorts,
    describe_change,
    difference_verdict,
    high_level_share,
    paired_comparison,
    suppress_small_cell,
)
from server.roster.models import SchoolYear

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

    def hidden_periods(self, periods: list[Period]) -> list[str]:
        """The labels of its half-years the small-cell rule leaves out."""
        return [
            p.label for p, s in zip(periods, self.periods, strict=True) if isinstance(s, Suppressed)
        ]


@dataclass(frozen=True)
class ComparisonRow:
    dimension: DimensionInfo
    year_name: str
    result: PairedComparison | NoEstimate | Suppressed
    sentence: str = ""
    sentence_wilcoxon: str = ""

    @property
    def where(self) -> str:
        return f"{self.dimension.name} ({self.year_name})"

    @property
    def verdict(self) -> str:
        """stats.change_verdict, or "" without numbers."""
        return change_verdict(self.result) if isinstance(self.result, PairedComparison) else ""

    @property
    def test_p(self) -> tuple[float | None, bool]:
        """stats.change_test: (the p-value the verdict rests on, whether it is Wilcoxon's)."""
        return (
            change_test(self.result) if isinstance(self.result, PairedComparison) else (None, False)
        )


@dataclass(frozen=True)
class CohortRow:
    dimension: DimensionInfo
    year_name: str
    first: str
    second: str
    result: CohortComparison | NoEstimate | Suppressed

    @property
    def verdict(self) -> str:
        """stats.difference_verdict, or "" without numbers."""
        if not isinstance(self.result, CohortComparison):
            return ""
        return difference_verdict(self.result, first=self.first, second=self.second)


@dataclass(frozen=True)
class HighLevelRow:
    dimension: DimensionInfo
    year_name: str
    result: HighLevelShare | NoEstimate | Suppressed

    @property
    def where(self) -> str:
        return f"{self.dimension.name} ({self.year_name})"


@dataclass
class InstrumentSummary:
    instrument: Instrument
    practices: list[PracticeRow]
    comparisons: list[ComparisonRow]
    cohorts: list[CohortRow]
    high_level: list[HighLevelRow]

    @property
    def latest(self) -> list[ComparisonRow]:
        """Each dimension's latest baseline vs end-of-year comparison, in the rubric's order."""
        last: dict[str, ComparisonRow] = {}
        for row in self.comparisons:  # by dimension, each one's years oldest first
            last[row.dimension.id] = row
        return list(last.values())

    @property
    def suppressed(self) -> bool:
        """Whether the small-cell rule leaves out every number of the instrument."""
        results: list[object] = [r.result for r in self.comparisons]
        results += [r.result for r in self.cohorts] + [r.result for r in self.high_level]
        results += [p for row in self.practices for p in row.periods if p is not None]
        return bool(results) and all(isinstance(r, Suppressed) for r in results)

    def tally(self) -> str:
        """Its latest changes counted, for a table of schools: "8 measured: 3 reliably
        higher, 5 not reliable"; TOO_FEW when none can be shown."""
        rows = self.latest
        shown = [r for r in rows if isinstance(r.result, PairedComparison)]
        hidden = sum(1 for r in rows if isinstance(r.result, Suppressed))
        if not shown:
            return TOO_FEW if hidden else "No comparison yet"
        counts = Counter(r.verdict for r in shown)
        words = [
            f"{counts[v]} {w}"
            for v, w in (
                ("Reliably higher", "reliably higher"), ("Reliably lower", "reliably lower"),
                ("Not a reliable change", "not reliable"), ("No change", "no change"),
            )
            if counts[v]
        ]  # fmt: skip
        text = f"{len(shown)} measured: {', '.join(words)}"
        return text + (f"; {hidden} left out: {TOO_FEW.lower()}" if hidden else "")

    def latest_years(self) -> list[str]:
        """The school years of `latest`, oldest first."""
        return list(dict.fromkeys(r.year_name for r in self.latest))


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

    def instrument(self, rubric_id: str) -> InstrumentSummary | None:
        return next((i for i in self.instruments if i.instrument.rubric_id == rubric_id), None)

    def fragment(self, anchor: str) -> Markup | None:
        return self.fragments.get(anchor)

    def keep(self, anchor: str, html: str) -> str:
        self.fragments[anchor] = Markup(html)
        return ""


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
        f"{periods[i].label}: mean {fmt(s.mean)}, middle half {fmt(s.q1)} to {fmt(s.q3)}, "
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


def scope_summary(
    *, name: str, school_id: int | None, teachers: set[int], rows: AggregateRows,
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
    info: DimensionInfo, rows: AggregateRows, teachers: set[int], rubric_id: str,
    years: dict[int, SchoolYear], year_ids: list[int],
) -> list[HighLevelRow]:  # fmt: skip
    assert info.high_level_min is not None
    out = []
    for year_id in dict.fromkeys(year_ids):
        lessons: list[float] = []
        who: set[int] = set()
        cell = rows.levels_by_cell.get((rubric_id, info.id, year_id), {})
        for teacher in teachers if len(teachers) < len(cell) else cell:
            if teacher in teachers and teacher in cell:
                for level, n in cell[teacher]:
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
