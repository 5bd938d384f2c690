"""The growth model against lme4's published sleepstudy fit and against statsmodels itself."""

import csv
import math
import warnings
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from statsmodels.regression.mixed_linear_model import MixedLM

from server.growth import reml
from server.growth.model import (
    DatedScore,
    DimensionScore,
    GrowthFit,
    GrowthPoint,
    fit_by_dimension,
    fit_growth,
    years_since_first,
)
from server.growth.outcome import DidNotConverge, TooFewObservations

SLEEPSTUDY = Path(__file__).parent / "data" / "sleepstudy.csv"
TIMES = (0.0, 0.5, 1.0, 1.5, 2.0)


def sleepstudy() -> list[GrowthPoint]:
    with SLEEPSTUDY.open(newline="") as handle:
        return [
            GrowthPoint(row["Subject"], float(row["Days"]), float(row["Reaction"]))
            for row in csv.DictReader(handle)
        ]


def teachers(seed: int, *, n: int = 8, slope_sd: float = 0.25) -> list[GrowthPoint]:
    """Scores of `n` teachers at five times, drawn with a fixed seed."""
    rng = np.random.default_rng(seed)
    points = []
    for i in range(n):
        start, growth = 2.5 + rng.normal(0, 0.5), 0.3 + rng.normal(0, slope_sd)
        points += [GrowthPoint(f"T{i}", t, start + growth * t + rng.normal(0, 0.3)) for t in TIMES]
    return points


def few_per_teacher(seed: int, n: int = 30) -> list[GrowthPoint]:
    """Two or three rounded, clipped scores (1-4) per teacher, as early in a program: fits
    that end on or near the boundary of the parameter space."""
    rng = np.random.default_rng(seed)
    points = []
    for i in range(n):
        start = rng.normal(0, 0.45)
        times = np.sort(
            rng.choice([0.0, 0.5, 1.0, 1.5, 2.0], size=int(rng.integers(2, 4)), replace=False)
        )
        for t in times:
            score = 1.6 + start + 0.3 * t - 0.05 * start * t + rng.normal(0, 0.6)
            points.append(GrowthPoint(f"T{i}", float(t), float(np.clip(np.round(score), 1, 4))))
    return points


def gls_standard_errors(points: list[GrowthPoint], cov_re: np.ndarray, scale: float) -> np.ndarray:
    """sqrt(diag((sum of X'V^-1 X)^-1)) with each teacher's V built in full: lme4's vcov()."""
    information = np.zeros((2, 2))
    for name in dict.fromkeys(p.teacher for p in points):
        time = np.array([p.time for p in points if p.teacher == name])
        design = np.column_stack([np.ones_like(time), time])
        v = scale * np.eye(len(time)) + design @ cov_re @ design.T
        information += design.T @ np.linalg.solve(v, design)
    return np.sqrt(np.diag(np.linalg.inv(information)))


def full_reml_criterion(points: list[GrowthPoint], cov_re: np.ndarray, scale: float) -> float:
    """-2 x the REML log-likelihood with each teacher's V built in full, the fixed effects their
    GLS estimate: sum log det V + log det(sum X'V^-1 X) + r'V^-1 r + (N - 2) log(2 pi)."""
    logdet_v, information, xvy, parts = 0.0, np.zeros((2, 2)), np.zeros(2), []
    for name in dict.fromkeys(p.teacher for p in points):
        time = np.array([p.time for p in points if p.teacher == name])
        score = np.array([p.score for p in points if p.teacher == name])
        design = np.column_stack([np.ones_like(time), time])
        v = scale * np.eye(len(time)) + design @ cov_re @ design.T
        logdet_v += np.linalg.slogdet(v)[1]
        information += design.T @ np.linalg.solve(v, design)
        xvy += design.T @ np.linalg.solve(v, score)
        parts.append((design, score, v))
    fe = np.linalg.solve(information, xvy)
    quadratic = sum(float((y - x @ fe) @ np.linalg.solve(v, y - x @ fe)) for x, y, v in parts)
    dof = len(points) - 2
    return float(
        logdet_v + np.linalg.slogdet(information)[1] + quadratic + dof * math.log(2 * math.pi)
    )


def fitted_cov_re(fit: GrowthFit) -> np.ndarray:
    assert fit.corr is not None
    covariance = fit.corr * fit.sd_intercept * fit.sd_slope
    return np.array([[fit.sd_intercept**2, covariance], [covariance, fit.sd_slope**2]])


def mixed_model(points: list[GrowthPoint]) -> MixedLM:
    """statsmodels' model of the points, built directly: score ~ time, (time | teacher)."""
    time = np.array([p.time for p in points])
    design = np.column_stack([np.ones_like(time), time])
    groups = np.array([p.teacher for p in points], dtype=object)
    return MixedLM(np.array([p.score for p in points]), design, groups, exog_re=design)


# statsmodels' optimizers, each tried afresh: the reference is the best answer among them.
METHODS = ("lbfgs", "bfgs", "cg", "powell")


def direct_fit(points: list[GrowthPoint], method: str = "lbfgs") -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return mixed_model(points).fit(reml=True, method=[method], maxiter=2000)


def best_direct(points: list[GrowthPoint]) -> Any:
    """statsmodels' best converged REML answer over its optimizers (the highest likelihood)."""
    answers = [direct_fit(points, method) for method in METHODS]
    return max((r for r in answers if r.converged and np.isfinite(r.llf)), key=lambda r: r.llf)


def test_sleepstudy_reproduces_the_published_lme4_fit() -> None:
    # lmer(Reaction ~ Days + (Days | Subject), sleepstudy), REML: Bates, Maechler, Bolker &
    # Walker (2015), "Fitting Linear Mixed-Effects Models Using lme4", J. Stat. Softw. 67(1),
    # doi:10.18637/jss.v067.i01, and the lme4 sleepstudy example, summary(fm1): REML criterion
    # 1743.6; fixed (Intercept) 251.405 (SE 6.825), Days 10.467 (SE 1.546); random SD (Intercept)
    # 24.741 (older lme4 releases print 24.740), SD Days 5.922, Corr 0.07; residual SD 25.592;
    # 180 obs, 18 subjects. "Within rounding": within 0.001 of the printed figure.
    fit = fit_growth(sleepstudy())
    assert isinstance(fit, GrowthFit)
    assert (fit.n_obs, fit.n_groups) == (180, 18)
    assert fit.reml_criterion == pytest.approx(1743.6, abs=0.05)
    assert fit.intercept.estimate == pytest.approx(251.405, abs=1e-3)
    assert fit.intercept.se == pytest.approx(6.825, abs=1e-3)
    assert fit.slope.estimate == pytest.approx(10.467, abs=1e-3)
    assert fit.slope.se == pytest.approx(1.546, abs=1e-3)
    assert fit.sd_intercept == pytest.approx(24.741, abs=1e-3)
    assert fit.sd_slope == pytest.approx(5.922, abs=1e-3)
    assert fit.corr is not None and round(fit.corr, 2) == 0.07
    assert fit.residual_sd == pytest.approx(25.592, abs=1e-3)
    # coef(fm1)$Subject as lme4 prints it (fixed + conditional modes), first and odd ones out.
    for subject, intercept, slope in [
        ("308", 253.6637, 19.6662617),
        ("309", 211.0064, 1.8476053),
        ("335", 251.0714, -0.2848792),
        ("372", 263.7197, 11.7513080),
    ]:
        assert fit.groups[subject].intercept == pytest.approx(intercept, abs=1e-3)
        assert fit.groups[subject].slope == pytest.approx(slope, abs=1e-3)
    assert list(fit.groups)[:3] == ["308", "309", "310"]  # the order of the data
    # The full REML likelihood (each V in full) at the fitted answer is the criterion.
    full = full_reml_criterion(sleepstudy(), fitted_cov_re(fit), fit.residual_sd**2)
    assert full == pytest.approx(fit.reml_criterion)
    assert fit.notes == ()


def test_fit_equals_statsmodels_called_directly() -> None:
    points = teachers(seed=0)
    fit = fit_growth(points)
    direct = direct_fit(points)
    assert isinstance(fit, GrowthFit)
    assert direct.converged
    close = {"abs": 1e-4}  # issue 13: equal to statsmodels within 1e-4
    assert fit.reml_criterion == pytest.approx(-2 * direct.llf, **close)
    assert [fit.intercept.estimate, fit.slope.estimate] == pytest.approx(
        list(direct.fe_params), **close
    )
    assert [fit.intercept.se, fit.slope.se] == pytest.approx(list(direct.bse_fe), **close)
    ci = np.asarray(direct.conf_int(alpha=0.05))[:2]
    assert [fit.slope.ci_low, fit.slope.ci_high] == pytest.approx(list(ci[1]), **close)
    assert [fit.intercept.ci_low, fit.intercept.ci_high] == pytest.approx(list(ci[0]), **close)
    cov = np.asarray(direct.cov_re)
    assert fit.sd_intercept == pytest.approx(math.sqrt(cov[0, 0]), **close)
    assert fit.sd_slope == pytest.approx(math.sqrt(cov[1, 1]), **close)
    assert fit.corr == pytest.approx(cov[0, 1] / math.sqrt(cov[0, 0] * cov[1, 1]), **close)
    assert fit.residual_sd == pytest.approx(math.sqrt(direct.scale), **close)
    for name, teacher in fit.groups.items():
        own = np.asarray(direct.fe_params) + np.asarray(direct.random_effects[name])
        assert [teacher.intercept, teacher.slope] == pytest.approx(list(own), **close)
        condvar = np.asarray(direct.random_effects_cov[name])[1, 1]
        assert teacher.slope_sd == pytest.approx(math.sqrt(condvar), **close)


def test_where_statsmodels_first_optimizer_stops_short_the_fit_finds_the_optimum() -> None:
    # A random slope with no true spread: statsmodels' L-BFGS says it converged, short of the
    # optimum, and its BFGS does not converge at all. The fit is as good as the best of them.
    points = teachers(seed=1, slope_sd=0.0)
    first = direct_fit(points, "lbfgs")
    assert first.converged and not direct_fit(points, "bfgs").converged
    fit = fit_growth(points)
    assert isinstance(fit, GrowthFit)
    best = -2 * best_direct(points).llf
    assert fit.reml_criterion <= best + 1e-6
    assert fit.reml_criterion == pytest.approx(best, abs=1e-4)
    assert -2 * first.llf > fit.reml_criterion + 1e-3


def test_the_standard_errors_are_lme4s_given_the_variances() -> None:
    # Inside the parameter space statsmodels' errors (from its Hessian) are these.
    points = teachers(seed=0)
    fit, direct = fit_growth(points), direct_fit(points)
    assert isinstance(fit, GrowthFit)
    expected = gls_standard_errors(points, np.asarray(direct.cov_re), float(direct.scale))
    assert list(np.asarray(direct.bse_fe)) == pytest.approx(list(expected))
    assert [fit.intercept.se, fit.slope.se] == pytest.approx(list(expected), abs=1e-4)


def test_on_the_boundary_the_fit_keeps_its_standard_errors() -> None:
    # statsmodels' best answer here (Powell's) lies near a perfect correlation: its Hessian is
    # not invertible there and its standard errors are NaN. The fit is kept, with lme4's errors.
    points = few_per_teacher(seed=46)
    direct = best_direct(points)
    with pytest.warns(RuntimeWarning, match="invalid value encountered in sqrt"):
        assert not np.all(np.isfinite(np.asarray(direct.bse_fe)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # none escapes fit_growth
        fit = fit_growth(points)
    assert isinstance(fit, GrowthFit)
    # Here every statsmodels optimizer stops short on the flat boundary: the fit is better,
    # and its criterion is the REML likelihood computed in full at its answer.
    assert fit.reml_criterion < -2 * direct.llf
    cov_re, scale = fitted_cov_re(fit), fit.residual_sd**2
    assert full_reml_criterion(points, cov_re, scale) == pytest.approx(fit.reml_criterion)
    expected = gls_standard_errors(points, cov_re, scale)
    assert [fit.intercept.se, fit.slope.se] == pytest.approx(list(expected))
    assert fit.slope.ci_low < fit.slope.estimate < fit.slope.ci_high
    assert any("perfectly correlated" in note for note in fit.notes)


def test_a_spread_estimated_at_zero_is_said_plainly() -> None:
    # Every teacher's scores wobble the same way around the same slope: no spread of slopes.
    wobble = (0.1, -0.2, 0.15, -0.05, 0.0)
    points = [
        GrowthPoint(f"T{i}", t, 2 + start + 0.5 * t + e)
        for i, start in enumerate((0.0, 0.8, -0.5, 1.1, -0.9, 0.3))
        for t, e in zip(TIMES, wobble, strict=True)
    ]
    fit = fit_growth(points)
    assert isinstance(fit, GrowthFit)
    assert fit.corr is None
    assert fit.sd_slope < 1e-3 * fit.residual_sd
    assert any(
        "spread of growth rates between teachers is estimated at zero" in n for n in fit.notes
    )
    assert all(t.slope == pytest.approx(fit.slope.estimate, abs=1e-3) for t in fit.groups.values())
    # The teachers' lines equal statsmodels' own even where the covariance is singular.
    direct = best_direct(points)
    assert fit.reml_criterion == pytest.approx(-2 * direct.llf, abs=1e-4)
    for name, teacher in fit.groups.items():
        own = np.asarray(direct.fe_params) + np.asarray(direct.random_effects[name])
        assert [teacher.intercept, teacher.slope] == pytest.approx(list(own), abs=1e-4)
        condvar = max(float(np.asarray(direct.random_effects_cov[name])[1, 1]), 0.0)
        assert teacher.slope_sd == pytest.approx(math.sqrt(condvar), abs=1e-4)


def test_non_convergence_is_a_plain_message_and_no_warning_escapes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(reml, "MAX_ITERATIONS", 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        outcome = fit_growth(teachers(seed=0))
    assert isinstance(outcome, DidNotConverge)
    assert "did not settle on an answer (from 3 starting points)" in outcome.reason


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        (
            [GrowthPoint("A", t, 2 + t) for t in TIMES],
            "A growth model compares teachers, so it needs at least two; there is 1 teacher.",
        ),
        (
            [
                *(GrowthPoint("A", t, 2 + t * t) for t in TIMES),
                GrowthPoint("B", 0, 2),
                GrowthPoint("B", 0, 2.5),
            ],
            "Growth needs at least two teachers observed at two or more different times; "
            "there is 1 teacher.",
        ),
        (
            [
                GrowthPoint(name, t, 2 + t + i / 10)
                for i, name in enumerate("ABCDEF")
                for t in (0, 1)
            ],
            "Growth needs at least one teacher with three or more observations over two or more "
            "different times, to tell a teacher's growth apart from lesson-to-lesson variation; "
            "there is none.",
        ),
        (
            [
                GrowthPoint(name, t, 2 + t / (i + 1))
                for i, name in enumerate("AB")
                for t in (0, 1, 2)
            ],
            "The growth model estimates 6 numbers, so it needs more than 6 observations; "
            "there are 6.",
        ),
        (
            [GrowthPoint(name, t, 3.0) for name in "ABC" for t in TIMES],
            "Every score is the same (3), so there is no growth to model.",
        ),
        ([], "A growth model compares teachers, so it needs at least two; there are no teachers."),
    ],
)
def test_too_few_observations_says_why_instead_of_a_number(
    points: list[GrowthPoint], expected: str
) -> None:
    outcome = fit_growth(points)
    assert outcome == TooFewObservations(expected)


def test_a_number_that_is_not_finite_is_a_caller_error() -> None:
    with pytest.raises(ValueError, match="finite"):
        fit_growth([GrowthPoint("A", 0, math.nan), *teachers(seed=0)])


def test_years_since_each_teachers_first_observation() -> None:
    points = years_since_first(
        [
            DatedScore("A", date(2024, 9, 10), 2.0),
            DatedScore("B", date(2025, 1, 15), 3.0),
            DatedScore("A", date(2025, 9, 10), 2.5),
            DatedScore("A", date(2024, 3, 12), 1.5),
        ]
    )
    assert [p.teacher for p in points] == ["A", "B", "A", "A"]
    assert [p.time for p in points] == pytest.approx([182 / 365.25, 0.0, 547 / 365.25, 0.0])
    assert [p.score for p in points] == [2.0, 3.0, 2.5, 1.5]


def test_one_model_per_dimension_with_time_from_the_first_observation_on_any() -> None:
    rows = []
    for point in teachers(seed=0):
        day = date(2023, 9, 1).toordinal() + round(point.time * 365.25)
        rows.append(DimensionScore("nctm", "5", point.teacher, date.fromordinal(day), point.score))
    # IQA starts a year later for everyone: its time still counts from the NCTM start.
    rows += [
        DimensionScore("iqa", "rigor", "T0", date(2024, 9, 1), 2.0),
        DimensionScore("iqa", "rigor", "T1", date(2024, 9, 1), 3.0),
    ]
    outcomes = fit_by_dimension(rows)
    assert set(outcomes) == {("nctm", "5"), ("iqa", "rigor")}
    nctm = outcomes[("nctm", "5")]
    assert isinstance(nctm, GrowthFit)
    alone = fit_growth(teachers(seed=0))
    assert isinstance(alone, GrowthFit)
    assert nctm.slope.estimate == pytest.approx(alone.slope.estimate, abs=0.01)
    assert isinstance(outcomes[("iqa", "rigor")], TooFewObservations)
