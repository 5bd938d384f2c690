"""Survey statistics on the tidy answer table (docs/surveys.md): composites, Cronbach's alpha,
Pearson correlations, a linear regression and response rates. Paired and group tests are the
growth module's (`growth.stats`), so survey and observation changes are tested and worded alike.
numpy, scipy and statsmodels compute; this module only shapes the data and checks it."""

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from server.growth.outcome import TooFewObservations

# One row per answer; an invited person who did not answer has one row with no item.
TIDY_COLUMNS = [
    "wave", "wave_label", "instrument", "instrument_version", "audience", "respondent",
    "school", "role", "cohort", "subscale", "item", "reverse", "answer", "score",
]  # fmt: skip
GROUPING = ["wave", "respondent", "school", "role", "cohort"]


def answered(tidy: pd.DataFrame) -> pd.DataFrame:
    """The rows that are answers (not the rows that only say someone was invited)."""
    return tidy[tidy["item"].notna() & (tidy["item"].astype(str) != "")]


def composites(tidy: pd.DataFrame) -> pd.DataFrame:
    """One row per respondent and wave; a column per subscale holding the mean of that
    subscale's non-missing scores (NaN when every item was missing or 'not applicable')."""
    rows = answered(tidy)
    if rows.empty:
        return pd.DataFrame(columns=GROUPING)
    means = (
        rows.assign(score=pd.to_numeric(rows["score"], errors="coerce"))
        .groupby([*GROUPING, "subscale"], dropna=False)["score"]
        .mean()
        .unstack("subscale")
    )
    means.columns.name = None
    return means.reset_index()


def item_table(tidy: pd.DataFrame, *, wave: str, subscale: str) -> pd.DataFrame:
    """Respondents (rows) by items (columns) of one subscale in one wave: scored values."""
    rows = answered(tidy)
    rows = rows[(rows["wave"].astype(str) == wave) & (rows["subscale"] == subscale)]
    return (
        rows.assign(score=pd.to_numeric(rows["score"], errors="coerce"))
        .pivot_table(index="respondent", columns="item", values="score", aggfunc="first")
        .sort_index(axis=1)
    )


@dataclass(frozen=True)
class Alpha:
    """Cronbach's alpha over the respondents who answered every item (listwise)."""

    alpha: float | None
    n: int
    items: int


def cronbach_alpha(items: pd.DataFrame) -> Alpha | TooFewObservations:
    """alpha = k/(k-1) * (1 - sum of item variances / variance of the total), sample
    variances; None when the totals do not vary."""
    complete = items.dropna().to_numpy(dtype=float)
    n, k = complete.shape if complete.size else (0, items.shape[1])
    if k < 2:
        return TooFewObservations("Cronbach's alpha needs a subscale of at least two items.")
    if n < 2:
        return TooFewObservations(
            "Cronbach's alpha needs at least two respondents who answered every item."
        )
    total_variance = float(np.var(complete.sum(axis=1), ddof=1))
    if total_variance == 0:
        return Alpha(alpha=None, n=n, items=k)
    item_variances = float(np.var(complete, axis=0, ddof=1).sum())
    return Alpha(alpha=k / (k - 1) * (1 - item_variances / total_variance), n=n, items=k)


@dataclass(frozen=True)
class Correlation:
    n: int
    r: float
    p: float


def correlate(x: pd.Series, y: pd.Series) -> Correlation | TooFewObservations:
    """Pearson's r over the rows where both are present."""
    both = pd.concat([x, y], axis=1).dropna().to_numpy(dtype=float)
    if len(both) < 3:
        return TooFewObservations("A correlation needs at least three respondents with both.")
    if np.ptp(both[:, 0]) == 0 or np.ptp(both[:, 1]) == 0:
        return TooFewObservations("A correlation needs scores that vary.")
    result = stats.pearsonr(both[:, 0], both[:, 1])
    return Correlation(n=len(both), r=float(result.statistic), p=float(result.pvalue))


@dataclass(frozen=True)
class Coefficient:
    name: str
    b: float
    se: float
    t: float
    p: float
    beta: float | None  # standardized: b * SD(x) / SD(y); None for the intercept


@dataclass(frozen=True)
class Regression:
    outcome: str
    n: int
    r_squared: float
    adjusted_r_squared: float
    f: float
    p_f: float
    df_model: int
    df_residual: int
    coefficients: list[Coefficient]


def regress(
    frame: pd.DataFrame, *, outcome: str, predictors: list[str]
) -> Regression | TooFewObservations:
    """Ordinary least squares of `outcome` on `predictors` (with an intercept), over the rows
    where all are present."""
    data = frame[[outcome, *predictors]].apply(pd.to_numeric, errors="coerce").dropna()
    if len(data) < len(predictors) + 3:
        return TooFewObservations(
            f"A regression on {len(predictors)} predictor(s) needs at least "
            f"{len(predictors) + 3} respondents with every score."
        )
    if any(np.ptp(data[name].to_numpy()) == 0 for name in [outcome, *predictors]):
        return TooFewObservations("A regression needs scores that vary.")
    fit = sm.OLS(data[outcome], sm.add_constant(data[predictors], has_constant="add")).fit()
    sd_y = float(data[outcome].std(ddof=1))
    coefficients = [
        Coefficient(
            name=name,
            b=float(fit.params[name]),
            se=float(fit.bse[name]),
            t=float(fit.tvalues[name]),
            p=float(fit.pvalues[name]),
            beta=None if name == "const" else float(fit.params[name]) * data[name].std() / sd_y,
        )
        for name in ["const", *predictors]
    ]
    return Regression(
        outcome=outcome,
        n=int(fit.nobs),
        r_squared=float(fit.rsquared),
        adjusted_r_squared=float(fit.rsquared_adj),
        f=float(fit.fvalue),
        p_f=float(fit.f_pvalue),
        df_model=int(fit.df_model),
        df_residual=int(fit.df_resid),
        coefficients=coefficients,
    )


@dataclass(frozen=True)
class ResponseRate:
    school: str
    role: str
    invited: int
    responded: int

    @property
    def rate(self) -> float:
        return self.responded / self.invited if self.invited else 0.0


def response_rates(tidy: pd.DataFrame, *, wave: str) -> list[ResponseRate]:
    """Per school and role: people invited (every respondent row of the wave) and people who
    submitted (those with answers), sorted by school then role."""
    rows = tidy[tidy["wave"].astype(str) == wave]
    responded = set(answered(rows)["respondent"].astype(str))
    out = []
    for (school, role), group in rows.groupby(["school", "role"], dropna=False):
        people = set(group["respondent"].astype(str))
        out.append(
            ResponseRate(
                school=str(school),
                role=str(role),
                invited=len(people),
                responded=len(people & responded),
            )
        )
    return sorted(out, key=lambda r: (r.school, r.role))
