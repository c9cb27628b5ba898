"""Server-rendered SVG charts for the dashboard (issue 11): no chart library and no
JavaScript needed to read them. Pure functions returning markup; every piece of text is
escaped here. The same numbers are always in a table next to the chart (the SVG is
`aria-hidden`: screen readers read the table).

Coordinates are physical: each chart is `direction="ltr"` inside (so `text-anchor`
means left or right, not start or end of an Arabic page) and mirrors itself when
`rtl` is set, the first day or the label names on the right."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

BAR_HEIGHT = 160
LABEL_WIDTH = 130


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"


def column_chart(
    points: Sequence[tuple[str, float]],
    *,
    title: str,
    rtl: bool = False,
    width: int = 640,
    css_class: str = "chart-bar",
) -> str:
    """Vertical bars, one per point (a day, say), the first at the start side (the right
    in a right-to-left page), with the largest value written at the top of the axis."""
    count = max(len(points), 1)
    top = max((value for _label, value in points), default=0) or 1
    plot_height = BAR_HEIGHT - 30
    slot = (width - 40) / count
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {BAR_HEIGHT}" width="100%" '
        f'role="img" aria-hidden="true" focusable="false" direction="ltr" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line class="chart-axis" x1="20" y1="{plot_height + 5}" x2="{width - 20}" '
        f'y2="{plot_height + 5}"/>',
        f'<text class="chart-text" x="{width - 22 if rtl else 22}" y="12" '
        f'text-anchor="{"end" if rtl else "start"}">{escape(_number(top))}</text>',
    ]
    for i, (label, value) in enumerate(points):
        height = plot_height * value / top
        x = 20 + i * slot
        if rtl:
            x = width - 20 - (i + 1) * slot
        parts.append(
            f'<rect class="{css_class}" x="{x + slot * 0.15:.1f}" '
            f'y="{plot_height + 5 - height:.1f}" '
            f'width="{slot * 0.7:.1f}" height="{height:.1f}"><title>{escape(label)}: '
            f"{escape(_number(value))}</title></rect>"
        )
    # First and last labels under the axis, so the reader knows the period.
    if points:
        first_x, last_x = (width - 20, 20) if rtl else (20, width - 20)
        parts.append(
            f'<text class="chart-text" x="{first_x}" y="{BAR_HEIGHT - 4}" '
            f'text-anchor="{"end" if rtl else "start"}">{escape(points[0][0])}</text>'
        )
        parts.append(
            f'<text class="chart-text" x="{last_x}" y="{BAR_HEIGHT - 4}" '
            f'text-anchor="{"start" if rtl else "end"}">{escape(points[-1][0])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def score_bars(
    rows: Sequence[tuple[str, Sequence[float | None]]],
    *,
    title: str,
    series: Sequence[str],
    rtl: bool = False,
    width: int = 640,
) -> str:
    """Horizontal bars of scores between 0 and 1: one group per row (a label), one bar
    per series (exact F1, overlap F1), the row's name at the start side. A missing score
    draws no bar and writes "—"."""
    bar = 12
    group = bar * len(series) + 10
    height = max(group * len(rows), group) + 10
    plot = width - LABEL_WIDTH - 60
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-hidden="true" focusable="false" direction="ltr" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (name, values) in enumerate(rows):
        y = 5 + i * group
        name_x = width - 5 if rtl else 5
        parts.append(
            f'<text class="chart-text" x="{name_x}" y="{y + group / 2:.1f}" '
            f'text-anchor="{"end" if rtl else "start"}">{escape(name)}</text>'
        )
        for k, value in enumerate(values):
            length = plot * (value or 0)
            by = y + k * bar
            start = width - LABEL_WIDTH - length if rtl else LABEL_WIDTH
            parts.append(
                f'<rect class="chart-series-{k}" x="{start:.1f}" y="{by}" width="{length:.1f}" '
                f'height="{bar - 2}"><title>{escape(name)} {escape(series[k])}: '
                f"{'—' if value is None else f'{value:.2f}'}</title></rect>"
            )
            text_x = start - 4 if rtl else start + length + 4
            parts.append(
                f'<text class="chart-text chart-text--small" x="{text_x:.1f}" y="{by + bar - 3}" '
                f'text-anchor="{"end" if rtl else "start"}">'
                f"{'—' if value is None else f'{value:.2f}'}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)
