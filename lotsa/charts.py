"""Pictures rendered on the server as SVG: no script, no internet, readable by a screen reader.

Each chart is an ``<svg role="img">`` with a title and a description, and every caller also shows the
numbers as a table, so the picture is for people who look and the table for people who read.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

# Distinguishable on white and for the common colour-vision deficiencies (Okabe & Ito).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]


@dataclass(frozen=True)
class Series:
    label: str
    values: list[int]


def stacked_bars(*, title: str, description: str, columns: list[str], series: list[Series]) -> SafeString:
    """Bars per column (a week, a year), stacked by series (an organisation), with a legend."""
    width, height, left, bottom, top = 640, 240, 40, 40, 12
    plot_w, plot_h = width - left - 10, height - top - bottom
    totals = [sum(s.values[i] for s in series) for i in range(len(columns))]
    peak = max(totals, default=0) or 1
    step = plot_w / max(len(columns), 1)
    bar = max(step * 0.7, 1)
    parts = []
    for i, column in enumerate(columns):
        x, y = left + i * step + (step - bar) / 2, top + plot_h
        for n, s in enumerate(series):
            value = s.values[i]
            if not value:
                continue
            h = plot_h * value / peak
            y -= h
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {} ({})</title></rect>',
                    _n(x),
                    _n(y),
                    _n(bar),
                    _n(h),
                    PALETTE[n % len(PALETTE)],
                    column,
                    value,
                    s.label,
                )
            )
        if len(columns) <= 16 or i % max(len(columns) // 12, 1) == 0:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" font-size="10" text-anchor="middle">{}</text>',
                    _n(left + i * step + step / 2),
                    height - bottom + 14,
                    column,
                )
            )
    axis = format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#555"/>'
        '<text x="{}" y="{}" font-size="10" text-anchor="end">{}</text>'
        '<text x="{}" y="{}" font-size="10" text-anchor="end">0</text>',
        left,
        top + plot_h,
        width - 10,
        top + plot_h,
        left - 4,
        top + 10,
        peak,
        left - 4,
        top + plot_h,
    )
    legend = format_html_join(
        "",
        '<rect x="{}" y="{}" width="10" height="10" fill="{}"/><text x="{}" y="{}" font-size="11">{}</text>',
        (
            (
                left + (n % 3) * 200,
                height - 18 + (n // 3) * 14,
                PALETTE[n % len(PALETTE)],
                left + (n % 3) * 200 + 14,
                height - 9 + (n // 3) * 14,
                s.label[:30],
            )
            for n, s in enumerate(series)
        ),
    )
    rows = (len(series) + 2) // 3
    return format_html(
        '<svg class="chart" role="img" aria-labelledby="{id}-t {id}-d" viewBox="0 0 {w} {h}" '
        'xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{title}</title><desc id="{id}-d">{desc}</desc>'
        "{axis}{bars}{legend}</svg>",
        id=_slug(title),
        w=width,
        h=height + max(rows - 1, 0) * 14,
        title=title,
        desc=description,
        axis=axis,
        bars=format_html_join("", "{}", ((part,) for part in parts)),
        legend=legend,
    )


def _n(value: float) -> str:
    return f"{value:.1f}"


def _slug(text: str) -> str:
    return "chart-" + "".join(c if c.isalnum() else "-" for c in text.lower())[:40]


@dataclass(frozen=True)
class Line:
    label: str
    values: list[float | None]  # None: not shown (the line breaks there)


def lines(
    *,
    title: str,
    description: str,
    columns: list[str],
    series: list[Line],
    maximum: float = 100,
    unit: str = "",
) -> SafeString:
    """Trend lines over columns (years), one per series, on a fixed scale (0 to ``maximum``); a value
    that is not shown leaves a gap, never a zero."""
    width, height, left, bottom, top = 640, 220, 44, 40, 12
    plot_w, plot_h = width - left - 20, height - top - bottom
    step = plot_w / max(len(columns) - 1, 1)

    def point(i: int, value: float) -> tuple[float, float]:
        return left + i * step, top + plot_h - plot_h * min(value, maximum) / (maximum or 1)

    parts = []
    for n, s in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        run: list[tuple[float, float]] = []
        for i, value in enumerate([*s.values, None]):
            if value is not None:
                run.append(point(i, value))
                continue
            if len(run) > 1:
                parts.append(
                    format_html(
                        '<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>',
                        " ".join(f"{_n(x)},{_n(y)}" for x, y in run),
                        colour,
                    )
                )
            run = []
        for i, value in enumerate(s.values):
            if value is None:
                continue
            x, y = point(i, value)
            parts.append(
                format_html(
                    '<circle cx="{}" cy="{}" r="4" fill="{}"><title>{}, {}: {}{}</title></circle>',
                    _n(x),
                    _n(y),
                    colour,
                    s.label,
                    columns[i],
                    value,
                    unit,
                )
            )
    for i, column in enumerate(columns):
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="10" text-anchor="middle">{}</text>',
                _n(left + i * step),
                height - bottom + 14,
                column,
            )
        )
    axis = format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#555"/>'
        '<text x="{}" y="{}" font-size="10" text-anchor="end">{}{}</text>'
        '<text x="{}" y="{}" font-size="10" text-anchor="end">0</text>',
        left,
        top + plot_h,
        width - 10,
        top + plot_h,
        left - 4,
        top + 10,
        _n(maximum).removesuffix(".0"),
        unit,
        left - 4,
        top + plot_h,
    )
    legend = format_html_join(
        "",
        '<rect x="{}" y="{}" width="10" height="10" fill="{}"/><text x="{}" y="{}" font-size="11">{}</text>',
        (
            (
                left + (n % 2) * 300,
                height - 18 + (n // 2) * 14,
                PALETTE[n % len(PALETTE)],
                left + (n % 2) * 300 + 14,
                height - 9 + (n // 2) * 14,
                s.label[:45],
            )
            for n, s in enumerate(series)
        ),
    )
    rows = (len(series) + 1) // 2
    return format_html(
        '<svg class="chart" role="img" aria-labelledby="{id}-t {id}-d" viewBox="0 0 {w} {h}" '
        'xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{title}</title><desc id="{id}-d">{desc}</desc>'
        "{axis}{parts}{legend}</svg>",
        id=_slug(title),
        w=width,
        h=height + max(rows - 1, 0) * 14,
        title=title,
        desc=description,
        axis=axis,
        parts=format_html_join("", "{}", ((part,) for part in parts)),
        legend=legend,
    )
