"""Program-evaluation numbers, checked against scipy and statsmodels called directly."""

import math
import statistics

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from server.growth.numbers import fmt
from server.growth.outcome import TooFewObservations
from server.growth.stats import (
    RELIABLE_P,
    CohortComparison,
    HighLevelShare,
    PairedComparison,
    Suppressed,
    change_verdict,
    compare_cohorts,
    describe_change,
    difference_verdict,
    format_p,
    high_level_share,
    pair_up,
    paired_comparison,
    suppress_small_cell,
    wilcoxon_method,
)

# Fourteen teachers' practice scores (1-5, item means) at baseline and at the end of the year.
BASELINE = [2.4, 3.0, 2.2, 2.8, 3.4, 2.0, 2.6, 3.1, 2.5, 2.9, 1.8, 3.3, 2.7, 2.2]
END = [3.0, 3.4, 2.9, 3.1, 3.6, 2.9, 3.3, 3.0, 3.2, 3.5, 2.6, 3.9, 3.1, 2.6]


def comparison(**changes: object) -> PairedComparison:
    fields: dict[str, object] = dict(
        n=14, baseline_mean=2.6, baseline_sd=0.5, end_mean=3.2, end_sd=0.4, mean_change=0.6,
        sd_change=0.75, t=3.0, df=13, p_t=0.004, wilcoxon_statistic=6.0, p_wilcoxon=0.02,
        d_z=0.8,
    )  # fmt: skip
    fields.update(changes)
    return PairedComparison(**fields)  # type: ignore[arg-type]


def test_paired_comparison_matches_scipy() -> None:
    result = paired_comparison(BASELINE, END)
    assert isinstance(result, PairedComparison)
    t_test = stats.ttest_rel(END, BASELINE)
    change = [e - b for b, e in zip(BASELINE, END, strict=True)]
    method, correction = wilcoxon_method(change)
    wilcoxon = stats.wilcoxon(END, BASELINE, method=method, correction=correction)
    assert result.n == 14 and result.df == 13
    assert result.baseline_mean == pytest.approx(statistics.mean(BASELINE))
    assert result.baseline_sd == pytest.approx(statistics.stdev(BASELINE))
    assert result.end_mean == pytest.approx(statistics.mean(END))
    assert result.end_sd == pytest.approx(statistics.stdev(END))
    assert result.mean_change == pytest.approx(statistics.mean(change))
    assert result.sd_change == pytest.approx(statistics.stdev(change))
    assert result.t == pytest.approx(t_test.statistic)
    assert result.df == t_test.df
    assert result.p_t == pytest.approx(t_test.pvalue)
    assert result.wilcoxon_statistic == pytest.approx(wilcoxon.statistic)
    assert result.p_wilcoxon == pytest.approx(wilcoxon.pvalue)
    # d_z: the mean change over the SD of the changes, which is also t / sqrt(n).
    assert result.d_z == pytest.approx(statistics.mean(change) / statistics.stdev(change))
    assert result.d_z == pytest.approx(t_test.statistic / math.sqrt(14))


def test_paired_comparison_leaves_undefined_statistics_out() -> None:
    same_change = paired_comparison([2.0, 2.5, 3.0], [2.5, 3.0, 3.5])
    assert isinstance(same_change, PairedComparison)
    assert (same_change.t, same_change.p_t, same_change.d_z) == (None, None, None)
    assert same_change.mean_change == pytest.approx(0.5)
    # Ties: the normal approximation with tie and continuity correction, as R's wilcox.test.
    tied = stats.wilcoxon([0.5, 0.5, 0.5], method="asymptotic", correction=True)
    assert same_change.p_wilcoxon == pytest.approx(tied.pvalue)
    no_change = paired_comparison([2.0, 3.0], [2.0, 3.0])
    assert isinstance(no_change, PairedComparison)
    assert (no_change.wilcoxon_statistic, no_change.p_wilcoxon, no_change.d_z) == (None,) * 3


def test_paired_comparison_needs_two_teachers_and_pairs() -> None:
    assert paired_comparison([2.0], [3.0]) == TooFewObservations(
        "A baseline to end-of-year comparison needs at least two teachers scored at both "
        "times; there is 1 teacher."
    )
    assert isinstance(paired_comparison([], []), TooFewObservations)
    with pytest.raises(ValueError, match="pairs"):
        paired_comparison([2.0, 3.0], [3.0])
    with pytest.raises(ValueError, match="finite"):
        paired_comparison([2.0, math.nan], [3.0, 3.0])


def test_pair_up_keeps_the_teachers_scored_at_both_times() -> None:
    baseline = {"ana": 2.0, "ben": 3.0, "cy": 2.5}
    end = {"cy": 3.5, "ana": 2.5, "dee": 4.0}
    assert pair_up(baseline, end) == ([2.0, 2.5], [2.5, 3.5])


def test_the_sentence_of_the_issue() -> None:
    sentence = describe_change(
        comparison(), dimension="Pose purposeful questions", who="Teachers in the 2024 cohort"
    )
    assert sentence == (
        "Teachers in the 2024 cohort improved on 'Pose purposeful questions' by 0.60 points, "
        "d = 0.80, p = .004, n = 14."
    )


@pytest.mark.parametrize(
    ("changes", "options", "expected"),
    [
        (
            dict(mean_change=-0.34, d_z=-0.46, p_t=0.2149, n=9),
            {},
            "Teachers scored 0.34 points lower on 'Rigor', p = .21: not a reliable change "
            "(d = -0.46, n = 9).",
        ),
        (
            dict(mean_change=-0.34, d_z=-0.46, p_t=0.012, n=9),
            {},
            "Teachers declined on 'Rigor' by 0.34 points, d = -0.46, p = .012, n = 9.",
        ),
        (
            dict(mean_change=0.002, d_z=0.03, p_t=0.91),
            {},
            "Teachers showed no change on 'Rigor' (0.00 points), d = 0.03, p = .91, n = 14.",
        ),
        (
            dict(mean_change=0.25, d_z=0.4, p_t=0.16, n=9),
            {"decimals": 1},
            "Teachers scored 0.3 points higher on 'Rigor', p = .16: not a reliable change "
            "(d = 0.4, n = 9).",
        ),
        (
            {},
            {"test": "wilcoxon"},
            "Teachers improved on 'Rigor' by 0.60 points, d = 0.80, p = .020 (Wilcoxon "
            "signed-rank), n = 14.",
        ),
        (
            dict(p_t=0.03, p_wilcoxon=0.07),
            {"test": "wilcoxon"},
            "Teachers scored 0.60 points higher on 'Rigor', p = .070 (Wilcoxon signed-rank): "
            "not a reliable change (d = 0.80, n = 14).",
        ),
        (  # t is undefined when every teacher changed alike: the signed-rank test decides
            dict(mean_change=0.5, d_z=None, t=None, p_t=None, p_wilcoxon=0.059, n=5),
            {},
            "Teachers scored 0.50 points higher on 'Rigor', p = .059 (Wilcoxon signed-rank): "
            "not a reliable change (the same change for every teacher, n = 5).",
        ),
        (
            dict(mean_change=0.5, d_z=None, t=None, p_t=None, p_wilcoxon=0.031, n=6),
            {},
            "Teachers improved on 'Rigor' by 0.50 points, the same change for every teacher, "
            "p = .031 (Wilcoxon signed-rank), n = 6.",
        ),
    ],
)
def test_sentences(changes: dict[str, object], options: dict[str, object], expected: str) -> None:
    assert describe_change(comparison(**changes), dimension="Rigor", **options) == expected  # type: ignore[arg-type]


def test_only_a_reliable_change_is_an_improvement_or_a_decline() -> None:
    for p in (0.049, 0.0496, 0.001):
        up = describe_change(comparison(mean_change=0.25, p_t=p), dimension="Rigor")
        assert "improved" in up and "not a reliable" not in up
        assert change_verdict(comparison(mean_change=0.25, p_t=p)) == "Reliably higher"
        assert change_verdict(comparison(mean_change=-0.25, p_t=p)) == "Reliably lower"
    for p in (RELIABLE_P, 0.16, 0.9):
        up = describe_change(comparison(mean_change=0.25, p_t=p), dimension="Rigor")
        down = describe_change(comparison(mean_change=-0.25, p_t=p), dimension="Rigor")
        assert "0.25 points higher" in up and "not a reliable change" in up
        assert "0.25 points lower" in down and "not a reliable change" in down
        assert "improv" not in up + down and "declin" not in up + down
        assert change_verdict(comparison(mean_change=0.25, p_t=p)) == "Not a reliable change"
    assert change_verdict(comparison(mean_change=0.004, p_t=0.001)) == "No change"


def test_a_sentence_from_real_numbers_uses_the_computed_statistics() -> None:
    result = paired_comparison(BASELINE, END)
    assert isinstance(result, PairedComparison) and result.d_z is not None and result.p_t
    assert result.p_t < RELIABLE_P
    sentence = describe_change(result, dimension="Pose purposeful questions")
    assert sentence.startswith(
        f"Teachers improved on 'Pose purposeful questions' by {fmt(result.mean_change)} points"
    )
    assert f"d = {fmt(result.d_z)}, {format_p(result.p_t)}, n = 14." in sentence


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (0.0004, "p < .001"), (0.001, "p = .001"), (0.0099, "p = .010"), (0.049, "p = .049"),
        (0.0496, "p < .05"),  # reliable, so never "p = .050"
        (0.05, "p = .050"), (0.0504, "p = .050"), (0.094, "p = .094"), (0.0996, "p = .10"),
        (0.155, "p = .16"), (0.2345, "p = .23"), (0.9949, "p = .99"), (0.999, "p > .99"),
        (1.0, "p > .99"), (None, "\u2013"), (float("nan"), "\u2013"),
    ],
)  # fmt: skip
def test_format_p(p: float | None, text: str) -> None:
    assert format_p(p) == text
    assert format_p(p, cell=True) == text.removeprefix("p ").removeprefix("= ")


def test_cohorts_are_compared_with_mann_whitney_u() -> None:
    cohort_2023 = [0.6, 0.4, 0.9, 0.2, 0.7, 0.5, 0.8]
    cohort_2024 = [0.1, 0.3, 0.4, -0.2, 0.2, 0.0]
    result = compare_cohorts(cohort_2023, cohort_2024)
    assert isinstance(result, CohortComparison)
    test = stats.mannwhitneyu(cohort_2023, cohort_2024, alternative="two-sided")
    assert result.u == pytest.approx(test.statistic)
    assert result.p == pytest.approx(test.pvalue)
    assert (result.n_first, result.n_second) == (7, 6)
    assert result.median_first == pytest.approx(np.median(cohort_2023))
    assert result.mean_second == pytest.approx(np.mean(cohort_2024))
    # Rank-biserial: the share of (first, second) pairs where first is higher, ties half,
    # rescaled to -1..1.
    wins = sum((a > b) + 0.5 * (a == b) for a in cohort_2023 for b in cohort_2024)
    assert result.rank_biserial == pytest.approx(2 * wins / (7 * 6) - 1)


def test_a_cohort_difference_is_named_only_when_reliable() -> None:
    result = compare_cohorts([0.6, 0.4, 0.9, 0.2, 0.7, 0.5, 0.8], [0.1, 0.3, 0.4, -0.2, 0.2, 0.0])
    assert isinstance(result, CohortComparison) and result.p < RELIABLE_P
    words = {"first": "2023-24 cohort", "second": "2024-25 cohort"}
    assert difference_verdict(result, **words) == "2023-24 cohort higher: a reliable difference"
    flipped = compare_cohorts([0.1, 0.3, 0.4, -0.2, 0.2, 0.0], [0.6, 0.4, 0.9, 0.2, 0.7, 0.5])
    assert isinstance(flipped, CohortComparison)
    assert difference_verdict(flipped, **words) == "2024-25 cohort higher: a reliable difference"
    close = compare_cohorts([0.1, 0.3, 0.4, 0.2, 0.5], [0.2, 0.4, 0.1, 0.3, 0.6])
    assert isinstance(close, CohortComparison) and close.p >= RELIABLE_P
    assert difference_verdict(close, **words) == "Not a reliable difference"


def test_cohorts_need_two_teachers_each() -> None:
    assert compare_cohorts([0.5], [0.1, 0.2]) == TooFewObservations(
        "Comparing two cohorts needs at least two teachers in each; there are 1 teacher and "
        "2 teachers."
    )


def test_share_of_iqa_lessons_at_high_level() -> None:
    scores = [4, 3, 2, 1, 3, None, 0, 2.5, 3.5, None, 2]
    result = high_level_share(scores)
    assert isinstance(result, HighLevelShare)
    assert (result.n, result.n_high) == (9, 4)
    assert result.share == pytest.approx(4 / 9)
    low, high = proportion_confint(4, 9, alpha=0.05, method="wilson")
    assert (result.ci_low, result.ci_high) == pytest.approx((low, high))
    assert high_level_share([None, None]) == TooFewObservations(
        "No lesson was scored on this dimension."
    )
    other = high_level_share([1, 2, 4], threshold=4)
    assert isinstance(other, HighLevelShare) and other.n_high == 1


def test_small_cells_are_suppressed_with_the_reason() -> None:
    reason = (
        "Not shown: this group has fewer than 5 teachers, and a number for so few could "
        "reveal an individual teacher."
    )
    # Ten observations, but only four teachers: suppressed.
    assert suppress_small_cell(3.2, teachers=["a", "b", "c", "d", "a", "b"] * 2) == Suppressed(
        reason
    )
    assert suppress_small_cell(3.2, teachers=4) == Suppressed(reason)
    assert suppress_small_cell(3.2, teachers=0) == Suppressed(reason)
    assert suppress_small_cell(3.2, teachers=["a", "b", "c", "d", "e"]) == 3.2
    assert suppress_small_cell("x", teachers=5) == "x"
    shown = suppress_small_cell(0.4, teachers=7, minimum=10)
    assert isinstance(shown, Suppressed) and "fewer than 10 teachers" in shown.reason


def test_wilcoxon_is_exact_without_ties_or_zeros_and_approximate_otherwise() -> None:
    assert wilcoxon_method([0.5, -1.0, 1.5, 2.0]) == ("exact", False)
    assert wilcoxon_method([0.5, -0.5, 1.5, 2.0]) == ("asymptotic", True)  # |d| tied
    assert wilcoxon_method([0.0, -1.0, 1.5, 2.0]) == ("asymptotic", True)  # a zero
    assert wilcoxon_method([float(i) for i in range(1, 52)]) == ("asymptotic", True)  # n > 50
    # Small, with ties: where scipy's method="auto" would run a slow permutation test.
    baseline = [2.0, 2.5, 3.0, 2.0, 3.5, 2.5, 3.0, 2.0, 1.5, 2.5, 3.0, 2.0]
    end = [3.0, 3.5, 3.0, 2.5, 4.0, 3.5, 3.5, 3.0, 2.5, 3.0, 3.5, 2.0]
    result = paired_comparison(baseline, end)
    assert isinstance(result, PairedComparison)
    direct = stats.wilcoxon(end, baseline, method="asymptotic", correction=True)
    assert result.wilcoxon_statistic == pytest.approx(direct.statistic)
    assert result.p_wilcoxon == pytest.approx(direct.pvalue)
    exact = paired_comparison([1.0, 2.0, 3.0, 4.0, 5.0], [1.5, 3.0, 4.5, 6.0, 2.5])
    assert isinstance(exact, PairedComparison)
    direct = stats.wilcoxon([1.5, 3.0, 4.5, 6.0, 2.5], [1.0, 2.0, 3.0, 4.0, 5.0], method="exact")
    assert exact.p_wilcoxon == pytest.approx(direct.pvalue)
