"""Immutable result records and collections with ``to_frame()``, ``to_dict()``, ``summary()``."""

from __future__ import annotations

import csv
import io
import math
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ESTIMABLE",
    "NOT_ESTIMABLE",
    "ComparisonRecord",
    "EstimateRecord",
    "EstimateResults",
    "SummaryText",
    "clean_number",
    "estimable",
    "records_csv",
    "reliability",
]


class SummaryText(ABC):
    """Base of the frozen results: ``str(result)`` is the text of ``summary()`` (never printed)."""

    @abstractmethod
    def summary(self) -> str:
        """Readable text report of the result."""

    def __str__(self) -> str:
        return self.summary()


def attributes(result: Any, *names: str) -> dict[str, Any]:
    """``{name: result.name}`` for each name, in order: the plain fields of a result's ``to_dict``."""
    return {name: getattr(result, name) for name in names}


def clean_number(value: Any) -> Any:
    """Plain Python number for JSON: NaN and infinities become ``None``."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    try:
        f = float(value)
    except (TypeError, ValueError):
        return value
    if not math.isfinite(f):
        return None
    if f.is_integer() and abs(f) < 2**53 and isinstance(value, int):
        return int(f)
    return f


ESTIMABLE = "ok"
NOT_ESTIMABLE = "not_estimable"


def estimable(se: Any, df: Any) -> np.ndarray:
    """Whether each estimate has a usable interval: finite SE above 0 and more than 1 df.

    A domain with one PSU, or with PSUs in a single stratum pair only, has
    ``df <= 1`` or an SE of exactly 0; its interval says nothing and its rank
    would look exact, so it is reported as not estimable / unreliable and left
    out of rankings and comparisons.

    Parameters
    ----------
    se, df : array_like or float
        Standard errors and design degrees of freedom (None counts as missing).

    Returns
    -------
    numpy.ndarray of bool
    """
    s = _floats(se)
    d = _floats(df)
    with np.errstate(invalid="ignore"):
        return np.isfinite(s) & (s > 0) & np.isfinite(d) & (d > 1)


def _floats(values: Any) -> np.ndarray:
    """Values as float64, None as NaN."""
    if values is None:
        return np.array(np.nan)
    if np.ndim(values) == 0:
        return np.array(np.nan if values is None else values, dtype=np.float64)
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def reliability(se: Any, df: Any) -> str:
    """``"ok"`` or ``"not_estimable"`` for one estimate (see :func:`estimable`)."""
    return ESTIMABLE if bool(estimable(se, df)) else NOT_ESTIMABLE


def _fmt(value: Any, digits: int = 4) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "NA"
        return f"{value:.{digits}f}"
    return str(value)


def domain_text(domain: dict[str, Any] | None) -> str:
    """Readable ``COL=value`` text of a domain (``all`` for the whole sample)."""
    if not domain:
        return "all"
    return ", ".join(f"{k}={v}" for k, v in domain.items())


@dataclass(frozen=True)
class EstimateRecord:
    """One design-based estimate (mean, total, ratio or proportion) in one domain.

    Attributes
    ----------
    statistic : str
        ``"mean"``, ``"total"``, ``"ratio"`` or ``"proportion"``.
    variable : str
        Variable (``num/den`` for ratios, ``col==value`` for proportions).
    domain : dict or None
        ``{column: value}`` for a domain, None for the whole sample.
    estimate, se : float
        Estimate and its design-based standard error.
    ci_low, ci_high : float
        Confidence interval.
    df : float
        Degrees of freedom used for the interval.
    deff : float
        Design effect (variance over the variance under simple random sampling
        without replacement of the same size); NaN where undefined.
    n : int
        Unweighted number of observations used.
    ci_method : str
        Method of the interval (``t`` for means, totals and ratios).
    level : float
        Confidence level.
    variance : str
        Variance method (``taylor``, ``jk1``, ``jkn``, ``bootstrap``, ``brr``, ``fay``).
    """

    statistic: str
    variable: str
    domain: dict[str, Any] | None
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    df: float
    deff: float
    n: int
    ci_method: str
    level: float = 0.95
    variance: str = "taylor"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (NaN becomes ``None``)."""
        out = asdict(self)
        for key, value in out.items():
            if key not in ("domain", "statistic", "variable", "ci_method", "variance"):
                out[key] = clean_number(value)
        if out["df"] is not None and float(out["df"]).is_integer():
            out["df"] = int(out["df"])
        return out


@dataclass(frozen=True)
class ComparisonRecord:
    """Difference of one estimate between two domains or two rounds.

    Attributes
    ----------
    index : str
        What is compared (index code or variable).
    level : str
        ``item``, ``group``, ``overall`` for indices; the statistic otherwise.
    a, b : dict
        The two domains (``{column: value}``) or rounds (``{"round": label}``).
    difference, se : float
        ``estimate(a) - estimate(b)`` and its standard error.
    ci_low, ci_high : float
        Student-t confidence interval of the difference.
    p_value : float
        Two-sided p-value of ``difference == 0``.
    df : float
        Degrees of freedom (whole-design df for domains; Satterthwaite for rounds).
    """

    index: str
    level: str
    a: dict[str, Any]
    b: dict[str, Any]
    difference: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    df: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (NaN becomes ``None``)."""
        out = asdict(self)
        for key in ("difference", "se", "ci_low", "ci_high", "p_value", "df"):
            out[key] = clean_number(out[key])
        if out["df"] is not None and float(out["df"]).is_integer():
            out["df"] = int(out["df"])
        return out


def _record_columns(records: tuple[Any, ...], cls: type) -> dict[str, list[Any]]:
    """The fields of the records, column by column, domain dictionaries flattened to ``domain`` text."""
    names = [f.name for f in fields(cls)]
    columns: dict[str, list[Any]] = {name: [getattr(rec, name) for rec in records] for name in names}
    for key in ("domain", "a", "b"):
        if key in columns:
            columns[key] = [None if value is None else domain_text(value) for value in columns[key]]
    return columns


def records_frame(records: tuple[Any, ...], cls: type) -> pd.DataFrame:
    """Data frame of records, domain dictionaries flattened to ``domain`` text."""
    import pandas as pd

    columns = _record_columns(records, cls)
    rows = [dict(zip(columns, values)) for values in zip(*columns.values())]
    return pd.DataFrame(rows, columns=list(columns))


def records_csv(records: tuple[Any, ...], cls: type) -> str:
    """The CSV text of :func:`records_frame` (``to_csv(index=False)``), byte for byte, without pandas.

    Each column is written as pandas types it: numbers of a float column in
    numpy's shortest form (``566.0``, ``1e-05``), an integer column that also
    holds None as floats (``3.0``), None and NaN as an empty field. A column
    of another mix of values is handed to pandas.
    """
    columns = _record_columns(records, cls)
    cells = [_csv_cells(values) for values in columns.values()]
    if any(column is None for column in cells):
        return records_frame(records, cls).to_csv(index=False)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")  # the writer and dialect pandas uses
    writer.writerow(list(columns))
    writer.writerows(zip(*cells))  # type: ignore[arg-type]  # no column is None here
    return out.getvalue()


def _csv_cells(values: list[Any]) -> list[str] | None:
    """The text of one column's cells as ``pandas.DataFrame(rows).to_csv`` writes them, or None if unsure."""
    present = [v for v in values if v is not None]
    if all(type(v) is str for v in present):
        return ["" if v is None else v for v in values]
    if all(type(v) is bool for v in present) and len(present) == len(values):
        return [str(v) for v in values]
    if not all(type(v) in (int, float) for v in present):
        return None
    if len(present) == len(values) and all(type(v) is int for v in values):
        return [str(v) for v in values] if all(abs(v) < 2**63 for v in values) else None
    floats = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    text = floats.astype(str)
    return ["" if missing else cell for missing, cell in zip(np.isnan(floats).tolist(), text.tolist())]


@dataclass(frozen=True)
class EstimateResults(SummaryText):
    """Estimates (and comparisons) from :func:`analysis.estimate`.

    Attributes
    ----------
    records : tuple of EstimateRecord
    comparisons : tuple of ComparisonRecord
    """

    records: tuple[EstimateRecord, ...]
    comparisons: tuple[ComparisonRecord, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """One row per estimate."""
        return records_frame(self.records, EstimateRecord)

    def to_dict(self) -> dict[str, Any]:
        """``{"estimates": [...], "comparisons": [...]}``, JSON-ready."""
        return {
            "estimates": [r.to_dict() for r in self.records],
            "comparisons": [c.to_dict() for c in self.comparisons],
        }

    def summary(self) -> str:
        """Readable table of the estimates."""
        lines = [
            (
                f"{'statistic':<11} {'variable':<18} {'domain':<16} {'estimate':>12} {'se':>10} "
                f"{'ci_low':>12} {'ci_high':>12} {'df':>6} {'n':>7}"
            )
        ]
        for r in self.records:
            lines.append(
                f"{r.statistic:<11} {r.variable:<18} {domain_text(r.domain):<16} "
                f"{_fmt(r.estimate):>12} {_fmt(r.se):>10} {_fmt(r.ci_low):>12} "
                f"{_fmt(r.ci_high):>12} {_fmt(r.df, 0):>6} {r.n:>7}"
            )
        for c in self.comparisons:
            lines.append(
                f"{c.index} {domain_text(c.a)} - {domain_text(c.b)}: {_fmt(c.difference)} "
                f"(se {_fmt(c.se)}, p {_fmt(c.p_value)})"
            )
        return "\n".join(lines)

    def __len__(self) -> int:
        return len(self.records)
