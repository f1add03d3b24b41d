"""Calibration adjustments on cells, and the residuals of R's ``greg_calibration``.

Used by :mod:`analysis.variance`: after calibration (R ``calibrate``), influence
values are replaced by their residuals from the weighted least-squares fit on
the margin indicators, times the g-weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CalibrationCells", "greg_residuals"]


@dataclass(frozen=True, eq=False)
class CalibrationCells:
    """One calibration adjustment expressed on cells.

    ``kind`` is ``"post"`` (post-stratification), ``"rake"`` (one margin of a
    raking step) or ``"greg"`` (one margin of a calibration step); ``block``
    numbers the step so that the margins of one step are treated together.
    ``r_new`` is the ratio of the weights after the adjustment to the final
    weights (``greg``: the weights before it), ``r_old`` the same for the
    weights before it (``post`` only); both are constant within a cell.
    """

    kind: str
    group: np.ndarray
    n_groups: int
    r_new: np.ndarray
    r_old: np.ndarray | None
    block: int



def greg_residuals(
    weight: np.ndarray, count: np.ndarray, n_cells: int, margins: list[CalibrationCells],
    x: np.ndarray, u: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Calibration residuals (R ``svyrecvar`` with ``greg_calibration``).

    The influence ``z`` is regressed on the indicators of every margin by
    least squares weighted with the input weights ``d``; ``w_i z_i`` becomes
    ``w_i (z_i - m_i' beta)``.  Indicators are constant within a cell, so the
    fit runs on cells: ``sum_c d_c (zbar_c - m_c' beta)^2`` with
    ``d_c zbar_c = x_c * r_c``.  The projection uses an SVD, so collinear
    margins (e.g. a crossed margin and one of its parts) need no reference level.
    """
    d_c = margins[0].r_new * weight
    cols = []
    for m in margins:
        block = np.zeros((n_cells, m.n_groups))
        block[np.arange(n_cells), m.group] = 1.0
        cols.append(block)
    root = np.sqrt(np.maximum(d_c, 0.0))
    a = np.hstack(cols) * root[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        b = np.where(root[:, None] > 0, x * margins[0].r_new[:, None] / root[:, None], 0.0)
    basis, sv, _ = np.linalg.svd(a, full_matrices=False)
    rank = int((sv > sv[0] * max(a.shape) * np.finfo(float).eps).sum()) if len(sv) else 0
    basis = basis[:, :rank]
    fitted = basis @ (basis.T @ b)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(root[:, None] > 0, fitted / root[:, None], 0.0)
    x = x - mean * weight[:, None]
    u = u - mean * count[:, None]
    return x, u
