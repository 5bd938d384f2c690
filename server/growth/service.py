"""Growth pages' public entry point (docs/growth.md): re-exports the growth modules' API."""

import math

from server.growth.access import (
    growth_access,
    growth_shared_at,
    set_growth_shared,
    shared_growth_teachers,
)
from server.growth.dosage import (
    ASSOCIATION_NOTE,
    DOSAGE_MONTHS,
    MONTH_NAMES,
    DosageMonth,
    MonthCount,
    bar_labels,
    teacher_dosage,
)
from server.growth.export import EXPORT_COLUMNS, export_scores, pseudonym, scores_csv
from server.growth.fits import (
    CachedFits,
    DistrictFits,
    FitStatus,
    cached_fits,
    clear_fits,
    compute_fits,
    district_fits,
    refit_now,
    start_fit_worker,
    stop_fit_worker,
)
from server.growth.outcome import NoEstimate, TooFewObservations
from server.growth.queries import (
    ROLE_WORDS,
    DimensionInfo,
    Instrument,
    district_stamp,
    instruments,
)
from server.growth.scopes import (
    CohortRow,
    ComparisonRow,
    HighLevelRow,
    InstrumentSummary,
    Period,
    PeriodStat,
    PracticeRow,
    ScopeSummary,
)
from server.growth.stats import Suppressed, p_cell
from server.growth.summaries import DOSAGE_HTML_KEPT, SummaryPage, summary
from server.growth.teacher_page import (
    PENDING_TREND,
    Z95,
    DimensionGrowth,
    InstrumentGrowth,
    ScorePoint,
    TeacherGrowthPage,
    Trend,
    TrendPending,
    teacher_growth,
)

__all__ = [
    "ASSOCIATION_NOTE",
    "DOSAGE_HTML_KEPT",
    "DOSAGE_MONTHS",
    "EXPORT_COLUMNS",
    "MONTH_NAMES",
    "PENDING_TREND",
    "ROLE_WORDS",
    "Z95",
    "CachedFits",
    "CohortRow",
    "ComparisonRow",
    "DimensionGrowth",
    "DimensionInfo",
    "DistrictFits",
    "DosageMonth",
    "FitStatus",
    "HighLevelRow",
    "Instrument",
    "InstrumentGrowth",
    "InstrumentSummary",
    "MonthCount",
    "NoEstimate",
    "Period",
    "PeriodStat",
    "PracticeRow",
    "ScopeSummary",
    "ScorePoint",
    "SummaryPage",
    "Suppressed",
    "TeacherGrowthPage",
    "TooFewObservations",
    "Trend",
    "TrendPending",
    "bar_labels",
    "cached_fits",
    "clear_fits",
    "compute_fits",
    "district_fits",
    "district_stamp",
    "export_scores",
    "fmt",
    "growth_access",
    "growth_shared_at",
    "instruments",
    "p_cell",
    "pseudonym",
    "refit_now",
    "scores_csv",
    "set_growth_shared",
    "shared_growth_teachers",
    "start_fit_worker",
    "stop_fit_worker",
    "summary",
    "teacher_dosage",
    "teacher_growth",
]


def fmt(value: float | None, decimals: int = 2) -> str:
    """For templates: a number, or an en dash for none."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "\u2013"
    return f"{value:.{decimals}f}"
