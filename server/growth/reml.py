"""The growth model's REML fit from each teacher's sufficient statistics (issue 13).

A random intercept and slope model needs, per teacher, only Z'Z (n, sum t, sum t^2), Z'y
(sum y, sum t*y) and y'y: every n x n matrix of the likelihood reduces to a 2 x 2 one. As in
lme4, the random effects' covariance is G = s * L L' with L lower triangular (theta: L00, L10,
L11; L00 and L11 >= 0), the fixed effects and the residual variance s are profiled out, and
the three thetas are optimized (L-BFGS-B) with the exact gradient. Arrays over teachers, so
the time is linear in the number of teachers and does not depend on their observations.

With K = L (I + L'AL)^-1 L' for a teacher (A = Z'Z, b = Z'y, c = y'y):
    P = sum(A - A K A), q = sum(b - A K b), r = sum(c - b'K b), beta = P^-1 q,
    rss = r - q'beta, s = rss / (N - 2),
    REML criterion = (N - 2)(1 + log(2 pi s)) + sum log det(I + L'AL) + log det P.
Tested equal to statsmodels' MixedLM in tests/growth/test_reml.py.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from server.growth.arrays import GrowthArrays

N_FIXED = 2
# statsmodels' test of a minimum (BFGS's gtol): the gradient of the criterion per observation.
GRADIENT_TOLERANCE = 1e-5
# theta's three entries, and the matrix each one moves: dL/dtheta_k.
_UNIT = np.array([[[1.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [1.0, 0.0]], [[0.0, 0.0], [0.0, 1.0]]])
_BOUNDS = [(0.0, None), (None, None), (0.0, None)]
MAX_ITERATIONS = 500
# Starts: lme4's (L = I), then two more for a likelihood with more than one hill.
STARTS = ((1.0, 0.0, 1.0), (0.1, 0.0, 0.1), (3.0, 0.0, 1.0))


@dataclass(frozen=True)
class Sufficient:
    """Per teacher: A = Z'Z (teachers x 2 x 2), b = Z'y (teachers x 2), c = y'y (teachers)."""

    a: np.ndarray
    b: np.ndarray
    c: np.ndarray
    n_obs: int

    @classmethod
    def of(cls, data: GrowthArrays) -> "Sufficient":
        b = np.stack([data.totals(data.score), data.totals(data.time * data.score)], axis=-1)
        return cls(data.crossproducts(), b, data.totals(data.score**2), len(data.score))


@dataclass(frozen=True)
class RemlFit:
    fe: np.ndarray  # intercept, slope
    cov_re: np.ndarray  # G, 2 x 2
    scale: float  # residual variance
    reml_criterion: float  # -2 x the REML log-likelihood (lme4's "REML criterion")
    theta: np.ndarray
    converged: bool


def _lower(theta: np.ndarray) -> np.ndarray:
    return np.array([[theta[0], 0.0], [theta[1], theta[2]]])


@dataclass(frozen=True)
class _Profile:
    """The criterion's pieces at one theta (per teacher: m, m_inv, k; summed: p, q, r)."""

    lam: np.ndarray
    m: np.ndarray
    m_inv: np.ndarray
    k: np.ndarray
    p: np.ndarray
    beta: np.ndarray
    rss: float


def _profile(theta: np.ndarray, suff: Sufficient) -> _Profile:
    lam = _lower(theta)
    a, b, c = suff.a, suff.b, suff.c
    m = np.eye(2) + lam.T @ a @ lam  # I + L'AL, per teacher
    m_inv = np.linalg.inv(m)
    k = lam @ m_inv @ lam.T
    ak = a @ k
    p = (a - ak @ a).sum(axis=0)
    q = (b - np.einsum("gij,gj->gi", ak, b)).sum(axis=0)
    r = float((c - np.einsum("gi,gij,gj->g", b, k, b)).sum())
    beta = np.linalg.solve(p, q)
    return _Profile(lam, m, m_inv, k, p, beta, r - float(q @ beta))


def criterion(theta: np.ndarray, suff: Sufficient) -> tuple[float, np.ndarray]:
    """The profiled REML criterion at theta and its gradient (the three partial derivatives)."""
    pr = _profile(theta, suff)
    lam, m_inv, beta, rss, a, b = pr.lam, pr.m_inv, pr.beta, pr.rss, suff.a, suff.b
    dof = suff.n_obs - N_FIXED
    sign_p, logdet_p = np.linalg.slogdet(pr.p)
    if not rss > 0 or sign_p <= 0:
        return math.inf, np.zeros(3)
    _, logdet_m = np.linalg.slogdet(pr.m)
    value = dof * (1 + math.log(2 * math.pi * rss / dof)) + float(logdet_m.sum()) + logdet_p

    p_inv = np.linalg.inv(pr.p)
    m_inv_lt = m_inv @ lam.T  # M^-1 L'
    lam_t_a = lam.T @ a
    gradient = np.empty(3)
    for index, unit in enumerate(_UNIT):
        lam_t_a_e = lam_t_a @ unit  # L'A dL
        dm = lam_t_a_e + np.swapaxes(lam_t_a_e, -1, -2)
        first = unit @ m_inv_lt  # dL M^-1 L'
        dk = first + np.swapaxes(first, -1, -2) - lam @ m_inv @ dm @ m_inv_lt
        a_dk = a @ dk
        dp = -(a_dk @ a).sum(axis=0)
        dq = -np.einsum("gij,gj->i", a_dk, b)
        dr = -float(np.einsum("gi,gij,gj->", b, dk, b))
        drss = dr - 2 * float(beta @ dq) + float(beta @ dp @ beta)
        gradient[index] = (
            dof * drss / rss
            + float(np.einsum("gij,gji->", m_inv, dm))
            + float(np.trace(p_inv @ dp))
        )
    return value, gradient


def fit(data: GrowthArrays) -> RemlFit:
    """The REML fit from lme4's start (L = I); when that does not settle on a minimum, from the
    other starts in turn (a small sample's likelihood can have more than one hill), keeping
    the best answer found."""
    suff = Sufficient.of(data)
    best = None
    # A theta where the criterion is not defined gives inf (see `criterion`), not a warning.
    with np.errstate(all="ignore"):
        for start in STARTS:
            found = minimize(
                criterion, np.array(start), args=(suff,), jac=True, method="L-BFGS-B",
                bounds=_BOUNDS, options={"maxiter": MAX_ITERATIONS, "gtol": 1e-9, "ftol": 1e-13},
            )  # fmt: skip
            if np.isfinite(found.fun) and (best is None or found.fun < best.fun):
                best = found
            if best is not None and _settled(best.x, best.jac, suff):
                return _answer(best.x, best.fun, suff, converged=True)
    if best is None:
        return _answer(np.array(STARTS[0]), math.inf, suff, converged=False)
    return _answer(best.x, best.fun, suff, converged=False)


def _settled(theta: np.ndarray, gradient: np.ndarray, suff: Sufficient) -> bool:
    """Whether theta is a minimum: every partial derivative near zero, except one pushing a
    theta that sits on its bound (zero) further out (the projected gradient, per observation)."""
    at_bound = (theta == 0.0) & (np.array([True, False, True])) & (gradient > 0)
    return bool(np.all(np.abs(np.where(at_bound, 0.0, gradient)) < GRADIENT_TOLERANCE * suff.n_obs))


def _answer(theta: np.ndarray, value: float, suff: Sufficient, *, converged: bool) -> RemlFit:
    pr = _profile(theta, suff)
    scale = pr.rss / (suff.n_obs - N_FIXED)
    return RemlFit(
        fe=pr.beta, cov_re=scale * pr.lam @ pr.lam.T, scale=scale, reml_criterion=float(value),
        theta=np.asarray(theta, dtype=float), converged=converged,
    )  # fmt: skip
