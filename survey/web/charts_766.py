"""SVG charts of the Decision 766 dashboard, in the manner of :mod:`survey.web.charts`.

Self-contained ``<svg role="img">`` with ``<title>`` and ``<desc>``, a text
label on every value, presentation attributes only (the Content-Security-Policy
holds) and all text escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from survey.web.charts import GRID, INK, MUTED, NEUTRAL, _f, _open


def month_bars(months: Sequence[tuple[str, float | None]], *, maximum: float, chart_id: str, title: str,
               desc: str, fmt: Callable[[float], str], not_applicable: str, width: int = 760,
               height: int = 260) -> Markup:
    """Points of each month (oldest first) as bars on a 0 – ``maximum`` axis, the value written above each bar.

    ``months``: (label such as "11/2026", points or None); a month without points shows "—" and
    ``not_applicable`` in its tooltip. ``fmt`` writes the points in the user's locale (4,91).
    """
    left, right, top, bottom = 44, 12, 28, 40
    inner_w, inner_h = width - left - right, height - top - bottom
    slot = inner_w / max(1, len(months))

    def y(value: float) -> float:
        return top + inner_h * (1 - min(max(value, 0.0), maximum) / maximum)

    out = _open(chart_id, width, height, title, desc)
    step = maximum / 3
    for k in range(4):
        tick = step * k
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{_f(y(tick))}" y2="{_f(y(tick))}" stroke="{GRID}"/>'
                   f'<text x="{left - 6}" y="{_f(y(tick) + 4)}" text-anchor="end" fill="{MUTED}">{_f(tick)}</text>')
    for i, (label, value) in enumerate(months):
        centre = left + slot * (i + 0.5)
        bar = min(36.0, slot * 0.6)
        text = fmt(value) if value is not None else "—"
        out.append('<g class="month">')
        out.append(f"<title>{escape(label)}: {escape(text if value is not None else not_applicable)}</title>")
        if value is not None:
            out.append(f'<rect x="{_f(centre - bar / 2)}" y="{_f(y(value))}" width="{_f(bar)}" '
                       f'height="{_f(y(0) - y(value))}" fill="{NEUTRAL}"/>')
        value_y = (y(value) if value is not None else y(0)) - 6
        out.append(f'<text x="{_f(centre)}" y="{_f(value_y)}" text-anchor="middle" fill="{INK}" '
                   f'font-weight="600" font-size="14">{escape(text)}</text>')
        out.append(f'<text x="{_f(centre)}" y="{height - bottom + 18}" text-anchor="middle" fill="{INK}" '
                   f'font-size="13">{escape(label)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return Markup("".join(out))
