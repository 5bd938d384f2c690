"""Small server-rendered SVG charts (docs/growth.md): a line chart with points, dashed fitted
lines and shaded bands, and a bar chart. Every chart is role="img" with a <title> and a <desc>
(its text alternative); the pages put a data table beside each one. No JavaScript, prints as is.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from itertools import count

from markupsafe import Markup

_ids = count(1)
# Distinguished by shape and dash as well as colour (not colour alone).
COLOURS = ("#1d4f91", "#b34700", "#2f6b2f", "#6b2f8f", "#8a6d00", "#0f6e6e")
DASHES = ("", "6 4", "2 3", "10 3 2 3", "1 5", "8 2")


@dataclass(frozen=True)
class Series:
    """One line: points (x, y) in data units. `fitted` draws it dashed without markers."""

    name: str
    points: Sequence[tuple[float, float]]
    fitted: bool = False
    markers: bool = True


@dataclass(frozen=True)
class Band:
    """A shaded band (x, low, high), e.g. a 95% interval around a fitted line."""

    name: str
    points: Sequence[tuple[float, float, float]]


@dataclass(frozen=True)
class Axis:
    """`ticks`: (value, label); a label may have a second line after a newline."""

    low: float
    high: float
    ticks: Sequence[tuple[float, str]] = field(default_factory=tuple)


LINE_HEIGHT = 15


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def _tick_text(x: str, y: float, label: str) -> str:
    """A centred tick label under the axis, one <tspan> per line."""
    lines = label.split("\n")
    spans = "".join(
        f'<tspan x="{x}" dy="{0 if i == 0 else LINE_HEIGHT}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text class="tick" x="{x}" y="{y:.0f}" text-anchor="middle">{spans}</text>'


def line_chart(
    *,
    title: str,
    desc: str,
    x: Axis,
    y: Axis,
    series: Sequence[Series],
    bands: Sequence[Band] = (),
    width: int = 560,
    height: int = 260,
    y_label: str = "",
) -> Markup:
    """A line chart scaled to `x` and `y`; it scales with its container (viewBox)."""
    n = next(_ids)
    lines = max((label.count("\n") + 1 for _value, label in x.ticks), default=1)
    legend = len(series) + len(bands) > 1 or any(s.fitted for s in series)
    # Room for a second line of tick labels, and for the legend under them.
    extra = LINE_HEIGHT * (lines - 1) + (8 if legend else 0)
    left, right, top, bottom = 48, 16, 16, 44 + extra
    height += extra
    plot_w, plot_h = width - left - right, height - top - bottom
    x_span = (x.high - x.low) or 1.0
    y_span = (y.high - y.low) or 1.0

    def px(value: float) -> float:
        return left + (value - x.low) / x_span * plot_w

    def py(value: float) -> float:
        return top + (1 - (value - y.low) / y_span) * plot_h

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart-{n}-title chart-{n}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-{n}-title">{escape(title)}</title>',
        f'<desc id="chart-{n}-desc">{escape(desc)}</desc>',
        '<g class="chart-grid" aria-hidden="true">',
    ]
    for value, label in y.ticks:
        yy = _fmt(py(value))
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{yy}" y2="{yy}"/>')
        parts.append(
            f'<text class="tick" x="{left - 6}" y="{yy}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(label)}</text>'
        )
    for value, label in x.ticks:
        parts.append(_tick_text(_fmt(px(value)), height - bottom + 18, label))
    if y_label:
        parts.append(
            f'<text class="axis-label" x="12" y="{top + plot_h / 2:.1f}" text-anchor="middle" '
            f'transform="rotate(-90 12 {top + plot_h / 2:.1f})">{escape(y_label)}</text>'
        )
    parts.append(
        f'<line class="axis" x1="{left}" x2="{width - right}" y1="{top + plot_h}" '
        f'y2="{top + plot_h}"/></g>'
    )
    for index, band in enumerate(bands):
        if not band.points:
            continue
        upper = [f"{_fmt(px(a))},{_fmt(py(hi))}" for a, _lo, hi in band.points]
        lower = [f"{_fmt(px(a))},{_fmt(py(lo))}" for a, lo, _hi in reversed(band.points)]
        colour = COLOURS[index % len(COLOURS)]
        parts.append(
            f'<polygon class="chart-band" fill="{colour}" fill-opacity="0.15" stroke="none" '
            f'points="{" ".join(upper + lower)}" aria-hidden="true"/>'
        )
    for index, line in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        dash = "6 4" if line.fitted else DASHES[index % len(DASHES)]
        coords = " ".join(f"{_fmt(px(a))},{_fmt(py(b))}" for a, b in line.points)
        if len(line.points) > 1:
            parts.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="{2 if line.fitted else 3}" '
                + (f'stroke-dasharray="{dash}" ' if dash else "")
                + f'points="{coords}" aria-hidden="true"/>'
            )
        if line.markers and not line.fitted:
            for a, b in line.points:
                parts.append(
                    f'<circle cx="{_fmt(px(a))}" cy="{_fmt(py(b))}" r="5" fill="#fff" '
                    f'stroke="{colour}" stroke-width="3" aria-hidden="true"/>'
                )
    if legend:
        parts.append(_legend(series, bands, left, height - 14))
    parts.append("</svg>")
    return Markup("".join(parts))


def _legend(series: Sequence[Series], bands: Sequence[Band], x0: int, y0: float) -> str:
    out = ['<g class="chart-legend" aria-hidden="true">']
    x = float(x0)
    for index, line in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        dash = "6 4" if line.fitted else DASHES[index % len(DASHES)]
        out.append(
            f'<line x1="{x:.0f}" x2="{x + 22:.0f}" y1="{y0 - 4:.0f}" y2="{y0 - 4:.0f}" '
            f'stroke="{colour}" stroke-width="3"'
            + (f' stroke-dasharray="{dash}"' if dash else "")
            + "/>"
        )
        out.append(f'<text x="{x + 28:.0f}" y="{y0:.0f}">{escape(line.name)}</text>')
        x += 40 + 7.5 * len(line.name)
    for index, band in enumerate(bands):
        colour = COLOURS[index % len(COLOURS)]
        out.append(
            f'<rect x="{x:.0f}" y="{y0 - 10:.0f}" width="22" height="12" fill="{colour}" '
            'fill-opacity="0.15"/>'
        )
        out.append(f'<text x="{x + 28:.0f}" y="{y0:.0f}">{escape(band.name)}</text>')
        x += 40 + 7.5 * len(band.name)
    out.append("</g>")
    return "".join(out)


def bar_chart(
    *,
    title: str,
    desc: str,
    bars: Sequence[tuple[str, float | None]],
    width: int = 560,
    height: int = 200,
) -> Markup:
    """Vertical bars with their labels under them (an empty label leaves a bar unlabelled,
    for a long run of bars); a None bar (suppressed, unknown) is left empty and marked with a
    dash."""
    n = next(_ids)
    left, right, top, bottom = 16, 16, 20, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    high = max([v for _label, v in bars if v is not None] + [1.0])
    slot = plot_w / max(len(bars), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart-{n}-title chart-{n}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-{n}-title">{escape(title)}</title>',
        f'<desc id="chart-{n}-desc">{escape(desc)}</desc>',
        '<g aria-hidden="true">',
        f'<line class="axis" x1="{left}" x2="{width - right}" y1="{top + plot_h}" '
        f'y2="{top + plot_h}"/>',
    ]
    for index, (label, value) in enumerate(bars):
        cx = left + slot * (index + 0.5)
        if value is None:
            parts.append(
                f'<text class="tick" x="{cx:.1f}" y="{top + plot_h - 6}" '
                'text-anchor="middle">\u2013</text>'
            )
        else:
            h = value / high * plot_h
            parts.append(
                f'<rect fill="{COLOURS[0]}" x="{cx - slot * 0.3:.1f}" y="{top + plot_h - h:.1f}" '
                f'width="{slot * 0.6:.1f}" height="{h:.1f}"/>'
            )
            parts.append(
                f'<text class="tick" x="{cx:.1f}" y="{top + plot_h - h - 4:.1f}" '
                f'text-anchor="middle">{value:g}</text>'
            )
        if label:
            parts.append(_tick_text(f"{cx:.1f}", height - bottom + 18, label))
    parts.append("</g></svg>")
    return Markup("".join(parts))
