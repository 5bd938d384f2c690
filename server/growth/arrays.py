"""The growth model's per-teacher algebra for all teachers at once, from per-teacher sums
instead of a Python loop over teachers (statsmodels loops: 0.6 s on 2,000 teachers, here
0.01 s). Tested equal to statsmodels' own numbers in tests/growth/test_model.py.

With Z a teacher's [1, time] rows (the fixed and the random part share it), G the covariance of
the random effects, s the residual variance and V = s I + Z G Z', the push-through identity
Z'V^-1 = (s I + Z'Z G)^-1 Z' turns every n x n inverse into a 2 x 2 one. None needs the
inverse of G, which is singular when a spread is estimated at zero.
"""

from collections.abc import Sequence
from typing import NamedTuple, Protocol

import numpy as np


class Point(Protocol):
    """A score of a teacher at a time (server.growth.model.GrowthPoint)."""

    @property
    def teacher(self) -> str: ...
    @property
    def time(self) -> float: ...
    @property
    def score(self) -> float: ...


class GrowthArrays(NamedTuple):
    """The points as arrays: `codes[j]` is the position in `order` of row j's teacher."""

    order: list[str]
    codes: np.ndarray
    time: np.ndarray
    score: np.ndarray

    @classmethod
    def of_points(cls, points: Sequence[Point]) -> "GrowthArrays":
        """The points as arrays, teachers in the order they first appear."""
        order = list(dict.fromkeys(point.teacher for point in points))
        position = {name: i for i, name in enumerate(order)}
        return cls(
            order=order,
            codes=np.array([position[point.teacher] for point in points], dtype=np.intp),
            time=np.array([point.time for point in points], dtype=float),
            score=np.array([point.score for point in points], dtype=float),
        )

    def totals(self, weights: np.ndarray) -> np.ndarray:
        """Each teacher's sum of `weights` (one per row), in the order of `order`."""
        return np.bincount(self.codes, weights=weights, minlength=len(self.order))

    def crossproducts(self) -> np.ndarray:
        """Each teacher's Z'Z, shape (teachers, 2, 2)."""
        n = self.totals(np.ones_like(self.time))
        sum_t, sum_tt = self.totals(self.time), self.totals(self.time**2)
        return np.stack(
            [np.stack([n, sum_t], axis=-1), np.stack([sum_t, sum_tt], axis=-1)], axis=-2
        )


def random_effects(
    data: GrowthArrays, *, fe: np.ndarray, cov_re: np.ndarray, scale: float
) -> tuple[np.ndarray, np.ndarray]:
    """Every teacher's empirical-Bayes effects (teachers x 2) and their conditional covariances
    (teachers x 2 x 2): statsmodels' `random_effects` and `random_effects_cov`.

    With r = score - Z fe: effect = G Z'V^-1 r = (s I + G Z'Z)^-1 G Z'r, and covariance =
    G - G Z'V^-1 Z G = G - (s I + G Z'Z)^-1 G Z'Z G.
    """
    residual = data.score - fe[0] - fe[1] * data.time
    ztr = np.stack([data.totals(residual), data.totals(data.time * residual)], axis=-1)
    g_ztz = cov_re @ data.crossproducts()
    system = scale * np.eye(2) + g_ztz
    effects = np.linalg.solve(system, (ztr @ cov_re.T)[..., None])[..., 0]
    conditional = cov_re - np.linalg.solve(system, g_ztz @ cov_re)
    return effects, conditional


def fixed_effects_se(data: GrowthArrays, *, cov_re: np.ndarray, scale: float) -> np.ndarray:
    """Standard errors of the fixed effects given the estimated variances, sqrt of the diagonal
    of (sum over teachers of Z'V^-1 Z)^-1, with Z'V^-1 Z = (s I + Z'Z G)^-1 Z'Z: lme4's
    `vcov()`. statsmodels takes them from its full Hessian instead, which is not invertible
    when the answer lies on the boundary (a spread at zero, a correlation at +-1)."""
    ztz = data.crossproducts()
    information = np.linalg.solve(scale * np.eye(2) + ztz @ cov_re, ztz).sum(axis=0)
    return np.sqrt(np.diag(np.linalg.inv(information)))
