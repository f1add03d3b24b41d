"""Exception hierarchy of the analysis package.

Every error raised on purpose by :mod:`analysis` derives from
:class:`AnalysisError`, so callers (the web app, the CLI) can catch one class
and show its message, which always names the column, stratum or value at fault.
"""

from __future__ import annotations

__all__ = ["AnalysisError", "ConvergenceError", "DesignError", "LonelyPSUError", "MissingDesignValueError"]


class AnalysisError(Exception):
    """Base class of every error raised by the analysis package."""


class DesignError(AnalysisError):
    """The data do not describe a valid survey design or estimation request.

    Raised for unknown or missing columns, missing design values, a finite
    population correction that varies within a stratum or implies more than
    100 % sampling, unusable weights, and similar problems.
    """


class MissingDesignValueError(DesignError):
    """A row has no value in a design column (stratum, PSU or SSU identifier).

    Parameters
    ----------
    column : str
        The column at fault.
    row : int
        The row, counted from 1 (the first data row, the header not counted).
    stratum : str, optional
        Label of the row's stratum, when the column is nested in strata (a PSU
        or SSU identifier of a stratified design).
    """

    def __init__(self, column: str, row: int, stratum: str | None = None) -> None:
        self.column = column
        self.row = row
        self.stratum = stratum
        where = f"row {row}" if stratum is None else f"row {row}, stratum {stratum}"
        super().__init__(f"Column '{column}' has a missing value ({where})")


class LonelyPSUError(DesignError):
    """A stratum holds a single primary sampling unit and ``lonely_psu="fail"``.

    Parameters
    ----------
    stratum : str
        Label of the stratum (or, at stage 2, of the PSU) with one unit.
    stage : int
        Sampling stage at which the lonely unit occurs.
    """

    def __init__(self, stratum: str, stage: int = 1) -> None:
        self.stratum = stratum
        self.stage = stage
        where = f"Stratum ({stratum})" if stage == 1 else f"PSU ({stratum})"
        unit = "PSU" if stage == 1 else "secondary sampling unit"
        super().__init__(
            f"{where} has only one {unit} at stage {stage}; variance cannot be "
            f"estimated. Choose lonely_psu='remove', 'certainty', 'adjust' or 'average'."
        )


class ConvergenceError(AnalysisError):
    """An iterative procedure (raking, calibration) did not converge.

    Parameters
    ----------
    message : str
        Human-readable description.
    report : object, optional
        The convergence report (iterations, final discrepancy) for inspection.
    """

    def __init__(self, message: str, report: object | None = None) -> None:
        self.report = report
        super().__init__(message)
