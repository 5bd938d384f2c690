"""Rater agreement: two raters' scores of the same items (a co-observed lesson's dimensions,
a calibration lesson against its master code), and reliability across raters.

- exact and adjacent (within one level) agreement over the items both raters scored;
- Cohen's weighted kappa with quadratic weights, (x_i - x_j)^2 on the scale's level values:
  equal to scikit-learn's `cohen_kappa_score(weights="quadratic", labels=levels)` when the
  levels are consecutive integers, as every rubric's are (tests/observations/test_agreement.py);
- ICC(2,1) (two-way random, absolute agreement) and ICC(3,1) (two-way mixed, consistency),
  Shrout & Fleiss (1979), from the two-way ANOVA of a complete items x raters table, with the
  F test and 95% interval as pingouin's `intraclass_corr` computes them.

"Not observed" (None) is not a level: an item one or both raters marked not observed is left
out of exact, adjacent and kappa, and counted (`one_not_observed`, `both_not_observed`); the
ICC uses the items every rater scored. Bands are Landis & Koch's for kappa and Koo & Li's for
the ICC (../shared/instruments.md).
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from itertools import combinations
from typing import Any

import numpy as np
from scipy import stats

from server.rubrics.schema import Rubric

Score = float | None


@dataclass(frozen=True)
class PairAgreement:
    n: int  # items both raters scored
    exact: float | None  # share of those with the same level
    adjacent: float | None  # share within one level
    kappa_quadratic: float | None  # None: undefined (no variation to agree on)
    kappa_band: str | None
    one_not_observed: int
    both_not_observed: int
    note: str | None = None


@dataclass(frozen=True)
class Icc:
    kind: str  # "ICC(2,1)" or "ICC(3,1)"
    value: float
    f: float
    df1: int
    df2: int
    p: float
    ci_low: float | None  # None: no interval (the raters agree without error)
    ci_high: float | None
    band: str


def kappa_band(kappa: float) -> str:
    """Landis & Koch (1977): below 0 poor, then up to .20, .40, .60, .80 and above."""
    if kappa < 0:
        return "poor"
    for upper, band in ((0.2, "slight"), (0.4, "fair"), (0.6, "moderate"), (0.8, "substantial")):
        if kappa <= upper:
            return band
    return "almost perfect"


def icc_band(icc: float) -> str:
    """Koo & Li (2016)."""
    return (
        "poor" if icc < 0.5 else "moderate" if icc < 0.75 else "good" if icc <= 0.9 else "excellent"
    )


def weighted_kappa(a: Sequence[float], b: Sequence[float], levels: Sequence[float]) -> float | None:
    """Cohen's kappa with quadratic weights over `levels`; None when it is undefined."""
    index = {level: i for i, level in enumerate(levels)}
    k = len(levels)
    observed = np.zeros((k, k))
    for x, y in zip(a, b, strict=True):
        observed[index[x], index[y]] += 1
    values = np.asarray(levels, dtype=float)
    weights = (values[:, None] - values[None, :]) ** 2
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / observed.sum()
    disagreement = float((weights * expected).sum())
    if disagreement == 0:
        return None
    return 1.0 - float((weights * observed).sum()) / disagreement


def pair_agreement(
    a: Sequence[Score], b: Sequence[Score], *, levels: Sequence[float] | None = None
) -> PairAgreement:
    """Two raters' scores of the same items, in the same order (None: not observed). `levels`
    is the scale (default: the levels either rater used)."""
    if len(a) != len(b):
        raise ValueError("the two raters must score the same items")
    both = [(x, y) for x, y in zip(a, b, strict=True) if x is not None and y is not None]
    one = sum(1 for x, y in zip(a, b, strict=True) if (x is None) != (y is None))
    neither = sum(1 for x, y in zip(a, b, strict=True) if x is None and y is None)
    if not both:
        return PairAgreement(0, None, None, None, None, one, neither, "No item was scored by both.")
    xs, ys = [x for x, _ in both], [y for _, y in both]
    scale = sorted(set(levels) if levels is not None else set(xs) | set(ys))
    unknown = (set(xs) | set(ys)) - set(scale)
    if unknown:
        raise ValueError(f"scores outside the scale: {sorted(unknown)}")
    kappa = weighted_kappa(xs, ys, scale)
    note = None if kappa is not None else "Kappa is undefined: the scores do not vary."
    return PairAgreement(
        n=len(both),
        exact=sum(1 for x, y in both if x == y) / len(both),
        adjacent=sum(1 for x, y in both if abs(x - y) <= 1) / len(both),
        kappa_quadratic=kappa,
        kappa_band=None if kappa is None else kappa_band(kappa),
        one_not_observed=one,
        both_not_observed=neither,
        note=note,
    )


def icc(table: np.ndarray, *, alpha: float = 0.05) -> tuple[Icc, Icc] | None:
    """ICC(2,1) and ICC(3,1) of a complete items x raters table (at least 2 x 2); None when
    undefined (every item scored alike, rater by rater)."""
    n, k = table.shape
    if n < 2 or k < 2:
        return None
    grand = table.mean()
    ss_rows = k * float(((table.mean(axis=1) - grand) ** 2).sum())
    ss_cols = n * float(((table.mean(axis=0) - grand) ** 2).sum())
    ss_error = float(((table - grand) ** 2).sum()) - ss_rows - ss_cols
    df_rows, df_cols, df_error = n - 1, k - 1, (n - 1) * (k - 1)
    # numpy floats: an interval bound that divides by zero is inf or nan (no bound), not an error
    msr, msc, mse = (
        np.float64(x) for x in (ss_rows / df_rows, ss_cols / df_cols, ss_error / df_error)
    )
    total = float(((table - grand) ** 2).sum())
    if total == 0:
        return None  # every score the same: nothing to be reliable about
    if mse <= 1e-12 * total:
        if msr <= 1e-12 * total:
            return None  # every item scored alike: nothing tells the items apart
        # No error left: the raters agree item by item, up to each rater's own offset.
        # ICC(3,1) is 1, ICC(2,1) counts the offsets; F is infinite and there is no interval.
        exact = {"ICC(2,1)": float(msr / (msr + k * msc / n)), "ICC(3,1)": 1.0}
        return tuple(  # type: ignore[return-value]
            Icc(kind, value, math.inf, df_rows, df_error, 0.0, None, None, icc_band(value))
            for kind, value in exact.items()
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        return _icc_with_error(n, k, msr, msc, mse, alpha)


def _icc_with_error(
    n: int, k: int, msr: np.float64, msc: np.float64, mse: np.float64, alpha: float
) -> tuple[Icc, Icc]:
    df_rows, df_error = n - 1, (n - 1) * (k - 1)
    f_rows = msr / mse
    p = float(stats.f.sf(f_rows, df_rows, df_error))
    icc3 = (msr - mse) / (msr + (k - 1) * mse)
    icc2 = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)
    # ICC(3,1): the F interval (Shrout & Fleiss).
    low_f = f_rows / stats.f.ppf(1 - alpha / 2, df_rows, df_error)
    high_f = f_rows * stats.f.ppf(1 - alpha / 2, df_error, df_rows)
    ci3 = ((low_f - 1) / (low_f + k - 1), (high_f - 1) / (high_f + k - 1))
    # ICC(2,1): Satterthwaite's degrees of freedom (McGraw & Wong 1996), as pingouin.
    fc = msc / mse
    vn = df_error * (k * icc2 * fc + n * (1 + (k - 1) * icc2) - k * icc2) ** 2
    vd = df_rows * k**2 * icc2**2 * fc**2 + (n * (1 + (k - 1) * icc2) - k * icc2) ** 2
    v = vn / vd
    f2u = stats.f.ppf(1 - alpha / 2, n - 1, v)
    f2l = stats.f.ppf(1 - alpha / 2, v, n - 1)
    spread = k * msc + (k * n - k - n) * mse
    ci2 = (
        n * (msr - f2u * mse) / (f2u * spread + n * msr),
        n * (f2l * msr - mse) / (spread + n * f2l * msr),
    )
    return tuple(  # type: ignore[return-value]
        Icc(
            kind,
            float(value),
            float(f_rows),
            df_rows,
            df_error,
            p,
            _finite(lo),
            _finite(hi),
            icc_band(float(value)),
        )
        for kind, value, (lo, hi) in (("ICC(2,1)", icc2, ci2), ("ICC(3,1)", icc3, ci3))
    )


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def long_table_agreement(
    ratings: Sequence[tuple[str, str, Score]], *, levels: Sequence[float] | None = None
) -> dict[str, Any]:
    """Agreement of a long table of (rater, item, score) rows: every pair of raters over the
    items both rated, and the ICCs over the items every rater scored. For the CLI and for
    evaluators' own data; JSON-ready."""
    by_rater: dict[str, dict[str, Score]] = {}
    for rater, item, score in ratings:
        cell = by_rater.setdefault(rater, {})
        if item in cell:
            raise ValueError(f"rater {rater!r} scored item {item!r} twice")
        cell[item] = score
    raters = sorted(by_rater)
    if len(raters) < 2:
        raise ValueError("agreement needs at least two raters")
    items = sorted({item for _, item, _ in ratings})
    pairs = []
    for first, second in combinations(raters, 2):
        shared = [i for i in items if i in by_rater[first] and i in by_rater[second]]
        result = pair_agreement(
            [by_rater[first][i] for i in shared], [by_rater[second][i] for i in shared],
            levels=levels,
        )  # fmt: skip
        pairs.append({"raters": [first, second], **asdict(result)})
    complete = [i for i in items if all(by_rater[r].get(i) is not None for r in raters)]
    table = np.array([[by_rater[r][i] for r in raters] for i in complete], dtype=float)
    iccs = icc(table) if complete else None
    return {
        "raters": raters,
        "items": len(items),
        "items_scored_by_every_rater": len(complete),
        "pairs": pairs,
        "icc": [asdict(x) for x in iccs] if iccs else None,
        "not_observed": "Items a rater marked not observed are left out of exact, adjacent "
        "and kappa (counted per pair) and of the ICC, which uses items every rater scored.",
    }


def as_json_ready(value: Any) -> Any:
    """NaN-free: JSON has no NaN."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {k: as_json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_json_ready(v) for v in value]
    return value


Cell = tuple[str, str]  # (dimension id, item id or "")


@dataclass(frozen=True)
class RubricAgreement:
    """Two raters' scores of one lesson on one rubric: each dimension (its items, or the
    dimension's own score) and the rubric overall (kappa over every cell of the rubric)."""

    dimensions: dict[str, PairAgreement]
    overall: PairAgreement


def rubric_levels(rubric: Rubric) -> list[int]:
    """Every level of the rubric's scales: the scale kappa is weighted on over a rubric."""
    return sorted({v for s in rubric.scales for v in s.values})


def rubric_agreement(
    rubric: Rubric, first: Mapping[Cell, Score], second: Mapping[Cell, Score]
) -> RubricAgreement:
    """`first` and `second` map each cell a rater scored to its level (None: not observed); a
    cell one rater left blank counts as not observed by that rater."""
    cells_by_dimension = {
        d.id: [(d.id, item.id) for item in d.items] or [(d.id, "")] for d in rubric.dimensions
    }
    levels = rubric_levels(rubric)
    dimensions = {}
    for dimension_id, cells in cells_by_dimension.items():
        scale = rubric.scale_for(next(d for d in rubric.dimensions if d.id == dimension_id))
        dimensions[dimension_id] = pair_agreement(
            [first.get(c) for c in cells], [second.get(c) for c in cells], levels=scale.values
        )
    every = [c for cells in cells_by_dimension.values() for c in cells]
    overall = pair_agreement(
        [first.get(c) for c in every], [second.get(c) for c in every], levels=levels
    )
    return RubricAgreement(dimensions, overall)
