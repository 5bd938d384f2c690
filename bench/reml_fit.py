"""Measure (not a test): the growth fit from sufficient statistics (server/growth/reml.py)
against statsmodels' MixedLM, on synthetic districts of 2,000 and 20,000 teachers seen two to
eight times over three years. Prints one line per size, `fit_s` the median of three fits:

    .venv/bin/python bench/reml_fit.py [--statsmodels]

With --statsmodels it also times statsmodels' fit of the same 2,000 teachers (seconds more).
"""

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from statsmodels.regression.mixed_linear_model import MixedLM

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.growth import reml
from server.growth.arrays import GrowthArrays

RUNS = 3


def district(n_teachers: int, seed: int = 1) -> GrowthArrays:
    rng = np.random.default_rng(seed)
    visits = rng.integers(2, 9, n_teachers)
    codes = np.repeat(np.arange(n_teachers), visits)
    time_ = rng.uniform(0, 3, len(codes))
    start = rng.normal(2.5, 0.5, n_teachers)
    slope = rng.normal(0.3, 0.15, n_teachers)
    score = start[codes] + slope[codes] * time_ + rng.normal(0, 0.4, len(codes))
    return GrowthArrays([str(t) for t in range(n_teachers)], codes, time_, score)


def timed(fit: object, data: GrowthArrays) -> tuple[float, list[float]]:
    runs = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fit(data)  # type: ignore[operator]
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), runs


def statsmodels_fit(data: GrowthArrays) -> None:
    design = np.column_stack([np.ones_like(data.time), data.time])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        MixedLM(data.score, design, data.codes, exog_re=design).fit(reml=True, method=["lbfgs"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--statsmodels", action="store_true")
    args = parser.parse_args()
    for n in (2_000, 20_000):
        data = district(n)
        fit_s, runs = timed(reml.fit, data)
        answer = reml.fit(data)
        each = ", ".join(f"{r:.3f}" for r in runs)
        print(
            f"teachers {n:,}: fit_s: {fit_s:.3f} (runs {each}; {len(data.score):,} observations; "
            f"b1 {answer.fe[1]:.3f}, sd_slope {np.sqrt(answer.cov_re[1, 1]):.3f}, "
            f"converged {answer.converged})"
        )
    if args.statsmodels:
        start = time.perf_counter()
        statsmodels_fit(district(2_000))
        print(f"statsmodels teachers 2,000: fit_s: {time.perf_counter() - start:.2f}")


if __name__ == "__main__":
    main()
