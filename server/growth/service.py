"""Growth pages' public entry point (docs/growth.md): re-exports the growth modules' API."""

from sqlalchemy import Engine

from server.growth import replica, worker
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
)
from server.growth.numbers import fmt, percent, signed
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
from server.growth.stats import RELIABLE_P, RELIABLE_WORDS, TOO_FEW, Suppressed, format_p
from server.growth.summaries import (
    DOSAGE_HTML_KEPT,
    SummaryPage,
    SummaryStatus,
    clear_summaries,
    on_refresh,
    queue_every_summary,
    refresh_summary,
    summary,
    watch_summaries,
)
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


def start_worker(engine: Engine, replica_url: str | None = None) -> None:
    """Start this process's background worker (the app's lifespan) and queue every district's
    summary, so the summary pages are warm from the start. With `replica_url` the worker reads
    whole districts from that read replica of `engine`'s database (replica.py)."""
    replica.use_replica(engine, replica_url)
    worker.watch(watch_summaries)
    worker.start()
    queue_every_summary(engine)


def stop_worker() -> None:
    """Stop the worker (the app's lifespan) and, once no app of the process uses it, forget
    the summaries it kept fresh (nothing would keep them so)."""
    if worker.stop():
        clear_summaries()


__all__ = [
    "ASSOCIATION_NOTE",
    "DOSAGE_HTML_KEPT",
    "DOSAGE_MONTHS",
    "EXPORT_COLUMNS",
    "MONTH_NAMES",
    "PENDING_TREND",
    "RELIABLE_P",
    "RELIABLE_WORDS",
    "ROLE_WORDS",
    "TOO_FEW",
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
    "SummaryStatus",
    "Suppressed",
    "TeacherGrowthPage",
    "TooFewObservations",
    "Trend",
    "TrendPending",
    "bar_labels",
    "cached_fits",
    "clear_fits",
    "clear_summaries",
    "compute_fits",
    "district_fits",
    "district_stamp",
    "export_scores",
    "fmt",
    "format_p",
    "growth_access",
    "growth_shared_at",
    "instruments",
    "on_refresh",
    "percent",
    "pseudonym",
    "refit_now",
    "refresh_summary",
    "scores_csv",
    "set_growth_shared",
    "shared_growth_teachers",
    "signed",
    "start_worker",
    "stop_worker",
    "summary",
    "teacher_dosage",
    "teacher_growth",
]
