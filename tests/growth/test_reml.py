"""The REML fit from sufficient statistics (server/growth/reml.py) against statsmodels' MixedLM."""

import numpy as np
import pytest
from scipy.optimize import approx_fprime

from server.growth import reml
from server.growth.arrays import GrowthArrays
from server.growth.model import GrowthPoint
from tests.growth.test_model import best_direct, sleepstudy, teachers


def arrays(points: list[GrowthPoint]) -> GrowthArrays:
    return GrowthArrays.of_points(points)


def statsmodels_fit(points: list[GrowthPoint]) -> tuple[np.ndarray, np.ndarray, float, float]:
    """statsmodels' best REML answer over its optimizers: fixed effects, G, s, -2 loglike."""
    best = best_direct(points)
    return (
        np.asarray(best.fe_params),
        np.asarray(best.cov_re),
        float(best.scale),
        -2 * float(best.llf),
    )


def random_points(seed: int, n_teachers: int, slope_sd: float) -> list[GrowthPoint]:
    """Teachers seen 2-8 times at random times over three years."""
    rng = np.random.default_rng(seed)
    points = []
    for t in range(n_teachers):
        start, slope = rng.normal(2.5, 0.5), rng.normal(0.3, slope_sd)
        for time in np.sort(rng.uniform(0, 3, rng.integers(2, 9))):
            points.append(
                GrowthPoint(f"t{t}", float(time), start + slope * time + rng.normal(0, 0.4))
            )
    return points


def test_sleepstudy_equals_statsmodels_and_lme4() -> None:
    points = sleepstudy()
    fit = reml.fit(arrays(points))
    fe, cov_re, scale, criterion = statsmodels_fit(points)
    assert fit.converged
    assert fit.reml_criterion == pytest.approx(criterion, abs=1e-4)
    assert fit.reml_criterion == pytest.approx(1743.628, abs=1e-3)  # lme4's REML criterion
    np.testing.assert_allclose(fit.fe, fe, atol=1e-4)
    np.testing.assert_allclose(fit.fe, [251.405, 10.467], atol=1e-3)  # lme4
    assert np.sqrt(fit.scale) == pytest.approx(25.592, abs=1e-3)
    np.testing.assert_allclose(fit.cov_re, cov_re, rtol=1e-4)
    assert fit.scale == pytest.approx(scale, rel=1e-5)


@pytest.mark.parametrize("seed", range(6))
def test_random_data_equals_statsmodels(seed: int) -> None:
    points = random_points(seed, n_teachers=40, slope_sd=0.15)
    fit = reml.fit(arrays(points))
    fe, cov_re, scale, criterion = statsmodels_fit(points)
    # The answer is at least as good as statsmodels' and the same within 1e-4.
    assert fit.reml_criterion <= criterion + 1e-6
    assert fit.converged
    assert fit.reml_criterion == pytest.approx(criterion, abs=1e-4)
    np.testing.assert_allclose(fit.fe, fe, atol=1e-4)
    np.testing.assert_allclose(fit.cov_re, cov_re, atol=1e-4)
    assert fit.scale == pytest.approx(scale, abs=1e-4)


def test_on_the_boundary_it_agrees_with_statsmodels() -> None:
    points = teachers(1, n=10, slope_sd=0.0)  # every teacher grows alike: a singular fit
    fit = reml.fit(arrays(points))
    fe, cov_re, _, criterion = statsmodels_fit(points)
    assert fit.converged
    assert fit.theta[2] == 0.0  # on the boundary: slope tied to the intercept (corr = 1)
    assert fit.reml_criterion <= criterion + 1e-6
    assert fit.reml_criterion == pytest.approx(criterion, abs=1e-4)
    np.testing.assert_allclose(fit.fe, fe, atol=1e-4)
    # The likelihood is flat along the boundary: a change of 1e-4 in the criterion moves the
    # intercepts' variance (0.10) by about 6e-4, so the variances agree to 1e-3 there.
    np.testing.assert_allclose(fit.cov_re, cov_re, atol=1e-3)


@pytest.mark.parametrize("theta", [(1.0, 0.0, 1.0), (0.4, -0.3, 0.2), (2.0, 0.5, 0.01)])
def test_the_gradient_is_the_criterions_derivative(theta: tuple[float, float, float]) -> None:
    suff = reml.Sufficient.of(arrays(sleepstudy()))
    point = np.array(theta)
    _, gradient = reml.criterion(point, suff)
    numeric = approx_fprime(point, lambda t: reml.criterion(t, suff)[0], 1e-7)
    np.testing.assert_allclose(gradient, numeric, rtol=1e-4, atol=1e-3)


def test_the_criterion_depends_on_the_teachers_sums_only() -> None:
    points = random_points(11, n_teachers=12, slope_sd=0.2)
    shuffled = list(reversed(points))  # the same teachers' rows in another order
    one, two = reml.fit(arrays(points)), reml.fit(arrays(shuffled))
    assert one.reml_criterion == pytest.approx(two.reml_criterion, abs=1e-8)
    np.testing.assert_allclose(one.fe, two.fe, atol=1e-8)
