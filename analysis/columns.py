"""Columns of a data set as numpy arrays: reading one, counting rows, integer codes of labels.

The data may be a pandas DataFrame or a mapping of column names to numpy
arrays; the second never loads pandas, which takes longer to import than a
whole ``sipas indices`` run computes (issue 13).
"""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np

from .errors import DesignError, MissingDesignValueError

__all__ = ["factorize", "factorize_values", "get_column", "n_rows"]


def _is_pandas(obj: Any, kind: str) -> bool:
    """Whether ``obj`` is a pandas ``kind`` (``"Series"``, ``"DataFrame"``), without importing pandas.

    Data given as numpy arrays never loads pandas (``sipas indices`` starts
    faster without it); if pandas is not loaded, no object is one of its types.
    """
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(obj, getattr(pandas, kind))


def get_column(data: Any, name: str) -> np.ndarray:
    """Return column ``name`` of a data frame or mapping as a numpy array.

    Parameters
    ----------
    data : pandas.DataFrame or mapping of str to array-like
        The data set.
    name : str
        Column name.

    Returns
    -------
    numpy.ndarray
        The column values.

    Raises
    ------
    DesignError
        If the column does not exist.
    """
    try:
        col = data[name]
    except (KeyError, IndexError, TypeError):
        raise DesignError(f"Unknown column '{name}' / không có cột '{name}'") from None
    if _is_pandas(col, "Series"):
        return col.to_numpy()
    return np.asarray(col)


def n_rows(data: Any) -> int:
    """Number of rows of a data frame or a mapping of equal-length arrays."""
    if _is_pandas(data, "DataFrame"):
        return len(data)
    lengths = {len(np.asarray(v)) for v in data.values()}
    if len(lengths) > 1:
        raise DesignError("Columns have different lengths")
    return lengths.pop() if lengths else 0


def factorize_values(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes in the sorted order of the distinct values, ``-1`` for a missing value.

    The codes and labels of ``pandas.factorize(values, sort=True)``, computed
    with numpy for numbers, booleans and text (pandas is imported only for
    other kinds of values, such as dates or a mix of numbers and text).

    Parameters
    ----------
    values : numpy.ndarray
        Column values; NaN and None are missing.

    Returns
    -------
    codes : numpy.ndarray of int64
        Code of each value, ``0 .. k-1``, or ``-1``.
    labels : numpy.ndarray
        The sorted distinct values (text as an object array of ``str``).
    """
    values = np.asarray(values)
    kind = values.dtype.kind
    if kind in "iub":
        labels, codes = np.unique(values, return_inverse=True)
        return codes.astype(np.int64).reshape(-1), labels
    if kind == "f":
        missing = np.isnan(values)
    elif kind in "OU":
        items = values.tolist()
        missing = np.fromiter(
            (v is None or (isinstance(v, float) and math.isnan(v)) for v in items), dtype=bool, count=len(items)
        )
        if not all(type(v) is str for v, gone in zip(items, missing) if not gone):
            return _pandas_factorize(values)
        values = values.astype(str)
    else:
        return _pandas_factorize(values)
    codes = np.full(len(values), -1, dtype=np.int64)
    labels, present_codes = np.unique(values[~missing], return_inverse=True)
    codes[~missing] = present_codes.reshape(-1)
    return codes, labels.astype(object) if kind in "OU" else labels


def _pandas_factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import pandas as pd

    codes, labels = pd.factorize(pd.Series(values), sort=True)
    return codes.astype(np.int64), np.asarray(labels)


def factorize(values: np.ndarray, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (sorted order of labels) of a design column.

    Parameters
    ----------
    values : numpy.ndarray
        Column values (numbers or strings).
    column : str
        Column name, for error messages.

    Returns
    -------
    codes : numpy.ndarray of int64
        Code of each row, ``0 .. k-1``.
    labels : numpy.ndarray
        The sorted distinct labels.

    Raises
    ------
    MissingDesignValueError
        If a value is missing (it names the column and the first such row).
    """
    codes, labels = factorize_values(values)
    if len(codes) and codes.min() < 0:
        row = int(np.flatnonzero(codes < 0)[0])
        raise MissingDesignValueError(column, row + 1)
    return codes, labels
