"""Program-evaluation numbers (docs/growth.md): baseline vs end of year, cohorts, IQA high-level
share, and the small-cell rule. Pure functions on plain numbers; scipy and statsmodels compute,
this module only chooses, checks and words."""

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, TypeVar

import numpy as np
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from server.growth.numbers import DASH, POINT_DECIMALS, fmt, rounded
from server.growth.outcome import TooFewObservations, count_words

MIN_TEACHERS = 5
IQA_HIGH_LEVEL = 3.0
CONFIDENCE = 0.95
# A change or difference whose test gives p below this is "reliable", and only a reliable one
# is worded as an improvement, a decline or a difference between cohorts.
RELIABLE_P = 0.05
RELIABLE_WORDS = f"p < {RELIABLE_P:g}".replace("0.", ".", 1)  # "p < .05"
# What a page says, once per section, in place of the numbers the small-cell rule leaves out.
TOO_FEW = f"Too few teachers to show (fewer than {MIN_TEACHERS})"

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


# --- baseline vs end of year ---------------------------------------------------------------


@dataclass(frozen=True)
class PairedComparison:
    """Baseline vs end of year for the teachers scored at both (one pair per teacher).

    `d_z` is Cohen's d for paired data: mean change / SD of the changes (= t / sqrt(n)).
    A statistic is None when it is undefined: t, its p and d_z when every teacher changed by
    the same amount; the Wilcoxon test when no teacher changed at all.
    """

    n: int
    baseline_mean: float
    baseline_sd: float
    end_mean: float
    end_sd: float
    mean_change: float
    sd_change: float
    t: float | None
    df: int
    p_t: float | None
    wilcoxon_statistic: float | None
    p_wilcoxon: float | None
    d_z: float | None


def pair_up(baseline: Mapping[K, float], end: Mapping[K, float]) -> tuple[list[float], list[float]]:
    """The teachers scored at both times, in a stable order: (baseline scores, end scores)."""
    both = [key for key in baseline if key in end]
    return [baseline[key] for key in both], [end[key] for key in both]


def paired_comparison(
    baseline: Sequence[float], end: Sequence[float], *, unit: str = "teacher"
) -> PairedComparison | TooFewObservations:
    """Paired t-test, Wilcoxon signed-rank test and d_z; `baseline[i]` and `end[i]` are the
    same teacher's (or `unit`'s: a survey's respondent) scores."""
    if len(baseline) != len(end):
        raise ValueError("baseline and end must hold one score per teacher each, in pairs")
    before = np.asarray(baseline, dtype=float)
    after = np.asarray(end, dtype=float)
    if not (np.all(np.isfinite(before)) and np.all(np.isfinite(after))):
        raise ValueError("scores must be finite numbers")
    n = len(before)
    if n < 2:
        return TooFewObservations(
            f"A baseline to end-of-year comparison needs at least two {unit}s scored at both "
            f"times; there {'is' if n == 1 else 'are'} {count_words(n, unit)}."
        )
    change = after - before
    sd_change = float(np.std(change, ddof=1))
    t: float | None = None
    p_t: float | None = None
    d_z: float | None = None
    if sd_change > 0:
        test = stats.ttest_rel(after, before)
        t, p_t = float(test.statistic), float(test.pvalue)
        d_z = float(np.mean(change)) / sd_change
    w_stat: float | None = None
    p_w: float | None = None
    if np.any(change != 0):
        method, correction = wilcoxon_method(change)
        # scipy-stubs still list "approx", the name scipy 1.17 replaced with "asymptotic".
        wilcoxon = stats.wilcoxon(after, before, method=method, correction=correction)  # type: ignore[arg-type]
        w_stat, p_w = float(wilcoxon.statistic), float(wilcoxon.pvalue)
    return PairedComparison(
        n=n,
        baseline_mean=float(np.mean(before)),
        baseline_sd=float(np.std(before, ddof=1)),
        end_mean=float(np.mean(after)),
        end_sd=float(np.std(after, ddof=1)),
        mean_change=float(np.mean(change)),
        sd_change=sd_change,
        t=t,
        df=n - 1,
        p_t=p_t,
        wilcoxon_statistic=w_stat,
        p_wilcoxon=p_w,
        d_z=d_z,
    )


EXACT_WILCOXON_MAX_N = 50


def wilcoxon_method(
    change: Sequence[float] | np.ndarray,
) -> tuple[Literal["exact", "asymptotic"], bool]:
    """How the Wilcoxon signed-rank p-value is computed, as R's `wilcox.test` does: the exact
    distribution when there are at most 50 differences, none zero and no two the same size;
    otherwise the normal approximation, with the variance corrected for ties and a continuity
    correction (scipy's `method="asymptotic", correction=True`). scipy's `method="auto"`
    would instead run a permutation test for small samples with ties: up to a second each.
    Returns (method, correction) for `scipy.stats.wilcoxon`."""
    d = np.asarray(change, dtype=float)
    nonzero = np.abs(d[d != 0])
    ties = len(np.unique(nonzero)) < len(nonzero)
    if len(d) <= EXACT_WILCOXON_MAX_N and len(nonzero) == len(d) and not ties:
        return "exact", False
    return "asymptotic", True


def format_p(p: float | None, *, cell: bool = False) -> str:
    """A p-value, the one way every page writes it: "p = .16", "p = .049" (three decimals
    below .10), "p < .001", "p > .99", and "p < .05" for a p under RELIABLE_P that would
    round up to it; in a table cell (`cell=True`, under a "p" heading) without the "p =":
    ".16", "< .001". An en dash for none."""
    if p is None or not math.isfinite(p):
        return DASH
    two = rounded(p, 2)
    if p < 0.001:
        text = "< .001"
    elif two >= 1:
        text = "> .99"
    else:
        number = rounded(p, 3) if two < Decimal("0.1") else two
        if p < RELIABLE_P and number >= Decimal(repr(RELIABLE_P)):  # .0496: not "p = .050"
            text = "< " + _no_leading_zero(f"{RELIABLE_P:g}")
        else:
            text = "= " + _no_leading_zero(f"{number:f}")
    return text.removeprefix("= ") if cell else "p " + text


def reliable(p: float | None) -> bool:
    """Whether a test's p-value makes its change or difference reliable: p < RELIABLE_P."""
    return p is not None and math.isfinite(p) and p < RELIABLE_P


def change_test(
    comparison: PairedComparison, test: Literal["t", "wilcoxon"] = "t"
) -> tuple[float | None, bool]:
    """(p, whether it is the Wilcoxon test's): the p-value that decides whether the change is
    reliable. The paired t-test's, unless `test="wilcoxon"` or t is undefined because every
    teacher changed by the same amount (then only the signed-rank test can say)."""
    if test == "t" and comparison.p_t is not None:
        return comparison.p_t, False
    return comparison.p_wilcoxon, True


def change_verdict(comparison: PairedComparison, test: Literal["t", "wilcoxon"] = "t") -> str:
    """The change in a few words: "Reliably higher", "Reliably lower", "Not a reliable
    change", or "No change" (when it rounds to zero points)."""
    if rounded(comparison.mean_change, POINT_DECIMALS).is_zero():
        return "No change"
    if not reliable(change_test(comparison, test)[0]):
        return "Not a reliable change"
    return "Reliably higher" if comparison.mean_change > 0 else "Reliably lower"


def describe_change(
    comparison: PairedComparison,
    *,
    dimension: str,
    who: str = "Teachers",
    test: Literal["t", "wilcoxon"] = "t",
    decimals: int = POINT_DECIMALS,
) -> str:
    """One plain sentence. Only a reliable change (`reliable`) is an improvement or a decline:
    "Teachers improved on 'Pose purposeful questions' by 0.60 points, d = 0.80, p = .004,
    n = 14."; any other says how large it was and that it is not reliable: "Teachers scored
    0.25 points higher on 'Rigor', p = .16: not a reliable change (d = 0.40, n = 9)." The
    p-value is `change_test`'s; d is d_z; numbers are rounded as in the tables (`numbers`)."""
    p, wilcoxon = change_test(comparison, test)
    tested = (
        [format_p(p) + (" (Wilcoxon signed-rank)" if wilcoxon else "")] if p is not None else []
    )
    amount = f"{fmt(abs(comparison.mean_change), decimals)} points"
    spread = (
        "the same change for every teacher"
        if comparison.d_z is None
        else f"d = {fmt(comparison.d_z, decimals)}"
    )
    n = f"n = {comparison.n}"
    if rounded(comparison.mean_change, decimals).is_zero():
        head = f"{who} showed no change on '{dimension}' ({amount})"
    elif reliable(p):
        verb = "improved" if comparison.mean_change > 0 else "declined"
        head = f"{who} {verb} on '{dimension}' by {amount}"
    else:
        direction = "higher" if comparison.mean_change > 0 else "lower"
        head = ", ".join([f"{who} scored {amount} {direction} on '{dimension}'", *tested])
        return f"{head}: not a reliable change ({spread}, {n})."
    return ", ".join([head, spread, *tested, n]) + "."


# --- cohorts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CohortComparison:
    """Mann-Whitney U between two cohorts (usually of each teacher's change).

    `u` is the U statistic of the first cohort; `rank_biserial` = 2U/(n1*n2) - 1, from -1 (every
    first-cohort value below every second-cohort value) to 1 (every one above).
    """

    n_first: int
    n_second: int
    median_first: float
    median_second: float
    mean_first: float
    mean_second: float
    u: float
    p: float
    rank_biserial: float


def compare_cohorts(
    first: Sequence[float], second: Sequence[float], *, unit: str = "teacher"
) -> CohortComparison | TooFewObservations:
    a = np.asarray(first, dtype=float)
    b = np.asarray(second, dtype=float)
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("scores must be finite numbers")
    if len(a) < 2 or len(b) < 2:
        return TooFewObservations(
            f"Comparing two cohorts needs at least two {unit}s in each; there are "
            f"{count_words(len(a), unit)} and {count_words(len(b), unit)}."
        )
    test = stats.mannwhitneyu(a, b, alternative="two-sided")
    u = float(test.statistic)
    return CohortComparison(
        n_first=len(a),
        n_second=len(b),
        median_first=float(np.median(a)),
        median_second=float(np.median(b)),
        mean_first=float(np.mean(a)),
        mean_second=float(np.mean(b)),
        u=u,
        p=float(test.pvalue),
        rank_biserial=2 * u / (len(a) * len(b)) - 1,
    )


def difference_verdict(comparison: CohortComparison, *, first: str, second: str) -> str:
    """The cohorts' difference in a few words: "2024-25 cohort higher: a reliable difference",
    or "Not a reliable difference"."""
    if not reliable(comparison.p) or comparison.rank_biserial == 0:
        return "Not a reliable difference"
    return f"{first if comparison.rank_biserial > 0 else second} higher: a reliable difference"


# --- IQA: share of lessons at high level ---------------------------------------------------


@dataclass(frozen=True)
class HighLevelShare:
    """Lessons scored at or above the high-level threshold (IQA: 3 or 4), with a Wilson 95%
    interval for the share."""

    n: int
    n_high: int
    share: float
    ci_low: float
    ci_high: float


def high_level_share(
    scores: Iterable[float | None], *, threshold: float = IQA_HIGH_LEVEL
) -> HighLevelShare | TooFewObservations:
    """`scores` holds one score per lesson; None (not observed) is left out."""
    scored = [s for s in scores if s is not None]
    if any(not math.isfinite(s) for s in scored):
        raise ValueError("scores must be finite numbers")
    if not scored:
        return TooFewObservations("No lesson was scored on this dimension.")
    n_high = sum(1 for s in scored if s >= threshold)
    low, high = proportion_confint(n_high, len(scored), alpha=1 - CONFIDENCE, method="wilson")
    return HighLevelShare(
        n=len(scored),
        n_high=n_high,
        share=n_high / len(scored),
        ci_low=float(low),
        ci_high=float(high),
    )


# --- small cells ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Suppressed:
    """An aggregate not shown because its group is too small; `reason` is fit to display."""

    reason: str


def suppress_small_cell(
    value: T,
    *,
    teachers: Iterable[Hashable] | int,
    minimum: int = MIN_TEACHERS,
    unit: str = "teacher",
) -> T | Suppressed:
    """`value` when it summarizes at least `minimum` distinct teachers, else Suppressed.

    `teachers` is the teachers behind the value (ids, counted once each) or their number.
    The reason never says how many teachers there were.
    """
    n = teachers if isinstance(teachers, int) else len(set(teachers))
    if n >= minimum:
        return value
    return Suppressed(
        f"Not shown: this group has fewer than {minimum} {unit}s, and a number for so few "
        f"could reveal an individual {unit}."
    )


def _no_leading_zero(text: str) -> str:
    return text[1:] if text.startswith("0.") else text
