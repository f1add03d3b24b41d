"""The satisfaction group of Decision 766/QĐ-TTg and the Circular 01/2018 reports, vectorised.

Everything the rules need (maxima, thresholds, the PAKN deadline, the holiday
calendar, the Circular 01 levels and bands) comes from a versioned definition
file (``survey/data/decision766/*.json``) read by :func:`load_definition`;
nothing of it is a constant here.

Times are ``datetime64[s]`` in local time (Asia/Ho_Chi_Minh) without a zone,
``NaT`` for "not yet"; units are integer codes ``0 .. n_units - 1``. Group sums
are ``np.bincount`` over those codes: no Python loop over dossiers or units.

Readings of ours where decision-766.md is silent
------------------------------------------------
- A period is half-open, ``[start, end)``; a dossier belongs to the period of
  its receipt time (``NgayTiepNhan``), a PAKN to the period of its receipt.
- Dossiers are judged *as of* a moment (default: the end of the period). One
  handled before that moment is overdue when ``handled > due`` (times, not
  days, as the portal compares ``NgayKetThucXuLy ≤ NgayHenTra``). One not
  handled by then is overdue when ``due < as_of``. A dossier without a due
  time is never overdue.
- A PAKN's deadline is its receipt day moved to a working day, plus
  ``deadline_working_days`` working days; it is on time when handled on or
  before that day; unfinished at ``as_of``, it is late once that day is past.
- Points are computed from the unrounded ratio, then rounded half up to
  ``decimals``; the ratio is reported rounded the same way (as a percentage).
- A group's points are the sum of its *applicable* indicators; the group is
  not applicable when none is. ``applicable_max`` says out of how much.
- Circular 01: an index a rating left blank is left out of that index's
  average; a rating's total is the sum of the indices it answered; the bands
  apply to the unit's average total.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError


class DefinitionError(AnalysisError):
    """The indicator definition file is incomplete or inconsistent; the message names the key."""


# --- the definition ------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorRule:
    """One indicator: ``max_points × min(1, ratio / threshold)``."""

    code: str
    name: str
    group: str
    max_points: float
    threshold: float
    deadline_working_days: int | None = None


@dataclass(frozen=True)
class Band:
    name: str
    min_total: float


@dataclass(frozen=True)
class Definition:
    """A version of the Decision 766 indicator definition."""

    version: str
    decimals: int
    indicators: Mapping[str, IndicatorRule]
    group_max: Mapping[str, float]
    weekmask: str
    holidays: np.ndarray  # datetime64[D]
    calendar_years: tuple[int, ...]
    n_indices: int
    index_max: int
    level_names: tuple[str, ...]  # level keys in order; codes are positions
    level_labels: Mapping[str, str]
    bands: tuple[Band, ...]  # highest first
    english: Mapping[str, str] = field(default_factory=dict)  # Vietnamese name -> its ``name_en`` / ``levels_en``
    # a five-level answer (1 very dissatisfied .. 5 very satisfied) -> the level it is reported as
    five_levels: Mapping[int, str] = field(default_factory=dict)

    def text(self, vietnamese: str, language: str) -> str:
        """A name of the file (indicator, level, band) in ``language``; Vietnamese when it has no English."""
        return self.english.get(vietnamese, vietnamese) if language == "en" else vietnamese

    def rule(self, code: str) -> IndicatorRule:
        try:
            return self.indicators[code]
        except KeyError:
            raise DefinitionError(f"definition {self.version} has no indicator {code}") from None


def _need(mapping: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in mapping:
        raise DefinitionError(f"{where}: missing key '{key}'")
    return mapping[key]


def definition_from_mapping(data: Mapping[str, Any]) -> Definition:
    """Build a :class:`Definition` from the parsed definition file; raises :class:`DefinitionError`."""
    version = str(_need(data, "version", "definition"))
    indicators = {}
    for code, spec in _need(data, "indicators", version).items():
        where = f"{version}: indicators.{code}"
        threshold = float(_need(spec, "threshold", where))
        if not 0 < threshold <= 1:
            raise DefinitionError(f"{where}.threshold must be in (0, 1], not {threshold}")
        deadline = spec.get("deadline_working_days")
        indicators[code] = IndicatorRule(
            code, str(_need(spec, "name", where)), str(_need(spec, "group", where)),
            float(_need(spec, "max_points", where)), threshold, int(deadline) if deadline is not None else None)
    groups = {code: float(_need(spec, "max_points", f"{version}: groups.{code}"))
              for code, spec in _need(data, "groups", version).items()}
    for rule in indicators.values():
        if rule.group not in groups:
            raise DefinitionError(f"{version}: indicators.{rule.code}.group '{rule.group}' is not a group")
    calendar = _need(data, "calendar", version)
    circular = _need(data, "circular01", version)
    levels = _need(circular, "levels", f"{version}: circular01")
    bands = sorted((Band(str(b["name"]), float(b["min_total"])) for b in _need(circular, "bands", version)),
                   key=lambda band: -band.min_total)
    english = _english_names(data, circular, levels)
    five_levels = {int(code): str(level) for code, level in circular.get("five_levels", {}).items()}
    if five_levels and (set(five_levels) != {1, 2, 3, 4, 5} or not set(five_levels.values()) <= set(levels)):
        raise DefinitionError(f"{version}: circular01.five_levels must map the codes 1..5 to levels of "
                              f"circular01.levels ({', '.join(levels)})")
    return Definition(
        english=english,
        five_levels=five_levels,
        version=version,
        decimals=int(data.get("decimals", 2)),
        indicators=indicators,
        group_max=groups,
        weekmask=str(calendar.get("weekmask", "1111100")),
        holidays=np.array(sorted(calendar.get("holidays", [])), dtype="datetime64[D]"),
        calendar_years=tuple(int(y) for y in calendar.get("years", [])),
        n_indices=int(_need(circular, "indices", f"{version}: circular01")),
        index_max=int(max(_need(circular, "points", f"{version}: circular01"))),
        level_names=tuple(levels),
        level_labels=dict(levels),
        bands=tuple(bands),
    )


def _english_names(data: Mapping[str, Any], circular: Mapping[str, Any], levels: Mapping[str, str]
                   ) -> dict[str, str]:
    """Each ``name`` with a ``name_en`` beside it (indicators, groups, bands), and ``levels_en`` of the levels."""
    named = [*data["indicators"].values(), *data["groups"].values(), *circular["bands"]]
    english = {str(spec["name"]): str(spec["name_en"]) for spec in named if spec.get("name_en")}
    for key, label in circular.get("levels_en", {}).items():
        if key in levels:
            english[str(levels[key])] = str(label)
    return english


def load_definition(path: str | Path) -> Definition:
    """Read a definition file (JSON)."""
    with open(path, encoding="utf-8") as handle:
        return definition_from_mapping(json.load(handle))


# --- time --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A half-open period ``[start, end)`` of local time."""

    start: np.datetime64
    end: np.datetime64

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        start = np.datetime64(f"{year:04d}-{month:02d}", "M")
        return cls(start.astype("datetime64[s]"), (start + 1).astype("datetime64[s]"))

    @property
    def label(self) -> str:
        return str(self.start.astype("datetime64[M]"))


def add_working_days(days: np.ndarray, n: int, definition: Definition) -> np.ndarray:
    """``days`` (datetime64[D]) moved forward to a working day, plus ``n`` working days; NaT stays NaT."""
    days = np.asarray(days, dtype="datetime64[D]")
    result = np.full(days.shape, np.datetime64("NaT"), dtype="datetime64[D]")
    known = ~np.isnat(days)
    result[known] = np.busday_offset(days[known], n, roll="forward", weekmask=definition.weekmask,
                                     holidays=definition.holidays)
    return result


def working_days_between(start: np.ndarray, end: np.ndarray, definition: Definition) -> np.ndarray:
    """Working days in ``[start, end)`` (datetime64[D]); -1 where either end is NaT."""
    start = np.asarray(start, dtype="datetime64[D]")
    end = np.asarray(end, dtype="datetime64[D]")
    known = ~(np.isnat(start) | np.isnat(end))
    result = np.full(start.shape, -1, dtype=np.int64)
    result[known] = np.busday_count(start[known], end[known], weekmask=definition.weekmask,
                                    holidays=definition.holidays)
    return result


def round_half_up(values: np.ndarray, decimals: int) -> np.ndarray:
    """Round half up (4.915 → 4.92, as people round), leaving NaN as it is."""
    scale = 10.0**decimals
    return np.floor(np.asarray(values, dtype=float) * scale + 0.5 + 1e-9) / scale


# --- indicators --------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorResult:
    """One indicator for every unit: numerator, denominator, ratio and points (NaN: not applicable)."""

    code: str
    period: str
    numerator: np.ndarray
    denominator: np.ndarray
    ratio: np.ndarray  # 0..1, unrounded; NaN where the denominator is 0
    points: np.ndarray  # rounded to the definition's decimals; NaN where not applicable
    max_points: float
    decimals: int = 2

    @property
    def applicable(self) -> np.ndarray:
        return self.denominator > 0

    @property
    def percent(self) -> np.ndarray:
        """The ratio as a percentage, rounded like the points."""
        return round_half_up(self.ratio * 100, self.decimals)

    def to_frame(self, units: Sequence[str] | None = None) -> pd.DataFrame:
        """One row per unit (``units`` labels the integer codes)."""
        return pd.DataFrame({
            "unit": list(units) if units is not None else np.arange(self.numerator.size),
            "indicator": self.code, "period": self.period, "numerator": self.numerator,
            "denominator": self.denominator, "percent": self.percent, "points": self.points,
            "max_points": self.max_points,
        })

    def to_dict(self, units: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """One record per unit; ``percent`` and ``points`` are ``None`` when not applicable."""
        records = self.to_frame(units).to_dict("records")
        for record in records:
            for key in ("percent", "points"):
                if np.isnan(record[key]):
                    record[key] = None
        return records

    def summary(self) -> str:
        applicable = self.applicable
        text = f"Indicator {self.code}, {self.period}: {applicable.sum()} of {applicable.size} units applicable"
        if applicable.any():
            text += f"; mean points {np.nanmean(self.points):.2f} of {self.max_points:g}"
        return text

    def __str__(self) -> str:
        return self.summary()


def indicator_result(code: str, period: Period, numerator: np.ndarray, denominator: np.ndarray,
                     definition: Definition) -> IndicatorResult:
    """Ratio and points of an indicator from its counts per unit."""
    rule = definition.rule(code)
    numerator = np.asarray(numerator, dtype=np.int64)
    denominator = np.asarray(denominator, dtype=np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(denominator > 0, numerator / np.maximum(denominator, 1), np.nan)
    points = rule.max_points * np.minimum(1.0, ratio / rule.threshold)
    return IndicatorResult(code, period.label, numerator, denominator, ratio,
                           round_half_up(points, definition.decimals), rule.max_points, definition.decimals)


def _in_period(times: np.ndarray, period: Period) -> np.ndarray:
    return (times >= period.start) & (times < period.end)


def judged_as_of(period: Period, as_of: np.datetime64 | np.ndarray | None) -> np.datetime64 | np.ndarray:
    """The moment each row is judged at: ``as_of`` (one moment, or one per row), at the latest the period's end."""
    if as_of is None:
        return period.end
    return np.minimum(np.asarray(as_of, dtype="datetime64[s]"), period.end)


def month_index(times: np.ndarray, first: Period, n_months: int) -> np.ndarray:
    """The month of each time counted from ``first`` (0 .. n_months - 1); -1 outside those months or NaT."""
    months = np.asarray(times, dtype="datetime64[s]").astype("datetime64[M]")
    offset = (months - first.start.astype("datetime64[M]")).astype(np.int64)
    inside = ~np.isnat(months) & (offset >= 0) & (offset < n_months)
    return np.where(inside, offset, -1)


def overdue_dossiers(due: np.ndarray, handled: np.ndarray, as_of: np.datetime64 | np.ndarray) -> np.ndarray:
    """Overdue as of ``as_of`` (one moment, or one per dossier): handled after ``due``, or still unhandled
    at ``as_of`` with ``due`` passed."""
    handled_by_then = ~np.isnat(handled) & (handled < as_of)
    has_due = ~np.isnat(due)
    late_handled = handled_by_then & has_due & (handled > due)
    late_open = ~handled_by_then & has_due & (due < as_of)
    return late_handled | late_open


def score_dossiers(unit: np.ndarray, received: np.ndarray, due: np.ndarray, handled: np.ndarray,
                   complained: np.ndarray, disliked: np.ndarray, *, n_units: int, period: Period,
                   definition: Definition, as_of: np.datetime64 | np.ndarray | None = None) -> IndicatorResult:
    """Indicator 5.4: dossiers received in ``period`` that were satisfied, per unit.

    A dossier is *not satisfied* when it was overdue (:func:`overdue_dossiers`),
    drew a PAKN (``complained``) or was rated "not satisfied" (``disliked``).
    Denominator: dossiers received in the period; numerator: the satisfied ones.
    """
    unit = np.asarray(unit, dtype=np.int64)
    as_of = judged_as_of(period, as_of)
    counted = _in_period(np.asarray(received, dtype="datetime64[s]"), period)
    not_satisfied = overdue_dossiers(np.asarray(due, dtype="datetime64[s]"),
                                     np.asarray(handled, dtype="datetime64[s]"), as_of)
    not_satisfied |= np.asarray(complained, dtype=bool) | np.asarray(disliked, dtype=bool)
    denominator = np.bincount(unit[counted], minlength=n_units)
    numerator = np.bincount(unit[counted & ~not_satisfied], minlength=n_units)
    return indicator_result("5.4", period, numerator, denominator, definition)


def score_complaints(unit: np.ndarray, received: np.ndarray, handled: np.ndarray, likes: np.ndarray,
                     dislikes: np.ndarray, follow_up: np.ndarray, *, n_units: int, period: Period,
                     definition: Definition, as_of: np.datetime64 | np.ndarray | None = None
                     ) -> tuple[IndicatorResult, IndicatorResult]:
    """Indicators 5.2 (PAKN handled on time) and 5.3 (PAKN handled to the citizen's satisfaction).

    A PAKN counts against 5.3 when it has more dislikes than likes, a follow-up
    complaint, or was late (the 5.2 rule).
    """
    unit = np.asarray(unit, dtype=np.int64)
    received = np.asarray(received, dtype="datetime64[s]")
    handled = np.asarray(handled, dtype="datetime64[s]")
    as_of = judged_as_of(period, as_of)
    deadline_days = definition.rule("5.2").deadline_working_days
    if deadline_days is None:
        raise DefinitionError(f"{definition.version}: indicators.5.2 has no deadline_working_days")
    deadline = add_working_days(received.astype("datetime64[D]"), deadline_days, definition)
    handled_by_then = ~np.isnat(handled) & (handled < as_of)
    on_time = np.where(handled_by_then, handled.astype("datetime64[D]") <= deadline,
                       deadline >= as_of.astype("datetime64[D]"))
    satisfied = on_time & ~(np.asarray(dislikes) > np.asarray(likes)) & ~np.asarray(follow_up, dtype=bool)
    counted = _in_period(received, period)
    denominator = np.bincount(unit[counted], minlength=n_units)
    return (indicator_result("5.2", period, np.bincount(unit[counted & on_time], minlength=n_units),
                             denominator, definition),
            indicator_result("5.3", period, np.bincount(unit[counted & satisfied], minlength=n_units),
                             denominator, definition))


@dataclass(frozen=True)
class GroupResult:
    """A group's points per unit: the sum of its applicable indicators (NaN when none is)."""

    code: str
    points: np.ndarray
    applicable_max: np.ndarray
    max_points: float
    indicators: tuple[IndicatorResult, ...] = field(default=())


def group_score(code: str, results: Sequence[IndicatorResult], definition: Definition) -> GroupResult:
    """Sum the applicable indicators of group ``code`` (those in ``results``)."""
    members = [r for r in results if definition.rule(r.code).group == code]
    if not members:
        raise DefinitionError(f"no indicator of group {code} among the results")
    points = np.vstack([np.where(r.applicable, r.points, 0.0) for r in members]).sum(axis=0)
    applicable_max = np.vstack([np.where(r.applicable, r.max_points, 0.0) for r in members]).sum(axis=0)
    any_applicable = np.vstack([r.applicable for r in members]).any(axis=0)
    return GroupResult(code, round_half_up(np.where(any_applicable, points, np.nan), definition.decimals),
                       applicable_max, definition.group_max[code], tuple(members))


# --- Circular 01/2018: the per-dossier rating form -----------------------------------------


@dataclass(frozen=True)
class Circular01Result:
    """Per unit: ratings, average of each index, average total out of the maximum, share of each level, band."""

    ratings: np.ndarray  # (n_units,)
    index_mean: np.ndarray  # (n_units, n_indices), NaN where no rating answered the index
    total_mean: np.ndarray  # (n_units,)
    level_share: np.ndarray  # (n_units, n_levels), NaN where the unit has no rated level
    band: tuple[str | None, ...]
    level_names: tuple[str, ...]
    max_total: int


def circular01_report(unit: np.ndarray, index_scores: np.ndarray, level: np.ndarray, *, n_units: int,
                      definition: Definition) -> Circular01Result:
    """Aggregate ratings: ``index_scores`` is (n, n_indices) with NaN for blank, ``level`` a code or -1."""
    unit = np.asarray(unit, dtype=np.int64)
    scores = np.asarray(index_scores, dtype=float).reshape(unit.size, definition.n_indices)
    answered = ~np.isnan(scores)
    filled = np.where(answered, scores, 0.0)
    offsets = unit[:, None] * definition.n_indices + np.arange(definition.n_indices)
    size = n_units * definition.n_indices
    sums = np.bincount(offsets.ravel(), filled.ravel(), minlength=size).reshape(n_units, definition.n_indices)
    counts = np.bincount(offsets.ravel(), answered.ravel(), minlength=size).reshape(n_units, definition.n_indices)
    ratings = np.bincount(unit, minlength=n_units)
    with np.errstate(invalid="ignore", divide="ignore"):
        index_mean = np.where(counts > 0, sums / counts, np.nan)
        total_mean = np.where(ratings > 0, np.bincount(unit, filled.sum(axis=1), minlength=n_units) / ratings,
                              np.nan)
        level = np.asarray(level, dtype=np.int64)
        rated = level >= 0
        n_levels = len(definition.level_names)
        level_counts = np.bincount(unit[rated] * n_levels + level[rated], minlength=n_units * n_levels)
        level_counts = level_counts.reshape(n_units, n_levels)
        level_total = level_counts.sum(axis=1, keepdims=True)
        level_share = np.where(level_total > 0, level_counts / np.maximum(level_total, 1), np.nan)
    band = _bands(round_half_up(total_mean, definition.decimals), definition)
    return Circular01Result(ratings, round_half_up(index_mean, definition.decimals),
                            round_half_up(total_mean, definition.decimals), level_share, band,
                            definition.level_names, definition.n_indices * definition.index_max)


@dataclass(frozen=True)
class CriterionResult:
    """A criterion outside the indices (a province's own), per unit: answers, mean points, share of each level."""

    answered: np.ndarray  # (n_units,)
    mean: np.ndarray  # (n_units,), NaN where unanswered
    level_share: np.ndarray  # (n_units, n_levels), the points 2, 1, 0 read as the levels best to worst


def criterion_report(unit: np.ndarray, points: np.ndarray, *, n_units: int, definition: Definition
                     ) -> CriterionResult:
    """Aggregate one extra criterion: ``points`` (n,) 0..index_max, NaN for blank; never part of the total."""
    unit = np.asarray(unit, dtype=np.int64)
    points = np.asarray(points, dtype=float)
    known = ~np.isnan(points)
    answered = np.bincount(unit[known], minlength=n_units)
    sums = np.bincount(unit[known], points[known], minlength=n_units)
    n_levels = len(definition.level_names)
    level = n_levels - 1 - points[known].astype(np.int64)
    counts = np.bincount(unit[known] * n_levels + level, minlength=n_units * n_levels).reshape(n_units, n_levels)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(answered > 0, sums / np.maximum(answered, 1), np.nan)
        share = np.where(answered[:, None] > 0, counts / np.maximum(answered, 1)[:, None], np.nan)
    return CriterionResult(answered, round_half_up(mean, definition.decimals), share)


def _bands(totals: np.ndarray, definition: Definition) -> tuple[str | None, ...]:
    """The band of each total (the highest whose minimum it reaches); None for NaN or below every band."""
    ascending = definition.bands[::-1]
    minima = np.array([band.min_total for band in ascending])
    names = np.array([None, *(band.name for band in ascending)], dtype=object)
    position = np.searchsorted(minima, np.nan_to_num(totals, nan=-np.inf), side="right")
    return tuple(names[position])
