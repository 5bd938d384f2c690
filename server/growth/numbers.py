"""How the growth pages write a number: one rounding (half away from zero, as the number reads
in decimal) for points, statistics, shares and p-values (`stats.format_p`), so that a change
shows as the same digits in every table and sentence."""

import math
from decimal import ROUND_HALF_UP, Context, Decimal

POINT_DECIMALS = 2  # points, means, SDs, t, d and r on every growth page
DASH = "\u2013"  # an en dash: no number
# Enough digits for any float's integer part plus the decimals asked for.
_CONTEXT = Context(prec=400)


def rounded(value: float, decimals: int) -> Decimal:
    """`value` rounded half away from zero: 0.25 -> 0.3, 0.35 -> 0.4, -0.25 -> -0.3,
    0.149999 -> 0.1. Python's round() and "%.1f" round the binary float, half to even: 0.2,
    0.3 (0.35 is 0.34999... in binary) and -0.2. The value is first read to 12 significant
    digits, so that a mean computed as 0.35000000000000003 or 0.34999999999999998 rounds as
    the 0.35 it stands for."""
    as_written = Decimal(f"{value:.12g}")
    return as_written.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP, _CONTEXT)


def fmt(value: float | None, decimals: int = POINT_DECIMALS) -> str:
    """A number to `decimals` places ("0.25"), or an en dash for none; never "-0.00"."""
    if value is None or not math.isfinite(value):
        return DASH
    number = rounded(value, decimals)
    return f"{abs(number) if number.is_zero() else number:f}"


def signed(value: float | None, decimals: int = POINT_DECIMALS) -> str:
    """A change, with its sign: "+0.25", "-0.25", "0.00"."""
    if value is None or not math.isfinite(value):
        return DASH
    text = fmt(value, decimals)
    return "+" + text if rounded(value, decimals) > 0 else text


def percent(share: float | None) -> str:
    """A share (0..1) as whole percent: 0.125 -> "13%"."""
    return DASH if share is None or not math.isfinite(share) else f"{fmt(100 * share, 0)}%"
