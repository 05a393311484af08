"""Inline SVG charts for the HTML report: pure functions from data to markup, no library, no URL.

The markup is meant to be embedded in HTML5 (no XML prolog, no namespace attributes). Every text that
comes from data is escaped. Points carry a ``<title>`` so a browser shows the value on hover.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

__all__ = ["PALETTE", "ChartSeries", "line_chart", "progress_bar", "sparkline_svg"]

# Colour-blind-safe (Okabe-Ito, then Tableau) and distinct enough for ten lines.
PALETTE = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7",
    "#56B4E9", "#8C564B", "#F0E442", "#7F7F7F", "#17BECF",
)


@dataclass(frozen=True)
class ChartSeries:
    label: str
    points: tuple[tuple[datetime, float], ...]  # oldest first, values in percent


def _fmt_date(t: datetime, span: timedelta) -> str:
    if span <= timedelta(days=1):
        return t.strftime("%H:%M")
    return t.strftime("%Y-%m") if span > timedelta(days=400) else t.strftime("%b %d")


_DAY_STEPS = (1, 2, 3, 7, 14, 30, 61, 91, 182, 365)


def _ticks(lo: datetime, hi: datetime, most: int = 7) -> list[datetime]:
    """Axis ticks a person reads easily: midnights a whole number of days apart within [lo, hi];
    evenly spaced times for a span under two days."""
    if hi <= lo:
        return [lo]
    span = hi - lo
    if span < timedelta(days=2):
        step = span / 4
        return [lo + step * i for i in range(5)]
    days = span.total_seconds() / 86400
    step_days = next((d for d in _DAY_STEPS if days / d <= most), _DAY_STEPS[-1])
    first = (lo + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    if lo.hour == lo.minute == lo.second == lo.microsecond == 0:
        first = lo
    ticks, t = [], first
    while t <= hi:
        ticks.append(t)
        t += timedelta(days=step_days)
    return ticks or [lo]


def line_chart(
    series: Sequence[ChartSeries],
    *,
    title: str,
    chart_id: str,
    width: int = 1000,
    height: int = 280,
    y_max: float = 100.0,
    unit: str = "%",
) -> str:
    """A multi-line time chart with axes, grid, legend and hover titles. Empty series draw a note."""
    left, right, top, bottom = 48, 36, 16, 34
    legend_rows = (len(series) + 2) // 3
    legend_h = 18 * legend_rows + 6 if len(series) > 1 else 0
    total_h = height + legend_h
    plot_w, plot_h = width - left - right, height - top - bottom
    times = [t for s in series for t, _ in s.points]
    out = [
        f'<svg class="chart" id="{escape(chart_id)}" role="img" viewBox="0 0 {width} {total_h}" '
        f'width="{width}" height="{total_h}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    # Horizontal grid and y labels.
    for i in range(5):
        value = y_max * i / 4
        y = top + plot_h - plot_h * i / 4
        out.append(f'<line class="grid" x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{value:g}{unit}</text>')
    if not times:
        out.append(
            f'<text class="empty" x="{left + plot_w / 2}" y="{top + plot_h / 2}" text-anchor="middle">'
            "no audits in this period</text></svg>"
        )
        return "".join(out)
    lo, hi = min(times), max(times)
    span = hi - lo
    seconds = span.total_seconds() or 1.0

    def x_of(t: datetime) -> float:
        # A single audit sits in the middle rather than on the axis.
        return left + (plot_w / 2 if span.total_seconds() == 0 else plot_w * (t - lo).total_seconds() / seconds)

    def y_of(v: float) -> float:
        return top + plot_h - plot_h * max(0.0, min(v, y_max)) / y_max

    ticks = _ticks(lo, hi) if span.total_seconds() else [lo]
    for t in ticks:
        x = x_of(t)
        # Labels near the plot's edges align with them so that none is cut off.
        anchor = "start" if x - left < 30 else "end" if left + plot_w - x < 30 else "middle"
        out.append(f'<line class="tick" x1="{x:.1f}" x2="{x:.1f}" y1="{top + plot_h}" y2="{top + plot_h + 4}"/>')
        out.append(
            f'<text class="axis" x="{x:.1f}" y="{top + plot_h + 18}" text-anchor="{anchor}">'
            f"{escape(_fmt_date(t, span))}</text>"
        )
    out.append(f'<line class="axis-line" x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}"/>')
    for index, s in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        coords = [(x_of(t), y_of(v), t, v) for t, v in s.points]
        if len(coords) > 1:
            path = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y, _, _) in enumerate(coords))
            out.append(f'<path class="series" data-label="{escape(s.label)}" d="{path}" stroke="{colour}"/>')
        for x, y, t, v in coords:
            out.append(
                f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                f"<title>{escape(s.label)}: {v:.1f}{unit} on {t:%Y-%m-%d %H:%M} UTC</title></circle>"
            )
    if len(series) > 1:
        for index, s in enumerate(series):
            col, row = index % 3, index // 3
            x, y = left + col * (plot_w / 3), height + 4 + row * 18
            colour = PALETTE[index % len(PALETTE)]
            label = s.label if len(s.label) <= 34 else s.label[:33] + "…"
            out.append(
                f'<g class="legend"><rect x="{x:.1f}" y="{y:.1f}" width="12" height="12" rx="2" fill="{colour}"/>'
                f'<text x="{x + 17:.1f}" y="{y + 10:.1f}">{escape(label)}</text></g>'
            )
    out.append("</svg>")
    return "".join(out)


def sparkline_svg(values: Sequence[float], *, width: int = 120, height: int = 24, y_max: float = 100.0) -> str:
    """A small trend line for a table cell; the last point is marked."""
    if not values:
        return ""
    pad = 3
    n = len(values)
    xs = [pad + (width - 2 * pad) * (i / (n - 1) if n > 1 else 0.5) for i in range(n)]
    ys = [pad + (height - 2 * pad) * (1 - max(0.0, min(v, y_max)) / y_max) for v in values]
    path = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(zip(xs, ys, strict=True)))
    return (
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" aria-hidden="true">'
        f'<path d="{path}"/><circle cx="{xs[-1]:.1f}" cy="{ys[-1]:.1f}" r="2.5"/></svg>'
    )


def progress_bar(enforced: int, with_mfa: int, total: int, *, width: int = 320, height: int = 16) -> str:
    """Stacked bar: enforced, MFA but not yet enforced, without MFA."""
    if total <= 0:
        return ""
    enforced = min(enforced, total)
    ready = max(0, min(with_mfa, total) - enforced)
    w_enf = width * enforced / total
    w_ready = width * ready / total
    return (
        f'<svg class="progress" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{enforced} enforced, {ready} ready, {total - enforced - ready} without MFA">'
        f'<rect class="todo" x="0" y="0" width="{width}" height="{height}" rx="3"/>'
        f'<rect class="ready" x="{w_enf:.1f}" y="0" width="{w_ready:.1f}" height="{height}"/>'
        f'<rect class="enforced" x="0" y="0" width="{w_enf:.1f}" height="{height}"/></svg>'
    )
