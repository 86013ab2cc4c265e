"""Charts as SVG written by our code: text is real text (the reader's font, so γ and ᾱ render), sized so
that at a phone's column width (358 px of a 440-unit view box) no text is below 11 px.

`loss_chart(record)` draws training.json's per-step loss (log scale) and its moving average;
`evaluation_chart(record)` draws eval.json's per-digit CFG accuracy and unconditional class shares with
their targets. Labels sit beside the plot area, never on the bars.
"""

from __future__ import annotations

import math
from typing import Any, Sequence
from xml.sax.saxutils import escape

from generator.modes.training import smooth


WIDTH = 440  # view box width; shown at most 30rem wide, at least a phone's column
FONT = 14  # user units: 14 × 358 / 440 = 11.4 px on a 390 px phone
LEFT, RIGHT, TOP, BOTTOM = 52, 24, 30, 44
INK, MUTED, GRID, LINE, FAINT, TARGET = "#1f2328", "#5c6470", "#dfe2e6", "#2f5d8a", "#a9bfd8", "#b3261e"


def _svg(height: int, body: list[str], title: str) -> bytes:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
        f'height="{height}" font-family="system-ui, \'DejaVu Sans\', sans-serif" font-size="{FONT}" '
        f'role="img"><title>{escape(title)}</title><rect width="100%" height="100%" fill="#fff"/>'
    )
    return (head + "".join(body) + "</svg>\n").encode("utf-8")


def _text(x: float, y: float, s: str, anchor: str = "start", fill: str = MUTED, size: int = FONT) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}"'
        + (f' font-size="{size}"' if size != FONT else "")
        + f">{escape(s)}</text>"
    )


def _thin(values: Sequence[float], n: int = 400) -> list[tuple[int, float]]:
    step = max(1, len(values) // n)
    return [(i, values[i]) for i in range(0, len(values), step)] + [(len(values) - 1, values[-1])]


def loss_chart(record: dict[str, Any]) -> bytes:
    """Per-step training loss (faint), its 50-step moving average (bold), log scale; a grid line per epoch."""
    loss = [float(v) for v in record["step_loss"]]
    height = 260
    x0, x1, y0, y1 = LEFT, WIDTH - RIGHT, height - BOTTOM, TOP
    low, high = math.log10(min(loss)), math.log10(max(loss))
    x = lambda i: x0 + (x1 - x0) * i / max(1, len(loss) - 1)  # noqa: E731
    y = lambda v: y0 - (y0 - y1) * (math.log10(v) - low) / max(1e-9, high - low)  # noqa: E731
    body = []
    for decade in range(math.floor(low), math.ceil(high) + 1):
        for v in (10**decade, 2 * 10**decade, 5 * 10**decade):
            if low <= math.log10(v) <= high:
                body += [
                    f'<line x1="{x0}" x2="{x1}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="{GRID}"/>',
                    _text(x0 - 6, y(v) + 5, f"{v:g}", "end"),
                ]
    ticks = _ticks(len(loss))
    for t in ticks:
        body += [
            f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{y0}" y2="{y0 + 4}" stroke="{MUTED}"/>',
            _text(x(t), y0 + 19, f"{t:,}", "middle"),
        ]
    for name, values, colour, width in (("per step", loss, FAINT, 1), ("average", smooth(loss, 50), LINE, 2.5)):
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in _thin(values))
        body.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="{width}"/>')
    body += [
        _text(x0, 18, "loss: MSE of the predicted noise ε (log scale)", fill=INK),
        _text((x0 + x1) / 2, height - 6, "training step", "middle"),
    ]
    return _svg(height, body, "Training loss per step and its moving average")


def _ticks(n: int) -> list[int]:
    """Three to five round tick positions on [0, n)."""
    step = 10 ** math.floor(math.log10(max(1, n))) / 2
    while n / step > 5:
        step *= 2
    return [int(k * step) for k in range(int(n // step) + 1) if k * step < n]


def evaluation_chart(record: dict[str, Any]) -> bytes:
    """Two bar charts: how often guided samples read as their digit (target ≥ 95%), and the class shares of
    unguided samples (target: none above 20%)."""
    cfg = {str(k): float(v) for k, v in record["cfg"]["per_digit"].items()}
    shares = {str(k): float(v) for k, v in record["unconditional"]["shares"].items()}
    guidance = record["cfg"].get("guidance")
    panels = [
        (f"read as the prompted digit (γ = {guidance:g})", cfg, 0.95, "target 95%", (0, 0.5, 1.0)),
        ("share of unguided samples", shares, 0.20, "limit 20%", (0, 0.1, 0.2, 0.3)),
    ]
    body, y = [], 0
    for title, values, target, label, ticks in panels:
        body += _bar_panel(y, title, values, target, label, ticks)
        y += 200
    return _svg(y, body, "Evaluation of the digits model by a separate classifier")


def _bar_panel(
    y_off: int, title: str, values: dict[str, float], target: float, label: str, ticks: Sequence[float]
) -> list[str]:
    """One bar per digit (0 to the last tick), a dashed red target line; the target's label beside the title."""
    x0, x1, y0, y1 = LEFT, WIDTH - RIGHT, y_off + 170, y_off + 40
    top = ticks[-1]
    y = lambda v: y0 - (y0 - y1) * min(v, top) / top  # noqa: E731
    slot = (x1 - x0) / len(values)
    body = [_text(x0, y_off + 20, title, fill=INK), _text(x1, y_off + 20, label, "end", fill=TARGET)]
    for frac in ticks:
        body += [
            f'<line x1="{x0}" x2="{x1}" y1="{y(frac):.1f}" y2="{y(frac):.1f}" stroke="{GRID}"/>',
            _text(x0 - 6, y(frac) + 5, f"{frac:.0%}", "end"),
        ]
    for k, (digit, v) in enumerate(values.items()):
        left = x0 + k * slot + slot * 0.15
        body += [
            f'<rect x="{left:.1f}" y="{y(v):.1f}" width="{slot * 0.7:.1f}" height="{y0 - y(v):.1f}" '
            f'fill="{LINE}"><title>{escape(digit)}: {v:.1%}</title></rect>',
            _text(left + slot * 0.35, y0 + 18, digit, "middle"),
        ]
    body.append(
        f'<line x1="{x0}" x2="{x1}" y1="{y(target):.1f}" y2="{y(target):.1f}" stroke="{TARGET}" '
        f'stroke-width="1.5" stroke-dasharray="5 3"/>'
    )
    return body


# The charts a mode may name as its `chart`: how to draw its record, and the chart in words (alt text).
CHARTS = {
    "loss": (loss_chart, "training loss per step (faint) and its moving average (bold), log scale"),
    "evaluation": (
        evaluation_chart,
        "bar charts: guided samples read as their digit, per digit; class shares of unguided samples",
    ),
}
