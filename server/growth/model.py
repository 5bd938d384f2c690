"""The growth model: score over time, a random intercept and slope per teacher (docs/growth.md).

    score_ij = (b0 + u0_i) + (b1 + u1_i) * time_ij + e_ij
    (u0_i, u1_i) ~ N(0, [[sd0^2, r*sd0*sd1], [r*sd0*sd1, sd1^2]]),   e_ij ~ N(0, sigma^2)

fitted by REML from each teacher's sufficient statistics (server/growth/reml.py), the same
model as lme4's `lmer(score ~ time + (time | teacher))` and statsmodels' MixedLM, which the
tests hold it equal to. `time` is years since the teacher's first observation,
so b0 is the average score at the start and b1 the average growth per year. Each teacher's own
line is the fixed part plus their empirical-Bayes (BLUP) random effects: shrunk toward the
average, the more so the fewer and noisier their observations.
"""

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

import numpy as np
from scipy import stats

from server.growth import reml
from server.growth.arrays import GrowthArrays, fixed_effects_se, random_effects
from server.growth.outcome import DidNotConverge, TooFewObservations, count_words

DAYS_PER_YEAR = 365.25
# Two fixed effects, three numbers for the random-effects covariance, one residual variance.
N_PARAMETERS = 6
# A spread below this share of the residual SD is reported as "estimated at zero".
BOUNDARY_SHARE = 1e-3
# A correlation beyond this is reported as perfect (a singular fit).
MAX_CORRELATION = 0.999
CONFIDENCE = 0.95


class GrowthPoint(NamedTuple):
    """One score of one teacher at one time (years since their first observation)."""

    teacher: str
    time: float
    score: float


class DatedScore(NamedTuple):
    teacher: str
    observed_on: date
    score: float


class DimensionScore(NamedTuple):
    """A dimension score of a finalized observation, as the pages will read them."""

    instrument: str
    dimension: str
    teacher: str
    observed_on: date
    score: float


@dataclass(frozen=True)
class Coefficient:
    """A fixed effect with its standard error and Wald 95% confidence interval."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class TeacherGrowth:
    """A teacher's own line (fixed + empirical-Bayes random effects). `slope_sd` is the
    conditional SD of their slope given the estimated variances (lme4's condVar)."""

    intercept: float
    slope: float
    slope_sd: float


@dataclass(frozen=True)
class GrowthFit:
    n_obs: int
    n_groups: int
    intercept: Coefficient
    slope: Coefficient
    sd_intercept: float
    sd_slope: float
    # None when a spread is estimated at zero and the correlation is undefined.
    corr: float | None
    residual_sd: float
    # -2 x the REML log-likelihood: lme4's "REML criterion at convergence".
    reml_criterion: float
    groups: Mapping[str, TeacherGrowth]
    notes: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        """The `cadence growth fit` output (docs/growth.md)."""
        return {
            "n_obs": self.n_obs,
            "n_groups": self.n_groups,
            "fixed": {
                "intercept": {"estimate": self.intercept.estimate, "se": self.intercept.se},
                "slope": {"estimate": self.slope.estimate, "se": self.slope.se},
            },
            "random": {
                "sd_intercept": self.sd_intercept,
                "sd_slope": self.sd_slope,
                "corr": self.corr,
            },
            "residual_sd": self.residual_sd,
            "groups": {
                name: {"intercept": g.intercept, "slope": g.slope}
                for name, g in self.groups.items()
            },
        }


GrowthOutcome = GrowthFit | TooFewObservations | DidNotConverge


def years_since_first(scores: Iterable[DatedScore]) -> list[GrowthPoint]:
    """Time as years (365.25 days) since each teacher's first observation among `scores`."""
    rows = list(scores)
    first: dict[str, date] = {}
    for row in rows:
        if row.teacher not in first or row.observed_on < first[row.teacher]:
            first[row.teacher] = row.observed_on
    return [
        GrowthPoint(
            teacher=row.teacher,
            time=(row.observed_on - first[row.teacher]).days / DAYS_PER_YEAR,
            score=row.score,
        )
        for row in rows
    ]


def fit_by_dimension(rows: Iterable[DimensionScore]) -> dict[tuple[str, str], GrowthOutcome]:
    """One growth model per (instrument, dimension). Time counts from the teacher's first
    observation on any of them, so every model's intercept means the same moment."""
    listed = list(rows)
    points = years_since_first(DatedScore(r.teacher, r.observed_on, r.score) for r in listed)
    by_dimension: dict[tuple[str, str], list[GrowthPoint]] = defaultdict(list)
    for row, point in zip(listed, points, strict=True):
        by_dimension[(row.instrument, row.dimension)].append(point)
    return {key: fit_growth(group) for key, group in by_dimension.items()}


def fit_growth(points: Iterable[GrowthPoint], *, group_word: str = "teacher") -> GrowthOutcome:
    """Fit the model by REML; too little data or no convergence gives a plain reason instead.

    Raises ValueError for a time or score that is not a finite number (a caller's bug).
    `group_word` names the groups in the reasons ("teacher"; the CLI says "group").
    """
    rows = list(points)
    for row in rows:
        if not (math.isfinite(row.time) and math.isfinite(row.score)):
            raise ValueError(f"{group_word} {row.teacher}: time and score must be finite numbers")
    too_few = _too_few(rows, group_word)
    if too_few is not None:
        return too_few
    data = GrowthArrays.of_points(rows)
    answer = reml.fit(data)
    if not answer.converged:
        return DidNotConverge(
            f"The growth model did not settle on an answer (from {len(reml.STARTS)} starting "
            "points), so it gives no numbers. This usually means the data cannot tell growth "
            "apart from lesson-to-lesson variation yet: more observations per "
            f"{group_word} will help."
        )
    return _summarize(answer, data=data, word=group_word)


def _too_few(rows: list[GrowthPoint], word: str) -> TooFewObservations | None:
    times: dict[str, set[float]] = defaultdict(set)
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        times[row.teacher].add(row.time)
        counts[row.teacher] += 1
    n_groups = len(counts)
    if n_groups < 2:
        return TooFewObservations(
            f"A growth model compares {word}s, so it needs at least two; "
            f"there {'is' if n_groups == 1 else 'are'} {count_words(n_groups, word)}."
        )
    over_time = sum(1 for t in times.values() if len(t) >= 2)
    if over_time < 2:
        return TooFewObservations(
            f"Growth needs at least two {word}s observed at two or more different times; "
            f"there {'is' if over_time == 1 else 'are'} {count_words(over_time, word)}."
        )
    if not any(counts[name] >= 3 and len(times[name]) >= 2 for name in counts):
        return TooFewObservations(
            f"Growth needs at least one {word} with three or more observations over two or more "
            f"different times, to tell a {word}'s growth apart from lesson-to-lesson "
            "variation; there is none."
        )
    if len(rows) <= N_PARAMETERS:
        return TooFewObservations(
            f"The growth model estimates {N_PARAMETERS} numbers, so it needs more than "
            f"{N_PARAMETERS} observations; there are {len(rows)}."
        )
    if len({row.score for row in rows}) == 1:
        return TooFewObservations(
            f"Every score is the same ({rows[0].score:g}), so there is no growth to model."
        )
    return None


def _spreads(cov_re: np.ndarray, residual_sd: float) -> tuple[float, float, float | None]:
    """SD of intercepts, SD of slopes, and their correlation (None when a spread is zero)."""
    sd_intercept = math.sqrt(max(float(cov_re[0, 0]), 0.0))
    sd_slope = math.sqrt(max(float(cov_re[1, 1]), 0.0))
    floor = BOUNDARY_SHARE * residual_sd
    if sd_intercept <= floor or sd_slope <= floor:
        return sd_intercept, sd_slope, None
    return sd_intercept, sd_slope, float(cov_re[0, 1] / (sd_intercept * sd_slope))


def _summarize(answer: reml.RemlFit, *, data: GrowthArrays, word: str) -> GrowthFit:
    fe, cov_re, scale = answer.fe, answer.cov_re, answer.scale
    # The errors given the estimated variances (lme4's vcov), defined on the boundary too.
    se = fixed_effects_se(data, cov_re=cov_re, scale=scale)
    residual_sd = math.sqrt(scale)
    sd_intercept, sd_slope, corr = _spreads(cov_re, residual_sd)
    z = float(stats.norm.ppf(0.5 + CONFIDENCE / 2))

    notes: list[str] = []
    floor = BOUNDARY_SHARE * residual_sd
    if sd_slope <= floor:
        notes.append(
            f"The spread of growth rates between {word}s is estimated at zero: every "
            f"{word}'s own growth rate is shown as the average."
        )
    if sd_intercept <= floor:
        notes.append(
            f"The spread of starting scores between {word}s is estimated at zero: every "
            f"{word}'s own starting score is shown as the average."
        )
    if corr is not None and abs(corr) > MAX_CORRELATION:
        notes.append(
            "Starting scores and growth rates are estimated as perfectly correlated, a sign "
            f"that the data cannot yet separate them: read the spread between {word}s "
            "with care."
        )

    effects, conditional = random_effects(data, fe=fe, cov_re=cov_re, scale=scale)
    groups = {
        name: TeacherGrowth(
            intercept=float(fe[0] + effects[i, 0]),
            slope=float(fe[1] + effects[i, 1]),
            slope_sd=math.sqrt(max(float(conditional[i, 1, 1]), 0.0)),
        )
        for i, name in enumerate(data.order)
    }

    def coefficient(i: int) -> Coefficient:
        estimate, error = float(fe[i]), float(se[i])
        return Coefficient(estimate, error, estimate - z * error, estimate + z * error)

    return GrowthFit(
        n_obs=len(data.score),
        n_groups=len(data.order),
        intercept=coefficient(0),
        slope=coefficient(1),
        sd_intercept=sd_intercept,
        sd_slope=sd_slope,
        corr=corr,
        residual_sd=residual_sd,
        reml_criterion=answer.reml_criterion,
        groups=groups,
        notes=tuple(notes),
    )
