"""Survey designs: weights, strata, one- or two-stage clusters, finite population corrections.

A :class:`DesignSpec` names the columns that describe how a sample was drawn;
:meth:`DesignSpec.build` (or :func:`build_design`) turns it and a data set into
an immutable :class:`SurveyDesign` holding integer codes and per-stratum sizes,
ready for the variance routines.  The conventions follow R's ``svydesign()``
(``survey`` package): PSUs are nested in strata, SSUs in PSUs, an ``fpc``
column holds either population sizes (any value above 1) or sampling fractions
(all values at most 1), and without a weight column the weights follow from
the finite population corrections.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

from .columns import factorize, factorize_values, get_column, n_rows
from .errors import DesignError, MissingDesignValueError
from .results import SummaryText

__all__ = [
    "CalibrationStep",
    "DesignSpec",
    "DomainDF",
    "LonelyPSU",
    "PostStratificationStep",
    "RakingMargin",
    "RakingStep",
    "SurveyDesign",
    "build_design",
    "factorize",
    "factorize_values",
    "get_column",
]

LonelyPSU = Literal["fail", "remove", "certainty", "adjust", "average"]
LONELY_OPTIONS: tuple[str, ...] = ("fail", "remove", "certainty", "adjust", "average")
DomainDF = Literal["domain", "design"]
DOMAIN_DF_OPTIONS: tuple[str, ...] = ("domain", "design")


@dataclass(frozen=True)
class DesignSpec:
    """Names of the columns describing a sample design.

    Parameters
    ----------
    weight : str, optional
        Sampling weight column. Without it, weights follow from ``fpc``/``fpc2``
        (population over sample sizes), or are all 1.
    strata : str, optional
        Stratum column.
    psu : str, optional
        Primary sampling unit (cluster) column; without it every row is its own PSU.
    ssu : str, optional
        Secondary sampling unit column (two-stage designs), nested in ``psu``.
    fpc : str, optional
        Stage-1 finite population correction: number of PSUs in the stratum's
        population (any value > 1) or the sampling fraction (all values <= 1).
    fpc2 : str, optional
        Stage-2 finite population correction (SSUs in the PSU's population, or
        fraction). The stage-2 variance term is included only with both fpcs,
        as in R.
    lonely_psu : {"fail", "remove", "certainty", "adjust", "average"}
        Treatment of strata with a single PSU, as R's ``survey.lonely.psu``
        (R survey >= 4.4: ``adjust`` centres at the mean of all PSU totals).
    adjust_domain_lonely : bool
        Also apply ``adjust`` and ``average`` to strata with several PSUs of
        which only one holds rows of the domain, as R's
        ``options(survey.adjust.domain.lonely=TRUE)``.
    domain_df : {"domain", "design"}
        Degrees of freedom of domain estimates: PSUs with an observation in
        the domain minus their strata (``"domain"``, R's ``degf()`` of the
        subset; the default, because a domain resting on few PSUs then gets
        the wider interval it needs) or the whole design's PSUs minus strata
        (``"design"``, as Stata's ``subpop`` and samplics).
    """

    weight: str | None = None
    strata: str | None = None
    psu: str | None = None
    ssu: str | None = None
    fpc: str | None = None
    fpc2: str | None = None
    lonely_psu: LonelyPSU = "fail"
    adjust_domain_lonely: bool = False
    domain_df: DomainDF = "domain"

    def columns(self) -> list[str]:
        """Names of all columns the design uses."""
        names = [self.weight, self.strata, self.psu, self.ssu, self.fpc, self.fpc2]
        return [c for c in names if c]

    def build(self, data: Any) -> SurveyDesign:
        """Build the :class:`SurveyDesign` for ``data``; see :func:`build_design`."""
        return build_design(data, self)


@dataclass(frozen=True, eq=False)
class RakingMargin:
    """One margin of a raked design: its groups and the weights after its last adjustment."""

    column: str
    group: np.ndarray
    labels: np.ndarray
    weights: np.ndarray


@dataclass(frozen=True, eq=False)
class PostStratificationStep:
    """Post-stratification step (R ``postStratify``) kept for the variance.

    Attributes
    ----------
    column : str
        Post-stratifying column (or a ``+``-joined list for crossed columns).
    group : numpy.ndarray
        Post-stratum code of each row.
    labels : numpy.ndarray
        Post-stratum labels.
    old_weights, new_weights : numpy.ndarray
        Weights before and after the step.
    """

    column: str
    group: np.ndarray
    labels: np.ndarray
    old_weights: np.ndarray
    new_weights: np.ndarray


@dataclass(frozen=True, eq=False)
class RakingStep:
    """Raking (iterative proportional fitting) step, as R's ``rake`` records it."""

    margins: tuple[RakingMargin, ...]


@dataclass(frozen=True, eq=False)
class CalibrationStep:
    """Calibration to categorical margins (R ``calibrate``) kept for the variance.

    Attributes
    ----------
    columns : tuple of str
        Margin names (crossed columns joined with ``+``).
    groups : tuple of numpy.ndarray
        Category code of each row, one array per margin.
    n_groups : tuple of int
        Number of categories of each margin.
    g : numpy.ndarray
        g-weight of each row: final weight over the weight before the step.
    calfun : str
        Calibration distance (``"raking"`` or ``"linear"``).
    """

    columns: tuple[str, ...]
    groups: tuple[np.ndarray, ...]
    n_groups: tuple[int, ...]
    g: np.ndarray
    calfun: str


CalibrationSteps = PostStratificationStep | RakingStep | CalibrationStep


@dataclass(frozen=True, eq=False)
class SurveyDesign(SummaryText):
    """A survey design bound to one data set (immutable).

    Use :func:`build_design` or :meth:`DesignSpec.build` to create one.

    Attributes
    ----------
    spec : DesignSpec
        Column names used.
    n : int
        Number of rows.
    weights : numpy.ndarray
        Final (possibly calibrated) weight of each row.
    strata, psu : numpy.ndarray of int64
        Stratum and PSU code of each row; PSU codes are global (nested in strata).
    strata_labels, psu_labels : numpy.ndarray
        Labels for the codes (PSU labels are the original PSU identifiers).
    psu_stratum : numpy.ndarray
        Stratum code of each PSU.
    n_psu : numpy.ndarray
        Sampled PSUs per stratum.
    pop_psu : numpy.ndarray
        Population PSUs per stratum (``inf`` without fpc).
    ssu, ssu_psu, n_ssu, pop_ssu : numpy.ndarray or None
        Two-stage information: SSU code of each row, PSU of each SSU, sampled and
        population SSUs per PSU.
    two_stage : bool
        Whether the stage-2 variance term is computed (needs ``fpc`` and ``fpc2``).
    calibration : tuple
        Post-stratification and raking steps, in order.
    """

    spec: DesignSpec
    n: int
    weights: np.ndarray
    strata: np.ndarray
    strata_labels: np.ndarray
    psu: np.ndarray
    psu_labels: np.ndarray
    psu_stratum: np.ndarray
    n_psu: np.ndarray
    pop_psu: np.ndarray
    has_fpc: bool = False
    has_strata: bool = False
    ssu: np.ndarray | None = None
    ssu_psu: np.ndarray | None = None
    n_ssu: np.ndarray | None = None
    pop_ssu: np.ndarray | None = None
    two_stage: bool = False
    calibration: tuple[CalibrationSteps, ...] = field(default_factory=tuple)

    @property
    def lonely_psu(self) -> str:
        """Lonely-PSU rule of the design."""
        return self.spec.lonely_psu

    @property
    def domain_df(self) -> str:
        """Degrees-of-freedom convention of domain estimates (``"domain"`` or ``"design"``)."""
        return self.spec.domain_df

    @property
    def n_strata(self) -> int:
        """Number of strata."""
        return len(self.n_psu)

    @property
    def n_psus(self) -> int:
        """Number of PSUs."""
        return len(self.psu_stratum)

    @property
    def degf(self) -> int:
        """Design degrees of freedom of the whole sample: PSUs minus strata."""
        return int(self.n_psus - self.n_strata)

    @property
    def calibrated(self) -> bool:
        """Whether the weights were post-stratified or raked."""
        return bool(self.calibration)

    def with_lonely_psu(self, rule: LonelyPSU) -> SurveyDesign:
        """Copy of the design with another lonely-PSU rule."""
        _check_lonely(rule)
        return replace(self, spec=replace(self.spec, lonely_psu=rule))

    def with_domain_df(self, domain_df: DomainDF) -> SurveyDesign:
        """Copy of the design with another domain degrees-of-freedom convention."""
        _check_domain_df(domain_df)
        return replace(self, spec=replace(self.spec, domain_df=domain_df))

    def summary(self) -> str:
        """Readable description of the design."""
        stages = "two-stage" if self.ssu is not None else "one-stage"
        lines = [
            f"Survey design: {self.n} rows, {self.n_strata} strata, {self.n_psus} PSUs ({stages})",
            (
                f"  weights: {self.spec.weight or ('from fpc' if self.has_fpc else 'equal')}"
                f", sum {self.weights.sum():.6g}"
            ),
            (
                f"  fpc: {'yes' if self.has_fpc else 'no (with replacement)'}"
                f"{', stage-2 variance included' if self.two_stage else ''}"
            ),
            (
                f"  lonely PSUs: {int((self.n_psu == 1).sum())} stratum(a), rule "
                f"'{self.lonely_psu}'{', also within domains' if self.spec.adjust_domain_lonely else ''}"
            ),
            f"  design df: {self.degf}; domain df: {self.domain_df}",
        ]
        for step in self.calibration:
            if isinstance(step, PostStratificationStep):
                lines.append(f"  post-stratified on {step.column}")
            elif isinstance(step, CalibrationStep):
                lines.append(f"  calibrated ({step.calfun}) on {', '.join(step.columns)}")
            else:
                lines.append(f"  raked on {', '.join(m.column for m in step.margins)}")
        return "\n".join(lines)


def _check_domain_df(domain_df: str) -> None:
    if domain_df not in DOMAIN_DF_OPTIONS:
        raise DesignError(
            f"Unknown domain_df '{domain_df}'; use one of {', '.join(DOMAIN_DF_OPTIONS)}"
        )


def _check_lonely(rule: str) -> None:
    if rule not in LONELY_OPTIONS:
        raise DesignError(
            f"Unknown lonely_psu rule '{rule}'; use one of {', '.join(LONELY_OPTIONS)}"
        )


def _numeric(values: np.ndarray, column: str) -> np.ndarray:
    try:
        out = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise DesignError(f"Column '{column}' must be numeric") from None
    if np.isnan(out).any():
        row = int(np.flatnonzero(np.isnan(out))[0])
        raise DesignError(f"Column '{column}' has a missing value (row {row + 1})")
    return out


@dataclass(frozen=True)
class _FpcStage:
    """One stage's finite population correction: its option, column and sampling groups."""

    option: str
    column: str | None
    group_name: str
    group_labels: Any
    must_be_positive: bool

    def population(
        self, fpc: np.ndarray, group: np.ndarray, n_sampled: np.ndarray, is_popsize: bool
    ) -> np.ndarray:
        """Population size of each group (PSUs per stratum or SSUs per PSU).

        Raises
        ------
        DesignError
            Where the column varies within a group, is not positive (stage 1) or
            implies more units sampled than there are in the population.
        """
        per, bad_group = _constant_within(fpc, group, len(n_sampled))
        if bad_group is not None:
            bad = self.group_labels[bad_group]
            raise DesignError(
                f"{self.option} column '{self.column}' varies within {self.group_name} {bad}"
            )
        if self.must_be_positive and (per <= 0).any():
            raise DesignError(f"{self.option} column '{self.column}' must be positive")
        population = per if is_popsize else n_sampled / per
        too_small = population < n_sampled - 1e-9
        if too_small.any():
            bad = self.group_labels[int(np.flatnonzero(too_small)[0])]
            raise DesignError(
                f"{self.option} implies more than 100% sampling in {self.group_name} {bad}"
            )
        return population


def _constant_within(
    values: np.ndarray, group: np.ndarray, n_groups: int
) -> tuple[np.ndarray, int | None]:
    """Value of each group and the first group where ``values`` is not constant."""
    some_row = np.zeros(n_groups, dtype=np.int64)
    # fancy assignment keeps one row index per group (which one does not matter)
    some_row[group] = np.arange(len(group))
    per_group = values[some_row]
    bad = values != per_group[group]
    if bad.any():
        return per_group, int(group[np.flatnonzero(bad)[0]])
    return per_group, None


def _nested_codes(
    data: Any, column: str, strata_column: str | None, strata: np.ndarray, strata_labels: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Codes of a PSU or SSU column; a missing identifier is reported with its row's stratum."""
    try:
        return factorize(get_column(data, column), column)
    except MissingDesignValueError as exc:
        if strata_column is None:
            raise
        stratum = str(strata_labels[strata[exc.row - 1]])
        raise MissingDesignValueError(exc.column, exc.row, stratum=stratum) from None


def build_design(data: Any, spec: DesignSpec | None = None, **columns: Any) -> SurveyDesign:
    """Build a :class:`SurveyDesign` from data and column names.

    Parameters
    ----------
    data : pandas.DataFrame or mapping of str to array-like
        The sample, one row per respondent.
    spec : DesignSpec, optional
        Column names; keyword arguments (``weight=``, ``strata=``, ...) may be
        given instead.
    **columns
        Fields of :class:`DesignSpec`, used when ``spec`` is None.

    Returns
    -------
    SurveyDesign

    Raises
    ------
    DesignError
        Unknown or missing design columns, non-positive weights, fpc varying
        within a stratum or implying more than 100 % sampling, SSUs without PSUs.
    """
    if spec is None:
        spec = DesignSpec(**columns)
    _check_lonely(spec.lonely_psu)
    _check_domain_df(spec.domain_df)
    n = n_rows(data)
    if n == 0:
        raise DesignError("The data set has no rows")
    if spec.ssu and not spec.psu:
        raise DesignError("An SSU column needs a PSU column (--ssu needs --psu)")
    if spec.fpc2 and not spec.fpc:
        raise DesignError("A stage-2 fpc needs a stage-1 fpc (--fpc2 needs --fpc)")
    if spec.fpc2 and not spec.ssu:
        raise DesignError("A stage-2 fpc needs an SSU column (--fpc2 needs --ssu)")

    if spec.strata:
        strata, strata_labels = factorize(get_column(data, spec.strata), spec.strata)
    else:
        strata, strata_labels = np.zeros(n, dtype=np.int64), np.array(["1"], dtype=object)
    n_str = len(strata_labels)

    if spec.psu:
        psu_raw, psu_raw_labels = _nested_codes(data, spec.psu, spec.strata, strata, strata_labels)
        # nest PSUs in strata (R's nest=TRUE): the PSU is the (stratum, id) pair
        key = strata * len(psu_raw_labels) + psu_raw
        uniq, psu = np.unique(key, return_inverse=True)
        psu_stratum = uniq // len(psu_raw_labels)
        psu_labels = psu_raw_labels[uniq % len(psu_raw_labels)]
    else:
        psu = np.arange(n, dtype=np.int64)
        psu_stratum = strata.copy()
        psu_labels = np.arange(1, n + 1)
    psu = psu.astype(np.int64)
    n_psus = len(psu_stratum)
    n_psu = np.bincount(psu_stratum, minlength=n_str).astype(np.float64)

    ssu = ssu_psu = n_ssu = pop_ssu = None
    if spec.ssu:
        ssu_raw, ssu_raw_labels = _nested_codes(data, spec.ssu, spec.strata, strata, strata_labels)
        key = psu * len(ssu_raw_labels) + ssu_raw
        uniq, ssu = np.unique(key, return_inverse=True)
        ssu = ssu.astype(np.int64)
        ssu_psu = (uniq // len(ssu_raw_labels)).astype(np.int64)
        n_ssu = np.bincount(ssu_psu, minlength=n_psus).astype(np.float64)

    has_fpc = bool(spec.fpc)
    pop_psu = np.full(n_str, np.inf)
    if spec.fpc:
        fpc1 = _numeric(get_column(data, spec.fpc), spec.fpc)
        fpc2 = _numeric(get_column(data, spec.fpc2), spec.fpc2) if spec.fpc2 else None
        allv = fpc1 if fpc2 is None else np.concatenate([fpc1, fpc2])
        is_popsize = bool((allv > 1).any())
        if is_popsize and not (allv >= 1).all():
            raise DesignError(
                "fpc values must be all >= 1 (population sizes) or all <= 1 (fractions)"
            )
        stage1 = _FpcStage("fpc", spec.fpc, "stratum", strata_labels, must_be_positive=True)
        pop_psu = stage1.population(fpc1, strata, n_psu, is_popsize)
        if fpc2 is not None:
            assert ssu is not None and n_ssu is not None
            stage2 = _FpcStage("fpc2", spec.fpc2, "PSU", psu_labels, must_be_positive=False)
            pop_ssu = stage2.population(fpc2, psu, n_ssu, is_popsize)

    if spec.weight:
        weights = _numeric(get_column(data, spec.weight), spec.weight)
        if (weights <= 0).any() or not np.isfinite(weights).all():
            row = int(np.flatnonzero((weights <= 0) | ~np.isfinite(weights))[0])
            raise DesignError(f"Weight column '{spec.weight}' must be positive (row {row + 1})")
    elif spec.fpc:
        weights = (pop_psu / n_psu)[strata]
        if pop_ssu is not None:
            assert n_ssu is not None
            weights = weights * (pop_ssu / n_ssu)[psu]
    else:
        weights = np.ones(n)

    return SurveyDesign(
        spec=spec,
        n=n,
        weights=np.ascontiguousarray(weights, dtype=np.float64),
        strata=strata,
        strata_labels=strata_labels,
        psu=psu,
        psu_labels=psu_labels,
        psu_stratum=psu_stratum.astype(np.int64),
        n_psu=n_psu,
        pop_psu=np.asarray(pop_psu, dtype=np.float64),
        has_fpc=has_fpc,
        has_strata=bool(spec.strata),
        ssu=ssu,
        ssu_psu=ssu_psu,
        n_ssu=n_ssu,
        pop_ssu=None if pop_ssu is None else np.asarray(pop_ssu, dtype=np.float64),
        two_stage=bool(spec.ssu and spec.fpc and spec.fpc2),
    )
