"""One rounding for every number on the growth pages: half away from zero, as the number
reads in decimal (server/growth/numbers.py)."""

from decimal import Decimal

import pytest

from server.growth.numbers import fmt, percent, rounded, signed


@pytest.mark.parametrize(
    ("value", "one", "two"),
    [
        (0.25, "0.3", "0.25"),  # round() and "%.1f" give 0.2
        (0.35, "0.4", "0.35"),  # 0.35 is 0.34999... in binary: "%.1f" gives 0.3
        (-0.25, "-0.3", "-0.25"),
        (0.149999, "0.1", "0.15"),
        (0.125, "0.1", "0.13"),  # "%.2f" gives 0.12
        (-0.125, "-0.1", "-0.13"),
        (2.675, "2.7", "2.68"),  # "%.2f" gives 2.67
        (0.1 + 0.2 + 0.05, "0.4", "0.35"),  # 0.35000000000000003 as computed
        (1 - 0.65, "0.4", "0.35"),  # 0.34999999999999998 as computed
        (-0.001, "0.0", "0.00"),  # never "-0.0"
        (0, "0.0", "0.00"),
        (1e20, "100000000000000000000.0", "100000000000000000000.00"),
    ],
)
def test_half_away_from_zero_as_written(value: float, one: str, two: str) -> None:
    assert fmt(value, 1) == one
    assert fmt(value) == two
    assert rounded(value, 2) == Decimal(two)


def test_changes_carry_their_sign_and_none_is_a_dash() -> None:
    assert [signed(v) for v in (0.25, -0.25, 0.125, 0.004, -0.004, 0.0)] == [
        "+0.25", "-0.25", "+0.13", "0.00", "0.00", "0.00",
    ]  # fmt: skip
    assert signed(0.25, 1) == "+0.3" and signed(-0.25, 1) == "-0.3"
    for nothing in (None, float("nan"), float("inf")):
        assert fmt(nothing) == signed(nothing) == percent(nothing) == "\u2013"


def test_percent_rounds_the_same_way() -> None:
    assert [percent(s) for s in (0.125, 0.5, 0.665, 0.0049, 1.0)] == [
        "13%", "50%", "67%", "0%", "100%",
    ]  # fmt: skip
