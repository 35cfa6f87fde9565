"""Pictures rendered on the server as SVG: no script, no internet, readable by a screen reader.

Each chart is an ``<svg role="img">`` with a title and a description, and every caller also shows the
numbers as a table, so the picture is for people who look and the table for people who read.
"""

from __future__ import annotations

import hashlib
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
    labels = [s.label for s in series]
    legend, rows = _legend(labels, left=left, top=height - 18, per_row=3, width=200, chars=30)
    return _svg(title, description, width, height + max(rows - 1, 0) * 14, axis, *parts, legend)


def _legend(labels: list[str], *, left, top, per_row: int, width: int, chars: int) -> tuple[SafeString, int]:
    """A colour key, ``per_row`` labels a row; returns it and how many rows it takes."""
    legend = format_html_join(
        "",
        '<rect x="{}" y="{}" width="10" height="10" fill="{}"/><text x="{}" y="{}" font-size="11">{}</text>',
        (
            (
                left + (n % per_row) * width,
                top + (n // per_row) * 14,
                PALETTE[n % len(PALETTE)],
                left + (n % per_row) * width + 14,
                top + 9 + (n // per_row) * 14,
                label[:chars],
            )
            for n, label in enumerate(labels)
        ),
    )
    return legend, (len(labels) + per_row - 1) // per_row


def _svg(title: str, description: str, width, height, *parts) -> SafeString:
    """The picture: its title and description for a screen reader, and its parts in order."""
    return format_html(
        '<svg class="chart" role="img" aria-labelledby="{id}-t {id}-d" viewBox="0 0 {w} {h}" '
        'xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{title}</title><desc id="{id}-d">{desc}</desc>'
        "{parts}</svg>",
        id=_slug(title),
        w=width,
        h=height,
        title=title,
        desc=description,
        parts=format_html_join("", "{}", ((part,) for part in parts)),
    )


def _n(value: float) -> str:
    return f"{value:.1f}"


def _slug(text: str) -> str:
    # Readable, and unique on a page even where two titles begin alike.
    digest = hashlib.blake2s(text.encode(), digest_size=4).hexdigest()
    return "chart-" + "".join(c if c.isalnum() else "-" for c in text.lower())[:32] + "-" + digest


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
    # One series a line: the labels (an indicator's title) are long and often begin alike.
    labels = [s.label for s in series]
    legend, rows = _legend(labels, left=left, top=height - 18, per_row=1, width=0, chars=90)
    return _svg(title, description, width, height + max(rows - 1, 0) * 14, axis, *parts, legend)


def share_bars(
    *, title: str, description: str, rows: list[tuple[str, int | None]], missing: str
) -> SafeString:
    """Horizontal bars of shares in per cent (0 to 100), one per row (a district, the whole city); a
    share that is not shown gets no bar, only the word ``missing``, never a zero."""
    width, label_w, bar_h, gap, top = 640, 260, 16, 8, 8
    plot_w = width - label_w - 60
    height = top * 2 + len(rows) * (bar_h + gap)
    parts = []
    for i, (label, share) in enumerate(rows):
        y = top + i * (bar_h + gap)
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="11" text-anchor="end">{}</text>',
                label_w - 8,
                _n(y + bar_h - 4),
                label[:42],
            )
        )
        if share is None:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" font-size="11" fill="#555">{}</text>',
                    label_w,
                    _n(y + bar_h - 4),
                    missing,
                )
            )
            continue
        w = plot_w * min(max(share, 0), 100) / 100
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {} %</title></rect>'
                '<text x="{}" y="{}" font-size="11">{} %</text>',
                label_w,
                _n(y),
                _n(w),
                bar_h,
                PALETTE[0],
                label,
                share,
                _n(label_w + w + 4),
                _n(y + bar_h - 4),
                share,
            )
        )
    axis = format_html(
        '<line x1="{x}" y1="{t}" x2="{x}" y2="{b}" stroke="#555"/>'
        '<line x1="{e}" y1="{t}" x2="{e}" y2="{b}" stroke="#bbb" stroke-dasharray="3 3"/>',
        x=label_w,
        e=label_w + plot_w,
        t=top,
        b=height - top,
    )
    return _svg(title, description, width, height, axis, *parts)
