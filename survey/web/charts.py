"""Server-side SVG charts for the staff dashboards: forest plot, trend, heat map, item bars.

Every chart is a self-contained ``<svg role="img">`` with a ``<title>`` and
``<desc>``, text labels for every value (people read the numbers, not only the
shapes) and presentation attributes only (no inline style, so a strict
Content-Security-Policy holds). Numbers go through the locale's ``pct``
formatter. All text is escaped here; the result is ``Markup``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache

from markupsafe import Markup, escape

Formatter = Callable[[float | None], str]

INK = "#1b2430"
MUTED = "#5b6675"
GRID = "#d5dbe3"
ABOVE = "#1d7a46"
BELOW = "#b42318"
NEUTRAL = "#0b5cad"
UNRELIABLE = "#5b6675"
NOT_ESTIMABLE = "not_estimable"
FONT = 'font-family="Noto Sans, Segoe UI, Roboto, Arial, sans-serif"'


@lru_cache(maxsize=8)
def _number_symbols(locale: str) -> tuple[str, str]:
    from babel import Locale

    symbols = Locale.parse(locale).number_symbols
    symbols = symbols.get("latn", symbols)
    return symbols["decimal"], symbols["group"]


def fast_percent(value: float | None, digits: int = 2) -> str:
    """The ``pct`` filter's output (90,29 % in Vietnamese, 90.29% in English), without Babel's
    per-call pattern machinery: a league table of hundreds of units formats thousands of numbers."""
    if value is None or math.isnan(value):
        return "–"
    from flask_babel import get_locale

    locale = str(get_locale())
    decimal, group = _number_symbols(locale)
    # Babel rounds the decimal text of the number half to even (0.005 -> 0.00); so do we.
    rounded = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_EVEN)
    text = f"{rounded:,.{digits}f}".replace(",", "\x00").replace(".", decimal).replace("\x00", group)
    return f"{text} %" if locale == "vi" else f"{text}%"


def _default_pct(value: float | None) -> str:
    return fast_percent(value, 1)


@dataclass(frozen=True)
class Estimate:
    """One row or point of a chart: a label and an estimate with its interval (0–100)."""

    label: str
    estimate: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    flag: str | None = None  # above | below | none | not_estimable
    n: int | None = None
    highlight: bool = False
    # The interval whose overlap with the reference line is the Holm decision (forest plot), see
    # survey.web.staff.results.decision_interval; None where the unit was not tested.
    decision_low: float | None = None
    decision_high: float | None = None
    note: str = ""  # e.g. the lineage of a merged unit's earlier estimate; shown in the tooltip

    @property
    def estimable(self) -> bool:
        return self.flag != NOT_ESTIMABLE


def _num(value: float | None) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _f(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _axis_range(values: Sequence[float], step: float = 10.0) -> tuple[float, float]:
    """A 0–100 clipped range around the values, on multiples of ``step``."""
    if not values:
        return 0.0, 100.0
    low = max(0.0, math.floor((min(values) - 2) / step) * step)
    high = min(100.0, math.ceil((max(values) + 2) / step) * step)
    if high - low < step:
        low, high = max(0.0, low - step), min(100.0, high + step)
    return low, high


def _ticks(low: float, high: float) -> list[float]:
    span = high - low
    step = 5.0 if span <= 30 else 10.0 if span <= 60 else 20.0
    first = math.ceil(low / step) * step
    ticks = []
    value = first
    while value <= high + 1e-9:
        ticks.append(value)
        value += step
    return ticks


def _open(chart_id: str, width: int, height: int, title: str, desc: str) -> list[str]:
    return [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
            f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" {FONT} font-size="13">'
        ),
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>',
    ]


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _flag_colour(flag: str | None) -> str:
    return ABOVE if flag == "above" else BELOW if flag == "below" else NEUTRAL


def forest_plot(
    rows: Sequence[Estimate],
    *,
    chart_id: str,
    title: str,
    desc: str,
    reference: float | None = None,
    reference_label: str = "",
    flag_labels: dict[str, str] | None = None,
    legend: tuple[str, str] | None = None,
    fmt: Formatter | None = None,
    width: int = 720,
) -> Markup:
    """Estimates with their confidence intervals, one row each, and a vertical reference line.

    Rows with a decision interval get it drawn thick (``legend``: its name, then the CI's)."""
    fmt = fmt or _default_pct
    flag_labels = flag_labels or {}
    row_h, bottom = 24, 30
    top = 60 if legend and any(_num(r.decision_low) for r in rows) else 34
    label_w, value_w = 230, 170
    height = top + bottom + row_h * max(1, len(rows))
    x0, x1 = label_w, width - value_w
    values = [v for r in rows for v in (r.ci_low, r.ci_high, r.estimate) if _num(v)]
    if _num(reference):
        values.append(float(reference))  # type: ignore[arg-type]
    low, high = _axis_range(values)

    def x(value: float) -> float:
        return x0 + (x1 - x0) * (value - low) / (high - low)

    out = _open(chart_id, width, height, title, desc)
    for tick in _ticks(low, high):
        out.append(
            f'<line x1="{_f(x(tick))}" x2="{_f(x(tick))}" y1="{top - 6}" y2="{height - bottom}" stroke="{GRID}"/>'
            f'<text x="{_f(x(tick))}" y="{height - bottom + 16}" text-anchor="middle" fill="{MUTED}">'
            f"{_f(tick)}</text>"
        )
    if _num(reference):
        rx = x(float(reference))  # type: ignore[arg-type]
        out.append(
            f'<line class="reference" x1="{_f(rx)}" x2="{_f(rx)}" y1="{top - 10}" y2="{height - bottom}" '
            f'stroke="{INK}" stroke-width="1.5" stroke-dasharray="5 4"/>'
            f'<text x="{_f(rx)}" y="{top - 14}" text-anchor="middle" fill="{INK}">'
            f"{escape(reference_label)} {escape(fmt(reference))}</text>"
        )
    decisions = any(_num(r.decision_low) and _num(r.decision_high) for r in rows)
    if decisions and legend:
        out.append(_forest_legend(label_w, top, legend))
    for i, row in enumerate(rows):
        cy = top + row_h * i + row_h / 2
        colour = _flag_colour(row.flag) if row.estimable else UNRELIABLE
        weight = ' font-weight="700"' if row.highlight else ""
        flag_text = flag_labels.get(row.flag or "", "")
        out.append(f'<g class="row" data-flag="{escape(row.flag or "none")}">')
        out.append(_tooltip(row, fmt, " · " + flag_text if flag_text else ""))
        out.append(
            f'<text x="{label_w - 8}" y="{_f(cy + 4)}" text-anchor="end" fill="{INK}"{weight}>'
            f"{escape(_truncate(row.label, 32))}</text>"
        )
        if row.estimable and _num(row.ci_low) and _num(row.ci_high):
            # the unit's own 95 % interval, thin; the Holm decision interval, thick, over it
            thin = decisions and _num(row.decision_low)
            out.append(_line(x(row.ci_low), x(row.ci_high), cy + (4 if thin else 0), cy + (4 if thin else 0),
                             MUTED if thin else colour, 1.5 if thin else 2.5, "ci"))  # type: ignore[arg-type]
        if row.estimable and _num(row.decision_low) and _num(row.decision_high):
            out.append(_line(x(max(low, row.decision_low)), x(min(high, row.decision_high)), cy, cy,  # type: ignore[arg-type]
                             colour, 3.5, "decision"))
        if _num(row.estimate) and not row.estimable:
            # not estimable: a hollow grey mark, no interval, no rank (drawn as not exact)
            out.append(
                f'<circle class="not-estimable" cx="{_f(x(row.estimate))}" cy="{_f(cy)}" r="5" fill="#ffffff" '  # type: ignore[arg-type]
                f'stroke="{UNRELIABLE}" stroke-width="1.5" stroke-dasharray="2 2"/>'
            )
        elif _num(row.estimate):
            shape = (
                f'<rect x="{_f(x(row.estimate) - 5)}" y="{_f(cy - 5)}" width="10" height="10" fill="{colour}"/>'  # type: ignore[arg-type]
                if row.highlight
                else f'<circle cx="{_f(x(row.estimate))}" cy="{_f(cy)}" r="5" fill="{colour}"/>'  # type: ignore[arg-type]
            )
            out.append(shape)
        marker = "▲ " if row.flag == "above" else "▼ " if row.flag == "below" else "⚠ " if not row.estimable else ""
        out.append(
            f'<text x="{x1 + 10}" y="{_f(cy + 4)}" fill="{colour if marker else INK}"{weight}>'
            f"{escape(marker)}{escape(fmt(row.estimate))}</text>"
        )
        out.append("</g>")
    out.append("</svg>")
    return Markup("".join(out))


def _forest_legend(x: float, top: float, legend: tuple[str, str]) -> str:
    """Which bar is which: the thick one decides above/below (Holm), the thin one is the unit's 95 % CI."""
    decision, ci = legend
    y = top - 26
    return (
        f'<g class="legend">{_line(x - 220, x - 196, y, y, NEUTRAL, 3.5)}'
        f'<text x="{_f(x - 190)}" y="{_f(y + 4)}" fill="{INK}" font-size="12">{escape(decision)}</text>'
        f'{_line(x + 150, x + 174, y, y, MUTED, 1.5)}'
        f'<text x="{_f(x + 180)}" y="{_f(y + 4)}" fill="{INK}" font-size="12">{escape(ci)}</text></g>'
    )


def _tooltip(point, fmt: Formatter, extra: str = "") -> str:
    """The hover text of an estimate: label, value and interval."""
    return (
        f"<title>{escape(point.label)}: {escape(fmt(point.estimate))} "
        f"({escape(fmt(point.ci_low))} – {escape(fmt(point.ci_high))}){escape(extra)}"
        f"{escape(' · ' + point.note) if point.note else ''}</title>"
    )


def _line(x1: float, x2: float, y1: float, y2: float, colour: str, stroke_width: float, kind: str = "") -> str:
    """An interval bar."""
    kind_attr = f' class="{kind}"' if kind else ""
    return (
        f'<line{kind_attr} x1="{_f(x1)}" x2="{_f(x2)}" y1="{_f(y1)}" y2="{_f(y2)}" '
        f'stroke="{colour}" stroke-width="{stroke_width}"/>'
    )


def trend_chart(
    points: Sequence[Estimate],
    *,
    chart_id: str,
    title: str,
    desc: str,
    reference: Sequence[Estimate] = (),
    reference_label: str = "",
    fmt: Formatter | None = None,
    width: int = 720,
    height: int = 260,
) -> Markup:
    """An index across rounds: a line through the estimates with interval bars and value labels.

    ``reference``: a comparison series on the same rounds (e.g. the nation), drawn dashed and named
    ``reference_label``. A point with a ``note`` (an earlier territory, after a merger) is marked "*".
    """
    fmt = fmt or _default_pct
    left, right, top, bottom = 56, 24, 24, 44
    values = [v for p in [*points, *reference] for v in (p.ci_low, p.ci_high, p.estimate) if _num(v)]
    low, high = _axis_range(values)
    n = len(points)

    def x(i: int) -> float:
        return left + (width - left - right) * ((i + 0.5) / max(1, n))

    def y(value: float) -> float:
        return top + (height - top - bottom) * (high - value) / (high - low)

    out = _open(chart_id, width, height, title, desc)
    for tick in _ticks(low, high):
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{_f(y(tick))}" y2="{_f(y(tick))}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{_f(y(tick) + 4)}" text-anchor="end" fill="{MUTED}">{_f(tick)}</text>'
        )
    if reference:
        out.append(_reference_series(reference, x, y, reference_label, fmt))
    path = [(x(i), y(p.estimate)) for i, p in enumerate(points) if _num(p.estimate)]  # type: ignore[arg-type]
    if len(path) > 1:
        d = " ".join(f"{'M' if k == 0 else 'L'}{_f(px)},{_f(py)}" for k, (px, py) in enumerate(path))
        out.append(f'<path d="{d}" fill="none" stroke="{NEUTRAL}" stroke-width="2.5"/>')
    for i, p in enumerate(points):
        out.append('<g class="point">')
        out.append(_tooltip(p, fmt))
        if p.estimable and _num(p.ci_low) and _num(p.ci_high):
            out.append(_line(x(i), x(i), y(p.ci_low), y(p.ci_high), NEUTRAL, 1.5, "ci"))  # type: ignore[arg-type]
        if _num(p.estimate):
            py = y(p.estimate)  # type: ignore[arg-type]
            if p.estimable:
                out.append(f'<circle cx="{_f(x(i))}" cy="{_f(py)}" r="5" fill="{NEUTRAL}"/>')
            else:
                out.append(f'<circle class="not-estimable" cx="{_f(x(i))}" cy="{_f(py)}" r="5" fill="#ffffff" '
                           f'stroke="{UNRELIABLE}" stroke-width="1.5" stroke-dasharray="2 2"/>')
            mark = "" if p.estimable else "⚠ "
            out.append(
                f'<text x="{_f(x(i) + 8)}" y="{_f(py - 8)}" fill="{INK}" font-weight="600">'
                f"{escape(mark + fmt(p.estimate))}</text>"
            )
        out.append(
            f'<text x="{_f(x(i))}" y="{height - bottom + 20}" text-anchor="middle" fill="{INK}">'
            f"{escape(_truncate(p.label, 22))}{'*' if p.note else ''}</text>"
        )
        out.append("</g>")
    out.append("</svg>")
    return Markup("".join(out))


def _reference_series(points: Sequence[Estimate], x, y, label: str, fmt: Formatter) -> str:
    """A dashed comparison line (e.g. the nation) with its name at its last point."""
    path = [(x(i), y(p.estimate), p) for i, p in enumerate(points) if _num(p.estimate)]
    if not path:
        return ""
    out = ['<g class="reference-series">']
    if len(path) > 1:
        d = " ".join(f"{'M' if k == 0 else 'L'}{_f(px)},{_f(py)}" for k, (px, py, _p) in enumerate(path))
        out.append(f'<path d="{d}" fill="none" stroke="{INK}" stroke-width="1.5" stroke-dasharray="5 4"/>')
    for px, py, p in path:
        out.append(f'<g><title>{escape(label)} – {escape(p.label)}: {escape(fmt(p.estimate))}</title>'
                   f'<rect x="{_f(px - 4)}" y="{_f(py - 4)}" width="8" height="8" fill="#ffffff" stroke="{INK}"/></g>')
    px, py, p = path[-1]
    out.append(f'<text x="{_f(px - 8)}" y="{_f(py + 18)}" text-anchor="end" fill="{INK}">'
               f"{escape(label)} {escape(fmt(p.estimate))}</text>")
    out.append("</g>")
    return "".join(out)


def _heat_colour(share: float) -> str:
    """Red (0 %) through amber (50 %) to green (100 %)."""
    share = min(1.0, max(0.0, share))
    stops = [(0.0, (180, 35, 24)), (0.5, (244, 161, 0)), (1.0, (29, 122, 70))]
    for (p0, c0), (p1, c1) in itertools.pairwise(stops):
        if share <= p1:
            t = (share - p0) / (p1 - p0)
            rgb = tuple(round(a + (b - a) * t) for a, b in zip(c0, c1))
            return "#{:02x}{:02x}{:02x}".format(*rgb)
    return "#1d7a46"


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of ``#rrggbb``."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_colour_on(fill: str) -> str:
    """The text colour with the most contrast on ``fill``: white or near-black ink (always at least 4.5:1)."""
    candidates = ("#ffffff", INK, "#000000")
    return max(candidates, key=lambda c: (contrast_ratio(fill, c), c == INK))


EMPTY_FILL = "#eef1f5"


def heat_map(
    cells: dict[tuple[int, int], tuple[int, int]],
    *,
    chart_id: str,
    title: str,
    desc: str,
    weekday_labels: Sequence[str],
    hours: Sequence[int],
    empty_label: str = "—",
    min_total: int = 1,
    few_label: str = "",
    fmt: Formatter | None = None,
    width: int = 760,
) -> Markup:
    """Share satisfied by hour (columns) and weekday (rows).

    ``cells`` maps (weekday 0 = Monday, hour) to (satisfied, total). A cell with fewer than
    ``min_total`` ratings is grey with ``empty_label`` (a share of 2 ratings says nothing);
    its tooltip says ``few_label`` and the count. Each cell's text colour is chosen by contrast.
    """
    fmt = fmt or heat_percent
    left, top = 64, 26
    cell_w = (width - left - 8) / max(1, len(hours))
    cell_h = 30
    height = top + cell_h * len(weekday_labels) + 10
    out = _open(chart_id, width, height, title, desc)
    for j, hour in enumerate(hours):
        out.append(
            f'<text x="{_f(left + cell_w * (j + 0.5))}" y="{top - 8}" text-anchor="middle" fill="{MUTED}">{hour}h</text>'
        )
    for day, label in enumerate(weekday_labels):
        y = top + cell_h * day
        out.append(
            f'<text x="{left - 8}" y="{_f(y + cell_h / 2 + 4)}" text-anchor="end" fill="{INK}">{escape(label)}</text>'
        )
        for j, hour in enumerate(hours):
            satisfied, total = cells.get((day, hour), (0, 0))
            x = left + cell_w * j
            if total and total >= min_total:
                share = satisfied / total
                fill, text = _heat_colour(share), fmt(100.0 * share)
                tip = f"{label} {hour}h: {text} ({satisfied}/{total})"
            else:
                fill, text = EMPTY_FILL, empty_label
                tip = f"{label} {hour}h: {empty_label}" + (f" ({few_label}: {total})" if total and few_label else "")
            out.append(
                f'<g class="cell"><title>{escape(tip)}</title>'
                f'<rect x="{_f(x + 1)}" y="{_f(y + 1)}" width="{_f(cell_w - 2)}" height="{cell_h - 2}" rx="3" fill="{fill}"/>'
                f'<text x="{_f(x + cell_w / 2)}" y="{_f(y + cell_h / 2 + 4)}" text-anchor="middle" font-size="11" '
                f'fill="{text_colour_on(fill)}">{escape(text)}</text></g>'
            )
    out.append("</svg>")
    return Markup("".join(out))


def heat_percent(value: float | None) -> str:
    """A heat-map cell's share without decimals (90 %)."""
    return _default_pct(value).replace(",0 ", " ").replace(".0%", "%")


def item_bars(
    rows: Sequence[Estimate],
    *,
    chart_id: str,
    title: str,
    desc: str,
    fmt: Formatter | None = None,
    width: int = 720,
) -> Markup:
    """Horizontal bars (0–100) with interval whiskers; the weakest rows are drawn in red."""
    fmt = fmt or _default_pct
    row_h, top = 22, 8
    label_w, value_w = 330, 80
    height = top * 2 + row_h * max(1, len(rows))
    x0, x1 = label_w, width - value_w

    def x(value: float) -> float:
        return x0 + (x1 - x0) * max(0.0, min(100.0, value)) / 100.0

    out = _open(chart_id, width, height, title, desc)
    for i, row in enumerate(rows):
        y = top + row_h * i
        colour = BELOW if row.highlight else NEUTRAL
        out.append(f'<g class="bar"><title>{escape(row.label)}: {escape(fmt(row.estimate))}</title>')
        out.append(
            f'<text x="{label_w - 8}" y="{_f(y + row_h / 2 + 4)}" text-anchor="end" fill="{INK}">'
            f"{escape(_truncate(row.label, 46))}</text>"
        )
        out.append(f'<rect x="{x0}" y="{_f(y + 4)}" width="{_f(x1 - x0)}" height="{row_h - 8}" fill="#eef1f5"/>')
        if _num(row.estimate) and not row.estimable:
            # not estimable: an outline, no interval; not a bar read as exact
            out.append(
                f'<rect class="not-estimable" x="{x0}" y="{_f(y + 4)}" width="{_f(x(row.estimate) - x0)}" '  # type: ignore[arg-type]
                f'height="{row_h - 8}" fill="none" stroke="{UNRELIABLE}" stroke-dasharray="3 2"/>'
            )
        elif _num(row.estimate):
            out.append(
                f'<rect x="{x0}" y="{_f(y + 4)}" width="{_f(x(row.estimate) - x0)}" height="{row_h - 8}" fill="{colour}"/>'  # type: ignore[arg-type]
            )
        if row.estimable and _num(row.ci_low) and _num(row.ci_high):
            out.append(
                f'<line x1="{_f(x(row.ci_low))}" x2="{_f(x(row.ci_high))}" y1="{_f(y + row_h / 2)}" '  # type: ignore[arg-type]
                f'y2="{_f(y + row_h / 2)}" stroke="{INK}" stroke-width="1.5"/>'
            )
        out.append(
            f'<text x="{x1 + 8}" y="{_f(y + row_h / 2 + 4)}" fill="{INK}">'
            f'{"" if row.estimable else "⚠ "}{escape(fmt(row.estimate))}</text></g>'
        )
    out.append("</svg>")
    return Markup("".join(out))
