"""Post-stratification and raking of a survey design (R ``postStratify``/``rake``).

The design-level side of :mod:`analysis.weighting` (the array-level side is
:func:`~analysis.weighting.poststratify` and :func:`~analysis.weighting.rake`).
Both return a new :class:`~analysis.design.SurveyDesign` whose weights match
the population counts and which remembers each adjustment, so that variances
are computed as R computes them: influence values are replaced by residuals
within post-strata, and for raking by residuals after ten sweeps over the
margins.  Raking stops, as R's does, when no cell of the joint table of the
margin variables changes by ``epsilon`` or more between two iterations; unlike
R it fails loudly (:class:`~analysis.errors.ConvergenceError`) when it does not
converge, and it can bound the adjustment factors (trimming).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from analysis.design import (
    CalibrationStep,
    PostStratificationStep,
    RakingMargin,
    RakingStep,
    SurveyDesign,
    get_column,
)
from analysis.errors import ConvergenceError, DesignError
from analysis.results import SummaryText
from analysis.weighting.raking import RakingResult, rake

__all__ = [
    "RakingReport",
    "calibrate_design",
    "declare_calibration",
    "poststratify_design",
    "rake_design",
]


def _groups(data: Any, columns: str | Sequence[str]) -> tuple[np.ndarray, list[str], str]:
    """Group code of each row for one column or crossed columns, labels as text."""
    cols = [columns] if isinstance(columns, str) else list(columns)
    parts = []
    for c in cols:
        values = pd.Series(get_column(data, c))
        if values.isna().any():
            row = int(np.flatnonzero(values.isna().to_numpy())[0])
            raise DesignError(f"Column '{c}' has a missing value (row {row + 1}); cannot calibrate")
        parts.append(values.map(_label).to_numpy(dtype=object))
    if len(parts) == 1:
        keys = parts[0]
    else:
        keys = np.array([":".join(t) for t in zip(*parts)], dtype=object)
    codes, labels = pd.factorize(pd.Series(keys), sort=True)
    return codes.astype(np.int64), [str(v) for v in labels], "+".join(cols)


def _label(value: Any) -> str:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _population_vector(
    labels: list[str], population: Mapping[Any, float], column: str, partial: bool
) -> np.ndarray:
    pop = {_label(k): float(v) for k, v in population.items()}
    missing = [lab for lab in labels if lab not in pop]
    if missing:
        raise DesignError(f"No population total for {column}={missing[0]} (present in the sample)")
    absent = [k for k, v in pop.items() if k not in labels and v > 0]
    if absent and not partial:
        raise DesignError(
            f"Population group {column}={absent[0]} has no sample rows; "
            "use partial=True to ignore it"
        )
    return np.array([pop[lab] for lab in labels])


def poststratify_design(
    design: SurveyDesign,
    data: Any,
    strata: str | Sequence[str],
    population: Mapping[Any, float],
    *,
    partial: bool = False,
) -> SurveyDesign:
    """Post-stratify the weights to known population counts.

    Parameters
    ----------
    design : SurveyDesign
        The design to adjust.
    data : pandas.DataFrame or mapping
        The same data the design was built on.
    strata : str or sequence of str
        Post-stratifying column(s); several columns are crossed (labels joined
        with ``:``).
    population : mapping
        Population count of each post-stratum, keyed by label (text or number).
    partial : bool
        Ignore population groups absent from the sample instead of failing.

    Returns
    -------
    SurveyDesign
        Design with adjusted weights; its variances account for the
        post-stratification exactly as R's ``postStratify`` does.

    Raises
    ------
    DesignError
        A sample post-stratum without population count, or a population group
        without sample rows (unless ``partial``).
    """
    group, labels, column = _groups(data, strata)
    pop = _population_vector(labels, population, column, partial)
    sample = np.bincount(group, weights=design.weights, minlength=len(labels))
    new = design.weights * (pop / sample)[group]
    step = PostStratificationStep(
        column=column,
        group=group,
        labels=np.asarray(labels, dtype=object),
        old_weights=design.weights,
        new_weights=new,
    )
    return replace(design, weights=new, calibration=design.calibration + (step,))


@dataclass(frozen=True)
class RakingReport(SummaryText):
    """How raking went.

    Attributes
    ----------
    converged : bool
        Whether the joint table stopped changing by ``epsilon`` or more.
    iterations : int
        Full sweeps over the margins performed.
    max_change : float
        Largest change of a joint-table cell in the last sweep.
    epsilon : float
        Convergence threshold (absolute, in weighted counts).
    max_margin_error : float
        Largest absolute difference between a raked margin and its target.
    trimmed : int
        Rows whose adjustment factor was cut to the bounds in the last sweep.
    """

    converged: bool
    iterations: int
    max_change: float
    epsilon: float
    max_margin_error: float
    trimmed: int = 0

    def summary(self) -> str:
        """One-line description."""
        state = "converged" if self.converged else "did NOT converge"
        return (
            f"Raking {state} after {self.iterations} iteration(s): largest change "
            f"{self.max_change:.3g} (epsilon {self.epsilon:g}), largest margin error "
            f"{self.max_margin_error:.3g}, {self.trimmed} trimmed row(s)"
        )


def rake_design(
    design: SurveyDesign,
    data: Any,
    margins: Mapping[str, Mapping[Any, float]],
    *,
    max_iter: int = 10,
    epsilon: float = 1.0,
    bounds: tuple[float, float] | None = None,
    on_failure: str = "raise",
) -> tuple[SurveyDesign, RakingReport]:
    """Rake the weights to several known margins (iterative proportional fitting).

    Follows R's ``rake(design, list(~a, ~b), list(pop.a, pop.b))`` with its
    default ``control = list(maxit = 10, epsilon = 1)``.

    Parameters
    ----------
    design : SurveyDesign
        The design to adjust.
    data : pandas.DataFrame or mapping
        The data the design was built on.
    margins : mapping of column to mapping of label to count
        Population count of each category of each margin variable, in the
        order the margins are to be adjusted.
    max_iter : int
        Maximum number of sweeps.
    epsilon : float
        Convergence threshold on the joint table of the margin variables:
        absolute if at least 1, otherwise relative to the sum of the weights.
    bounds : (float, float), optional
        Lower and upper bounds of the adjustment factor (new weight over the
        weight before raking), applied after every sweep (weight trimming).
    on_failure : {"raise", "warn"}
        Raise :class:`ConvergenceError` (default) or return the unconverged
        design with ``report.converged`` False.

    Returns
    -------
    design : SurveyDesign
    report : RakingReport

    Raises
    ------
    ConvergenceError
        If raking does not converge within ``max_iter`` sweeps.
    """
    if not margins:
        raise DesignError("rake() needs at least one margin")
    groups = []
    for column, population in margins.items():
        group, labels, name = _groups(data, column)
        pop = _population_vector(labels, population, name, partial=False)
        groups.append((name, group, labels, pop))
    # R checks convergence on the weighted joint table of all margin variables
    joint = np.zeros(design.n, dtype=np.int64)
    for _, group, labels, _ in groups:
        joint = joint * len(labels) + group
    joint = np.unique(joint, return_inverse=True)[1].reshape(-1)
    n_joint = int(joint.max()) + 1
    eps = epsilon * design.weights.sum() if epsilon < 1 else epsilon
    base = design.weights
    w = base.copy()
    old_table = np.bincount(joint, weights=w, minlength=n_joint)
    converged = False
    iterations = 0
    delta = float("inf")
    trimmed = 0
    step_weights: list[np.ndarray] = []
    while iterations < max_iter:
        step_weights = []
        for _, group, labels, pop in groups:
            sample = np.bincount(group, weights=w, minlength=len(labels))
            w = w * (pop / sample)[group]
            step_weights.append(w)
        if bounds is not None:
            g = w / base
            clipped = np.clip(g, bounds[0], bounds[1])
            trimmed = int((clipped != g).sum())
            w = base * clipped
        new_table = np.bincount(joint, weights=w, minlength=n_joint)
        delta = float(np.max(np.abs(old_table - new_table)))
        if delta < eps:
            converged = True
            break
        old_table = new_table
        iterations += 1
    margin_error = max(
        float(np.max(np.abs(np.bincount(group, weights=w, minlength=len(labels)) - pop)))
        for _, group, labels, pop in groups
    )
    report = RakingReport(
        converged=converged,
        iterations=iterations + (1 if converged else 0),
        max_change=delta,
        epsilon=eps,
        max_margin_error=margin_error,
        trimmed=trimmed,
    )
    if not converged and on_failure == "raise":
        raise ConvergenceError(
            f"Raking on {', '.join(name for name, *_ in groups)} did not converge after "
            f"{max_iter} iterations (largest change {delta:.4g} >= epsilon {eps:g})",
            report,
        )
    step = RakingStep(
        margins=tuple(
            RakingMargin(
                column=name, group=group, labels=np.asarray(labels, dtype=object), weights=sw
            )
            for (name, group, labels, _), sw in zip(groups, step_weights)
        )
    )
    return replace(design, weights=w, calibration=design.calibration + (step,)), report


def _margin_name(columns: str | Sequence[str]) -> str:
    return columns if isinstance(columns, str) else "+".join(columns)


def calibrate_design(
    design: SurveyDesign,
    data: Any,
    margins: Mapping[str | tuple[str, ...], Mapping[Any, float]],
    *,
    calfun: str = "raking",
    bounds: tuple[float, float] | None = None,
    maxit: int = 200,
    tol: float = 1e-10,
) -> tuple[SurveyDesign, RakingResult]:
    """Calibrate the weights to categorical margins, R ``calibrate(..., calfun = "raking")``.

    Unlike :func:`rake_design` (R ``rake``) the variance is R's for
    ``calibrate``: influence values are replaced by their residuals from the
    regression on all margin indicators (weighted by the input weights), times
    the g-weights.  A margin may cross several columns (``("province", "sex")``,
    labels joined with ``:``).

    Parameters
    ----------
    design : SurveyDesign
        The design to calibrate.
    data : pandas.DataFrame or mapping
        The data the design was built on.
    margins : mapping
        Column (or tuple of crossed columns) to ``{label: population count}``.
    calfun : {"raking"}
        Calibration distance; raking keeps the weights positive.
    bounds : (float, float), optional
        Bounds of the g-weights (bounded raking).
    maxit, tol : int, float
        Cycles and relative margin tolerance of the raking.

    Returns
    -------
    design : SurveyDesign
        Calibrated design that remembers the step for the variance.
    result : RakingResult
        Convergence report and margins table.

    Raises
    ------
    DesignError
        A category without population count (or the reverse), disagreeing
        grand totals, bad bounds.
    ConvergenceError
        The margins are not met within ``maxit`` cycles.
    """
    if calfun != "raking":
        raise DesignError(f"Unknown calfun '{calfun}' (use raking)")
    if not margins:
        raise DesignError("calibrate() needs at least one margin")
    variables: dict[str, np.ndarray] = {}
    totals: dict[str, Mapping[Any, float]] = {}
    groups, sizes, names = [], [], []
    for columns, population in margins.items():
        group, labels, name = _groups(data, columns)
        pop = _population_vector(labels, population, name, partial=False)
        variables[name] = group
        totals[name] = dict(enumerate(pop.tolist()))
        groups.append(group)
        sizes.append(len(labels))
        names.append(_margin_name(columns))
    result = rake(design.weights, variables, totals, bounds=bounds, maxit=maxit, tol=tol)
    g = np.asarray(result.g)
    if (g <= 0).any():
        row = int(np.flatnonzero(g <= 0)[0])
        raise DesignError(f"Row {row + 1} has no positive weight; cannot calibrate")
    step = CalibrationStep(
        columns=tuple(names), groups=tuple(groups), n_groups=tuple(sizes), g=g, calfun=calfun
    )
    weights = np.asarray(result.weights, dtype=np.float64)
    return replace(design, weights=weights, calibration=design.calibration + (step,)), result


def declare_calibration(
    design: SurveyDesign,
    margins: Mapping[str, np.ndarray],
    g: np.ndarray,
    *,
    calfun: str = "raking",
) -> SurveyDesign:
    """A design whose weights were calibrated elsewhere, told so for its variance.

    Weights computed and stored beforehand (e.g. a weight set raked to
    margins) give the variance of R ``calibrate`` when the design knows the
    margin category of each row and its g-weight.

    Parameters
    ----------
    design : SurveyDesign
        Design built on the final (calibrated) weights.
    margins : mapping of str to array
        Category label of each row for every calibration margin.
    g : array
        g-weight of each row (final weight over the weight before calibration).
    calfun : str
        Calibration distance, for the record.

    Returns
    -------
    SurveyDesign
        The same weights with a calibration step.

    Raises
    ------
    DesignError
        Arrays of the wrong length or g-weights that are not positive.
    """
    g = np.asarray(g, dtype=np.float64)
    if g.shape != (design.n,) or not (np.isfinite(g) & (g > 0)).all():
        raise DesignError(f"g-weights must be {design.n} positive numbers")
    groups, sizes = [], []
    for name, labels in margins.items():
        values = np.asarray(labels, dtype=object)
        if values.shape != (design.n,):
            raise DesignError(f"Margin '{name}' has {values.size} labels for {design.n} rows")
        codes, uniques = pd.factorize(pd.Series(values).map(_label), sort=True)
        groups.append(codes.astype(np.int64))
        sizes.append(len(uniques))
    step = CalibrationStep(
        columns=tuple(margins), groups=tuple(groups), n_groups=tuple(sizes), g=g, calfun=calfun
    )
    return replace(design, calibration=design.calibration + (step,))
