"""Charts drawn as SVG (REP-05): the page and the PDF show the same drawing, its numbers in the
reader's language (``1,25`` in Czech), written by the ``number`` the caller passes (``Wording.number``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

WIDTH, HEIGHT = 900, 280
LEFT, BOTTOM, TOP = 48, 40, 28
COLOURS = ("#2f6fb0", "#c8463d", "#5f9e4f", "#c99a2e")


def bars(
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    number: Callable[[float], str],
) -> str:
    """Grouped columns: one group per category, one column per series (name, values); ``number``
    writes an axis or bar value in the reader's language."""
    top = max((v for _name, values in series for v in values), default=0) or 1
    scale = 4 * _nice(top / 4)  # four whole steps of 1, 2 or 5 times a power of ten: 0, 2, 4, 6, 8
    plot_w, plot_h = WIDTH - LEFT - 10, HEIGHT - BOTTOM - TOP
    group_w = plot_w / max(1, len(categories))
    bar_w = max(1.0, group_w * 0.8 / max(1, len(series)))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" font-family="DejaVu Sans, sans-serif" font-size="11">',
        f'<text x="{LEFT}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    for step in range(5):
        value = scale * step / 4
        y = TOP + plot_h - plot_h * step / 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{number(value)}</text>')
    label_every = max(1, len(categories) // 24)
    for i, category in enumerate(categories):
        x0 = LEFT + i * group_w + group_w * 0.1
        for j, (_name, values) in enumerate(series):
            value = values[i] if i < len(values) else 0
            h = plot_h * value / scale
            x = x0 + j * bar_w
            colour = COLOURS[j % len(COLOURS)]
            parts.append(
                f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{colour}"><title>{escape(category)}: {number(value)}</title></rect>'
            )
        if i % label_every == 0:
            parts.append(
                f'<text x="{LEFT + (i + 0.5) * group_w:.1f}" y="{HEIGHT - BOTTOM + 16}" '
                f'text-anchor="middle">{escape(category)}</text>'
            )
    for j, (name, _values) in enumerate(series):
        x = LEFT + j * 170
        parts.append(
            f'<rect x="{x}" y="{HEIGHT - 14}" width="10" height="10" fill="{COLOURS[j % len(COLOURS)]}"/>'
        )
        parts.append(f'<text x="{x + 14}" y="{HEIGHT - 5}">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _nice(top: float) -> float:
    """1, 2 or 5 times a power of ten (at least 1), at least ``top``: an axis step."""
    magnitude = 1.0
    while magnitude * 10 < top:
        magnitude *= 10
    for step in (1, 2, 5, 10):
        if step * magnitude >= top:
            return step * magnitude
    return 10 * magnitude
