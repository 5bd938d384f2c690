"""Survey statistics against the reference libraries on random data, and two published
results reproduced from their data."""

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
import statsmodels.formula.api as smf
from scipy import stats

from server.growth import stats as growth_stats
from server.growth.outcome import TooFewObservations
from server.surveys import analysis

# Real Statistics Using Excel (C. Zaiontz), "Cronbach's Alpha", Example 1: ten questions on a
# 1-7 scale answered by fifteen people; the published alpha is 0.592 (R's psych::alpha gives
# 0.5917, as pingouin's documentation of cronbach_alpha shows for the same data set).
REAL_STATISTICS_ALPHA_EXAMPLE = [
    [3, 2, 4, 1, 4, 5, 1, 4, 3, 2],
    [5, 4, 6, 3, 5, 1, 2, 5, 5, 5],
    [7, 3, 5, 5, 6, 4, 3, 3, 6, 5],
    [2, 4, 3, 3, 2, 2, 2, 6, 6, 3],
    [6, 5, 6, 5, 4, 4, 4, 6, 7, 5],
    [1, 2, 3, 4, 2, 5, 2, 3, 5, 2],
    [4, 3, 5, 3, 5, 2, 1, 2, 4, 3],
    [2, 4, 4, 3, 7, 2, 2, 4, 6, 5],
    [6, 5, 5, 5, 1, 6, 5, 2, 3, 2],
    [5, 4, 6, 4, 3, 5, 3, 1, 7, 2],
    [4, 3, 5, 2, 5, 3, 2, 3, 4, 1],
    [4, 2, 3, 2, 5, 3, 4, 2, 3, 4],
    [5, 5, 6, 2, 3, 3, 2, 4, 4, 5],
    [6, 5, 5, 4, 2, 2, 1, 4, 6, 5],
    [4, 3, 5, 5, 3, 1, 3, 2, 3, 4],
]
# Student (1908), "The probable error of a mean", Biometrika 6(1): Cushny and Peebles' extra
# hours of sleep for ten patients under two drugs (R's `sleep` data). Student's paired test
# gives t = 4.06 on 9 degrees of freedom (R: t.test(..., paired = TRUE): t = 4.0621,
# p = 0.002833, mean difference 1.58).
SLEEP_DRUG_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_DRUG_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]


def test_published_alpha_is_reproduced() -> None:
    items = pd.DataFrame(REAL_STATISTICS_ALPHA_EXAMPLE)
    result = analysis.cronbach_alpha(items)
    assert isinstance(result, analysis.Alpha)
    assert round(result.alpha or 0, 3) == 0.592
    assert (result.n, result.items) == (15, 10)


def test_published_paired_t_is_reproduced() -> None:
    result = growth_stats.paired_comparison(SLEEP_DRUG_1, SLEEP_DRUG_2, unit="patient")
    assert isinstance(result, growth_stats.PairedComparison)
    assert round(result.t or 0, 2) == 4.06
    assert result.df == 9
    assert round(result.p_t or 1, 4) == 0.0028
    assert round(result.mean_change, 2) == 1.58


def _likert(rng: np.random.Generator, n: int, k: int, missing: float = 0.0) -> pd.DataFrame:
    trait = rng.normal(size=(n, 1))
    values = np.clip(np.round(3 + trait + rng.normal(scale=0.9, size=(n, k))), 1, 5)
    frame = pd.DataFrame(values, columns=[f"q{i}" for i in range(k)])
    return frame.mask(rng.random(frame.shape) < missing)


@pytest.mark.parametrize("seed", range(6))
def test_alpha_matches_pingouin_listwise(seed: int) -> None:
    rng = np.random.default_rng(seed)
    items = _likert(rng, n=int(rng.integers(8, 60)), k=int(rng.integers(2, 9)), missing=0.05)
    result = analysis.cronbach_alpha(items)
    expected, _ci = pg.cronbach_alpha(data=items, nan_policy="listwise")
    assert isinstance(result, analysis.Alpha)
    assert result.alpha == pytest.approx(expected, abs=1e-10)
    assert result.n == len(items.dropna())


def test_alpha_needs_two_items_and_two_complete_respondents() -> None:
    assert isinstance(analysis.cronbach_alpha(pd.DataFrame({"a": [1, 2, 3]})), TooFewObservations)
    one_complete = pd.DataFrame({"a": [1, None, 3], "b": [2, 2, None]})
    assert isinstance(analysis.cronbach_alpha(one_complete), TooFewObservations)
    flat = analysis.cronbach_alpha(pd.DataFrame({"a": [3, 3, 3], "b": [2, 2, 2]}))
    assert isinstance(flat, analysis.Alpha) and flat.alpha is None


@pytest.mark.parametrize("seed", range(5))
def test_correlation_matches_scipy(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    x = pd.Series(rng.normal(size=40)).mask(rng.random(40) < 0.1)
    y = pd.Series(0.5 * x.fillna(0) + rng.normal(size=40)).mask(rng.random(40) < 0.1)
    result = analysis.correlate(x, y)
    both = pd.concat([x, y], axis=1).dropna()
    expected = stats.pearsonr(both[0], both[1])
    assert isinstance(result, analysis.Correlation)
    assert (result.r, result.p) == pytest.approx((expected.statistic, expected.pvalue))
    assert result.n == len(both)
    assert result.r == pytest.approx(pg.corr(both[0], both[1])["r"].iloc[0])


@pytest.mark.parametrize("seed", range(5))
def test_regression_matches_statsmodels_formula(seed: int) -> None:
    rng = np.random.default_rng(200 + seed)
    n = 50
    frame = pd.DataFrame({"vision": rng.normal(3, 0.7, n), "team": rng.normal(3.2, 0.6, n)})
    frame["improve"] = 1 + 0.4 * frame["vision"] + 0.3 * frame["team"] + rng.normal(0, 0.5, n)
    frame.loc[rng.random(n) < 0.1, "team"] = np.nan
    result = analysis.regress(frame, outcome="improve", predictors=["vision", "team"])
    reference = smf.ols("improve ~ vision + team", data=frame).fit()
    assert isinstance(result, analysis.Regression)
    assert result.n == int(reference.nobs)
    assert result.r_squared == pytest.approx(reference.rsquared)
    assert result.adjusted_r_squared == pytest.approx(reference.rsquared_adj)
    assert (result.f, result.p_f) == pytest.approx((reference.fvalue, reference.f_pvalue))
    by_name = {c.name: c for c in result.coefficients}
    for ours, theirs in (("const", "Intercept"), ("vision", "vision"), ("team", "team")):
        assert by_name[ours].b == pytest.approx(reference.params[theirs])
        assert by_name[ours].se == pytest.approx(reference.bse[theirs])
        assert by_name[ours].p == pytest.approx(reference.pvalues[theirs])
    complete = frame.dropna()
    z = (complete - complete.mean()) / complete.std()
    standardized = smf.ols("improve ~ vision + team", data=z).fit()
    assert by_name["vision"].beta == pytest.approx(standardized.params["vision"])
    lm = pg.linear_regression(complete[["vision", "team"]], complete["improve"])
    assert by_name["team"].b == pytest.approx(lm.set_index("names").loc["team", "coef"])


def test_regression_refuses_too_few_rows() -> None:
    frame = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "a": [1.0, 3.0, 2.0, 5.0]})
    frame["b"] = [2.0, 1.0, 4.0, 3.0]
    assert isinstance(
        analysis.regress(frame, outcome="y", predictors=["a", "b"]), TooFewObservations
    )


@pytest.mark.parametrize("seed", range(5))
def test_paired_and_groups_match_pingouin(seed: int) -> None:
    """The tests surveys report (the growth module's) against pingouin on survey-like data."""
    rng = np.random.default_rng(300 + seed)
    n = int(rng.integers(6, 40))
    pre = np.round(rng.normal(3, 0.6, n), 2)
    post = np.round(pre + rng.normal(0.3, 0.5, n), 2)
    paired = growth_stats.paired_comparison(list(pre), list(post), unit="respondent")
    reference = pg.ttest(post, pre, paired=True)
    assert isinstance(paired, growth_stats.PairedComparison)
    assert paired.t == pytest.approx(reference["T"].iloc[0])
    assert paired.p_t == pytest.approx(reference["p_val"].iloc[0])
    assert paired.d_z == pytest.approx(reference["T"].iloc[0] / np.sqrt(n))
    method, correction = growth_stats.wilcoxon_method(post - pre)
    expected_w = stats.wilcoxon(post, pre, method=method, correction=correction)
    assert paired.p_wilcoxon == pytest.approx(expected_w.pvalue)
    other = np.round(rng.normal(3.4, 0.6, int(rng.integers(5, 30))), 2)
    groups = growth_stats.compare_cohorts(list(pre), list(other), unit="respondent")
    mwu = pg.mwu(pre, other, alternative="two-sided")
    assert isinstance(groups, growth_stats.CohortComparison)
    assert groups.u == pytest.approx(mwu["U_val"].iloc[0])
    assert groups.p == pytest.approx(mwu["p_val"].iloc[0])
    assert abs(groups.rank_biserial) == pytest.approx(abs(mwu["RBC"].iloc[0]))


def _tidy(rows: list[tuple[str, str, str, str, str, float | None]]) -> pd.DataFrame:
    """Rows of (wave, respondent, school, subscale, item, score)."""
    frame = pd.DataFrame(
        rows, columns=["wave", "respondent", "school", "subscale", "item", "score"]
    )
    frame["role"] = "teacher"
    frame["cohort"] = "2025"
    return frame


def test_composite_is_the_mean_of_non_missing_items() -> None:
    tidy = _tidy(
        [
            ("w1", "r1", "Elm", "vision", "v1", 4),
            ("w1", "r1", "Elm", "vision", "v2", None),
            ("w1", "r1", "Elm", "vision", "v3", 2),
            ("w1", "r1", "Elm", "team", "t1", 5),
            ("w1", "r2", "Elm", "vision", "v1", None),
            ("w1", "r2", "Elm", "team", "t1", 1),
            ("w1", "r3", "Elm", None, None, None),  # invited, did not answer
        ]
    )
    table = analysis.composites(tidy).set_index("respondent")
    assert table.loc["r1", "vision"] == 3.0
    assert table.loc["r1", "team"] == 5.0
    assert np.isnan(table.loc["r2", "vision"])
    assert "r3" not in table.index


def test_response_rates_count_invited_and_answered_per_school_and_role() -> None:
    tidy = _tidy(
        [
            ("w1", "r1", "Elm", "vision", "v1", 4),
            ("w1", "r2", "Elm", None, None, None),
            ("w1", "r3", "Oak", "vision", "v1", 2),
            ("w2", "r4", "Oak", None, None, None),
        ]
    )
    rates = analysis.response_rates(tidy, wave="w1")
    assert [(r.school, r.invited, r.responded) for r in rates] == [("Elm", 2, 1), ("Oak", 1, 1)]
    assert rates[0].rate == 0.5
