"""Rater agreement against the references: scikit-learn's weighted kappa, pingouin's ICC, on
random tables (hypothesis), and the handling of "not observed"."""

import math
import warnings

import numpy as np
import pandas as pd
import pingouin
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from server.config import ROOT
from server.observations.agreement import (
    icc,
    icc_band,
    kappa_band,
    long_table_agreement,
    pair_agreement,
    rubric_agreement,
)
from server.rubrics import service as rubrics_service

LEVELS = [1, 2, 3, 4]
scores = st.one_of(st.none(), st.sampled_from(LEVELS))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(scores, scores), min_size=1, max_size=40))
def test_pair_agreement_equals_the_references(pairs: list[tuple[int | None, int | None]]) -> None:
    a, b = [x for x, _ in pairs], [y for _, y in pairs]
    result = pair_agreement(a, b, levels=LEVELS)
    both = [(x, y) for x, y in pairs if x is not None and y is not None]
    assert result.n == len(both)
    assert result.one_not_observed == sum(1 for x, y in pairs if (x is None) != (y is None))
    assert result.both_not_observed == sum(1 for x, y in pairs if x is None and y is None)
    if not both:
        assert (result.exact, result.adjacent, result.kappa_quadratic) == (None, None, None)
        return
    assert result.exact == pytest.approx(np.mean([x == y for x, y in both]))
    assert result.adjacent == pytest.approx(np.mean([abs(x - y) <= 1 for x, y in both]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn warns where kappa is undefined
        reference = cohen_kappa_score(
            [x for x, _ in both], [y for _, y in both], labels=LEVELS, weights="quadratic"
        )
    if math.isnan(reference):
        assert result.kappa_quadratic is None and result.note
    else:
        assert result.kappa_quadratic == pytest.approx(reference, abs=1e-12)


tables = st.integers(3, 15).flatmap(
    lambda n: st.integers(2, 6).flatmap(
        lambda k: st.lists(
            st.lists(st.sampled_from([0, 1, 2, 3, 4]), min_size=k, max_size=k),
            min_size=n,
            max_size=n,
        )
    )
)


@settings(max_examples=100, deadline=None)
@given(tables)
def test_icc_equals_pingouin(rows: list[list[int]]) -> None:
    table = np.array(rows, dtype=float)
    ours = icc(table)
    long = pd.DataFrame(
        [(i, r, v) for i, row in enumerate(rows) for r, v in enumerate(row)],
        columns=["item", "rater", "score"],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = pingouin.intraclass_corr(
            long, targets="item", raters="rater", ratings="score"
        ).set_index("Type")
    if ours is None:  # undefined exactly when every item was scored alike, rater by rater
        assert (table == table[0]).all()
        return
    residual = table - table.mean(axis=1, keepdims=True) - table.mean(axis=0) + table.mean()
    if math.isinf(ours[1].f):  # no error: pingouin's F is then rounding noise, ours exact
        assert np.allclose(residual, 0) and ours[1].value == 1.0
        assert ours[0].ci_low is None and ours[1].ci_high is None
        return
    assert not np.allclose(residual, 0)
    for mine, theirs in zip(ours, ("ICC(A,1)", "ICC(C,1)"), strict=True):
        row = reference.loc[theirs]
        assert mine.value == pytest.approx(row["ICC"], abs=1e-9)
        assert mine.f == pytest.approx(row["F"], rel=1e-9)
        assert (mine.df1, mine.df2) == (row["df1"], row["df2"])
        assert mine.p == pytest.approx(row["pval"], abs=1e-9)
        # pingouin rounds its interval to two decimals.
        low, high = row["CI95"]
        if np.isfinite(low):
            assert mine.ci_low == pytest.approx(low, abs=0.005 + 1e-9)
            assert mine.ci_high == pytest.approx(high, abs=0.005 + 1e-9)
        else:
            assert mine.ci_low is None


def test_not_observed_is_left_out_and_counted() -> None:
    result = pair_agreement([1, 2, None, None, 4], [1, 3, 2, None, 1], levels=LEVELS)
    assert (result.n, result.one_not_observed, result.both_not_observed) == (3, 1, 1)
    assert result.exact == pytest.approx(1 / 3) and result.adjacent == pytest.approx(2 / 3)


def test_raters_who_agree_item_by_item_have_an_icc_of_one() -> None:
    same = icc(np.array([[1, 1], [3, 3], [2, 2]], dtype=float))
    assert same is not None and [x.value for x in same] == [1.0, 1.0]
    offset = icc(np.array([[1, 2], [3, 4], [2, 3]], dtype=float))  # the second is one higher
    assert offset is not None and offset[1].value == 1.0 and 0 < offset[0].value < 1
    assert icc(np.array([[1, 2], [1, 2]], dtype=float)) is None


def test_kappa_is_undefined_when_nothing_varies() -> None:
    result = pair_agreement([3, 3, 3], [3, 3, 3], levels=LEVELS)
    assert result.exact == 1.0 and result.kappa_quadratic is None and result.note
    with pytest.raises(ValueError, match="outside the scale"):
        pair_agreement([5], [1], levels=LEVELS)
    with pytest.raises(ValueError, match="same items"):
        pair_agreement([1, 2], [1], levels=LEVELS)


@pytest.mark.parametrize(
    ("kappa", "band"),
    [(-0.1, "poor"), (0.0, "slight"), (0.2, "slight"), (0.21, "fair"), (0.6, "moderate"),
     (0.8, "substantial"), (0.81, "almost perfect")],
)  # fmt: skip
def test_landis_and_koch_bands(kappa: float, band: str) -> None:
    assert kappa_band(kappa) == band


@pytest.mark.parametrize(
    ("value", "band"), [(0.49, "poor"), (0.5, "moderate"), (0.75, "good"), (0.91, "excellent")]
)
def test_koo_and_li_bands(value: float, band: str) -> None:
    assert icc_band(value) == band


def test_a_long_table_gives_every_pair_and_the_icc_over_complete_items() -> None:
    rows = [
        ("ana", "L1:talk", 3), ("ben", "L1:talk", 3), ("cy", "L1:talk", 2),
        ("ana", "L1:task", 2), ("ben", "L1:task", 1), ("cy", "L1:task", 2),
        ("ana", "L2:talk", 4), ("ben", "L2:talk", 4), ("cy", "L2:talk", None),
        ("ana", "L2:task", 1), ("ben", "L2:task", 2), ("cy", "L2:task", 1),
    ]  # fmt: skip
    result = long_table_agreement(rows, levels=LEVELS)
    assert result["raters"] == ["ana", "ben", "cy"]
    assert result["items"] == 4 and result["items_scored_by_every_rater"] == 3
    ana_ben = result["pairs"][0]
    assert ana_ben["raters"] == ["ana", "ben"] and ana_ben["n"] == 4
    assert ana_ben["exact"] == pytest.approx(0.5) and ana_ben["adjacent"] == 1.0
    ben_cy = result["pairs"][2]
    assert ben_cy["n"] == 3 and ben_cy["one_not_observed"] == 1
    assert [x["kind"] for x in result["icc"]] == ["ICC(2,1)", "ICC(3,1)"]
    with pytest.raises(ValueError, match="twice"):
        long_table_agreement([("ana", "x", 1), ("ana", "x", 2), ("ben", "x", 1)])
    with pytest.raises(ValueError, match="two raters"):
        long_table_agreement([("ana", "x", 1)])


@pytest.mark.parametrize("rubric_file", ["nctm-practices.yaml", "iqa-math.yaml"])
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_a_lessons_agreement_per_dimension_and_over_the_rubric(
    rubric_file: str, data: st.DataObject
) -> None:
    """Each dimension over its items (or its own score), and the rubric overall, are the pair
    agreement of those cells; a cell a rater left blank is not observed by that rater."""
    rubric = rubrics_service.load_rubric_file(ROOT / "rubrics" / rubric_file)
    cells = [
        cell
        for d in rubric.dimensions
        for cell in ([(d.id, i.id) for i in d.items] or [(d.id, "")])
    ]
    scale = sorted({v for s in rubric.scales for v in s.values})

    def value(cell: tuple[str, str]) -> int | None:  # a level of the cell's own scale
        dimension = rubric.dimension(cell[0])
        assert dimension is not None
        return data.draw(st.one_of(st.none(), st.sampled_from(rubric.scale_for(dimension).values)))

    first = {c: value(c) for c in cells if data.draw(st.booleans())}
    second = {c: value(c) for c in cells}
    result = rubric_agreement(rubric, first, second)
    assert result.overall == pair_agreement(
        [first.get(c) for c in cells], [second.get(c) for c in cells], levels=scale
    )
    for dimension in rubric.dimensions:
        mine = [c for c in cells if c[0] == dimension.id]
        expected = pair_agreement(
            [first.get(c) for c in mine], [second.get(c) for c in mine],
            levels=rubric.scale_for(dimension).values,
        )  # fmt: skip
        assert result.dimensions[dimension.id] == expected
