"""What every benchmark row is made of, shared by the measuring modules."""

from __future__ import annotations


def percentile(samples, q):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def row(number, what, figure, unit, baseline="", baseline_figure=None, ratio=None, note="", **extra):
    return {
        "row": number,
        "what": what,
        "figure": figure,
        "unit": unit,
        "baseline": baseline,
        "baseline_figure": baseline_figure,
        "ratio": ratio,
        "note": note,
        **extra,
    }
