"""Growth and program-evaluation statistics (docs/growth.md).

model.py: the multilevel growth model (statsmodels MixedLM, REML). stats.py: baseline vs end of
year, cohorts, the IQA high-level share, and the small-cell rule. Both are pure functions on plain
data; a statistic that cannot be computed honestly returns a reason (outcome.py), not a number.
"""
