"""Taylor-linearization variance for stratified one- and two-stage designs.

Every estimator in the package is a smooth function of weighted totals; its
variance is the design variance of the estimated total of its *influence*
(linearized) variable.  This module holds the one routine that turns influence
values into variances, following R's ``svyrecvar()``:

* stage 1: between-PSU variance within strata, with ``f_h = (N_h - n_h)/N_h``
  and the factor ``n_h/(n_h - 1)``;
* stage 2 (only with both fpcs): between-SSU variance within each PSU, scaled
  by the stage-1 sampling fraction ``n_h/N_h``;
* lonely PSUs: ``fail``, ``remove``, ``certainty`` (no contribution),
  ``adjust`` (centred at the estimate's total over the design PSUs of the
  strata it touches, as R survey >= 4.4 ``arma_onestage()``; zero for means
  and ratios, whose influence values sum to zero), ``average`` (mean of the
  other strata);
* post-stratification and raking: influence values are first replaced by
  their residuals within post-strata (raking: ten sweeps over the margins),
  exactly as R does;
* calibration (R ``calibrate``, e.g. raking to crossed margins): influence
  values are replaced by their residuals from the least-squares regression on
  the margin indicators weighted by the input weights, times the g-weights, as
  R's ``svyrecvar`` does with a ``greg_calibration``.

For speed the routine works on *cells*: groups of rows sharing PSU (or SSU),
domain and calibration class.  Every quantity it needs is a sum over rows
within cells, so 1,000,000 rows collapse to a few thousand cells before any
variance arithmetic.  Domains are never estimated by dropping rows: rows
outside a domain simply contribute zero influence, and PSUs without any row
of the domain still count in their stratum (zero totals), which is what a
full-design domain estimate requires.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .calibration_cells import CalibrationCells, greg_residuals
from .design import CalibrationStep, PostStratificationStep, SurveyDesign
from .errors import DesignError, LonelyPSUError

__all__ = ["Cells", "factorize_keys", "linearized_variance", "make_cells", "rowsum"]

SELF_REPRESENTING = 1e-7  # R: f < 0.0000001 means a certainty stratum
RAKING_SWEEPS = 10  # R's svyrecvar() sweeps the raking margins ten times


def factorize_keys(key: np.ndarray, max_key: int) -> tuple[np.ndarray, np.ndarray]:
    """Dense codes ``0..k-1`` for non-negative integer keys, in increasing key order.

    Parameters
    ----------
    key : numpy.ndarray of int64
        Keys, all in ``[0, max_key)``.
    max_key : int
        Upper bound of the keys.

    Returns
    -------
    codes : numpy.ndarray of int64
        Code of each key.
    uniques : numpy.ndarray of int64
        The distinct keys, sorted; ``uniques[codes] == key``.
    """
    if max_key <= 8_000_000:
        present = np.zeros(max_key, dtype=bool)
        present[key] = True
        uniques = np.flatnonzero(present)
        lookup = np.cumsum(present, dtype=np.int64) - 1
        return lookup[key], uniques
    uniques, codes = np.unique(key, return_inverse=True)
    return codes.astype(np.int64).reshape(-1), uniques


def rowsum(ids: np.ndarray, x: np.ndarray, n_groups: int) -> np.ndarray:
    """Sum the rows of ``x`` within groups ``ids`` (R's ``rowsum``), vectorised.

    Parameters
    ----------
    ids : numpy.ndarray of int
        Group of each row, ``0 .. n_groups-1``.
    x : numpy.ndarray
        Values, shape ``(n,)`` or ``(n, m)``.
    n_groups : int
        Number of groups.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_groups,)`` or ``(n_groups, m)``.
    """
    if x.ndim == 1:
        return np.bincount(ids, weights=x, minlength=n_groups)
    m = x.shape[1]
    if m <= 2 or len(ids) * m > 50_000_000:
        return np.column_stack([np.bincount(ids, weights=x[:, j], minlength=n_groups) for j in range(m)]).reshape(n_groups, m)
    # one bincount over (group, column) keys; each sum adds its rows in their order, as a loop would
    keys = (np.asarray(ids, dtype=np.int64)[:, None] * m + np.arange(m)).ravel()
    sums = np.bincount(keys, weights=np.asarray(x, dtype=np.float64).ravel(), minlength=n_groups * m)
    return sums.reshape(n_groups, m)


@dataclass(frozen=True, eq=False)
class Cells:
    """Rows aggregated into cells of equal PSU, SSU, domain and calibration class.

    Attributes
    ----------
    psu, ssu : numpy.ndarray
        PSU (and SSU, for two-stage variance) code of each cell.
    dom : numpy.ndarray
        Domain code of each cell, ``-1`` for rows outside every domain (kept
        only for calibrated designs, where they still carry influence).
    n_domains : int
        Number of domains.
    weight, count : numpy.ndarray
        Sum of final weights and number of rows in each cell.
    calibration : tuple of CalibrationCells
        Calibration adjustments, in order.
    row_cell : numpy.ndarray
        Cell of each row (``-1`` for dropped rows); length ``n`` of the design.
    """

    psu: np.ndarray
    ssu: np.ndarray | None
    dom: np.ndarray
    n_domains: int
    weight: np.ndarray
    count: np.ndarray
    calibration: tuple[CalibrationCells, ...]
    row_cell: np.ndarray

    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return len(self.psu)

    def aggregate(self, values: np.ndarray) -> np.ndarray:
        """Sum row values (``(n,)`` or ``(n, m)``) into cells."""
        keep = self.row_cell >= 0
        if keep.all():
            return rowsum(self.row_cell, values, self.n_cells)
        return rowsum(self.row_cell[keep], values[keep], self.n_cells)


def make_cells(
    design: SurveyDesign, dom: np.ndarray, n_domains: int, *, by_row: bool = False
) -> Cells:
    """Group the rows of a design into variance cells.

    Parameters
    ----------
    design : SurveyDesign
        The design.
    dom : numpy.ndarray of int
        Domain code of each row (``0 .. n_domains-1``), ``-1`` if in no domain.
    n_domains : int
        Number of domains.
    by_row : bool
        Make every row its own cell (used by the general estimators, whose
        influence values vary within cells).

    Returns
    -------
    Cells
    """
    n = design.n
    dom = np.asarray(dom, dtype=np.int64)
    keep_outside = design.calibrated
    base = design.ssu if design.two_stage else design.psu
    assert base is not None
    n_base = int(base.max()) + 1
    calib_groups: list[tuple[np.ndarray, int]] = []
    for step in design.calibration:
        if isinstance(step, PostStratificationStep):
            calib_groups.append((step.group, len(step.labels)))
        elif isinstance(step, CalibrationStep):
            calib_groups.extend(zip(step.groups, step.n_groups))
        else:
            calib_groups.extend((m.group, len(m.labels)) for m in step.margins)

    rows: np.ndarray | None
    if by_row:
        rows = np.arange(n) if keep_outside else np.flatnonzero(dom >= 0)
        row_cell = np.full(n, -1, dtype=np.int64)
        row_cell[rows] = np.arange(len(rows))
        cell_rows = rows
        n_cells = len(rows)
    else:
        dom_key = np.where(dom >= 0, dom, n_domains) if keep_outside else dom
        rows = None if keep_outside else np.flatnonzero(dom >= 0)
        sel = slice(None) if rows is None else rows
        key = base[sel] * (n_domains + 1) + dom_key[sel]
        max_key = n_base * (n_domains + 1)
        for group, n_groups in calib_groups:
            key = key * n_groups + group[sel]
            max_key *= n_groups
        codes, _ = factorize_keys(key, max_key)
        n_cells = int(codes.max()) + 1 if len(codes) else 0
        if rows is None:
            row_cell, rows = codes, np.arange(n)
        else:
            row_cell = np.full(n, -1, dtype=np.int64)
            row_cell[rows] = codes
        # one representative row per cell carries the cell's codes (the last row of the cell)
        cell_rows = np.zeros(n_cells, dtype=np.int64)
        cell_rows[codes] = rows

    in_cell = row_cell >= 0
    keep = slice(None) if in_cell.all() else in_cell  # every row in a cell: no copies
    rc = row_cell[keep]
    w = design.weights
    weight = np.bincount(rc, weights=w[keep], minlength=n_cells)
    count = np.bincount(rc, minlength=n_cells).astype(np.float64)
    calibration: list[CalibrationCells] = []
    for block, step in enumerate(design.calibration):
        if isinstance(step, PostStratificationStep):
            r_new = np.bincount(rc, weights=step.new_weights[keep], minlength=n_cells) / weight
            r_old = np.bincount(rc, weights=step.old_weights[keep], minlength=n_cells) / weight
            calibration.append(
                CalibrationCells(
                    "post", step.group[cell_rows], len(step.labels), r_new, r_old, block
                )
            )
        elif isinstance(step, CalibrationStep):
            # g is constant within a cell: the cells cross every margin
            r_in = np.bincount(rc, weights=(w / step.g)[keep], minlength=n_cells) / weight
            calibration.extend(
                CalibrationCells("greg", group[cell_rows], k, r_in, None, block)
                for group, k in zip(step.groups, step.n_groups)
            )
        else:
            for margin in step.margins:
                r_new = np.bincount(rc, weights=margin.weights[keep], minlength=n_cells) / weight
                calibration.append(
                    CalibrationCells(
                        "rake", margin.group[cell_rows], len(margin.labels), r_new, None, block
                    )
                )
    cell_dom = dom[cell_rows] if n_cells else np.zeros(0, dtype=np.int64)
    return Cells(
        psu=design.psu[cell_rows],
        ssu=None if design.ssu is None else design.ssu[cell_rows],
        dom=cell_dom,
        n_domains=n_domains,
        weight=weight,
        count=count,
        calibration=tuple(calibration),
        row_cell=row_cell,
    )


def _residualize(cells: Cells, x: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Replace influence totals by their calibration residuals (R ``svyrecvar``).

    ``x`` holds cell sums of the weighted influence ``w_i z_i`` and ``u`` the
    cell sums of ``z_i``; both are updated as R updates the row values.
    """
    steps = cells.calibration
    i = 0
    while i < len(steps):
        step = steps[i]
        if step.kind == "post":
            assert step.r_old is not None
            g = step.group
            num = rowsum(g, x * (step.r_old / step.r_new)[:, None], step.n_groups)
            den = np.bincount(g, weights=step.r_old * cells.weight, minlength=step.n_groups)
            with np.errstate(invalid="ignore", divide="ignore"):
                psmean = np.where(den[:, None] > 0, num / den[:, None], 0.0)
            x = x - psmean[g] * (step.r_new * cells.weight)[:, None]
            u = u - psmean[g] * (step.r_new * cells.count)[:, None]
            i += 1
            continue
        margins = []
        while i < len(steps) and steps[i].kind == step.kind and steps[i].block == step.block:
            margins.append(steps[i])
            i += 1
        if step.kind == "greg":
            x, u = greg_residuals(cells.weight, cells.count, cells.n_cells, margins, x, u)
            continue
        counts = [np.bincount(m.group, weights=cells.count, minlength=m.n_groups) for m in margins]
        for _ in range(RAKING_SWEEPS):
            for m, n_g in zip(margins, counts):
                g = m.group
                with np.errstate(invalid="ignore", divide="ignore"):
                    a = rowsum(g, u / m.r_new[:, None], m.n_groups) / n_g[:, None]
                a = np.nan_to_num(a)
                x = x - a[g] * (m.r_new * cells.weight)[:, None]
                u = u - a[g] * (m.r_new * cells.count)[:, None]
    return x


def _between_units(
    unit: np.ndarray,
    dom: np.ndarray,
    x: np.ndarray,
    n_domains: int,
    unit_group: np.ndarray,
    n_units: np.ndarray,
    scale: np.ndarray,
    lonely_scale: np.ndarray | None,
    lonely_center: np.ndarray | None = None,
    domain_lonely: str | None = None,
) -> np.ndarray:
    """Scaled within-group sum of squares of unit totals, per domain.

    For every group ``g`` (stratum, or PSU at stage 2) and domain ``d``:
    ``scale_g * sum_u (T_ud - mean_gd)^2`` over the ``n_units[g]`` sampled
    units of the group, units without cells counting as zero totals.
    ``lonely_scale`` (for ``lonely_psu="adjust"``) adds
    ``lonely_scale_g * (T - c_d)^2`` for groups with one unit, ``c_d`` being
    ``lonely_center[d]`` (zero when not given).  ``domain_lonely`` (R's
    ``survey.adjust.domain.lonely``) treats a group with several units of
    which one holds the domain: ``"adjust"`` centres all its unit totals at
    ``c_d`` instead of the group mean, ``"average"`` leaves it out (the caller
    scales the sum up as for a lonely PSU).
    """
    m = x.shape[1]
    keep = dom >= 0
    if not keep.all():
        unit, dom, x = unit[keep], dom[keep], x[keep]
    if len(unit) == 0:
        return np.zeros((n_domains, m))
    n_u = int(unit_group.shape[0])
    pair, pair_keys = factorize_keys(unit * n_domains + dom, n_u * n_domains)
    totals = rowsum(pair, x, len(pair_keys))
    p_unit = pair_keys // n_domains
    p_dom = pair_keys % n_domains
    p_group = unit_group[p_unit]
    n_groups = len(n_units)
    gd, gd_keys = factorize_keys(p_group * n_domains + p_dom, n_groups * n_domains)
    g_group = gd_keys // n_domains
    g_dom = gd_keys % n_domains
    k = np.bincount(gd, minlength=len(gd_keys)).astype(np.float64)
    n_g = n_units[g_group]
    sums = rowsum(gd, totals, len(gd_keys))
    mean = sums / n_g[:, None]
    dev = totals - mean[gd]
    ss = rowsum(gd, dev * dev, len(gd_keys)) + ((n_g - k)[:, None]) * mean * mean
    alone = (k == 1) & (n_g > 1) if domain_lonely is not None else np.zeros(len(k), dtype=bool)
    if alone.any():
        if domain_lonely == "average":
            ss[alone] = 0.0
        else:
            c = 0.0 if lonely_center is None else lonely_center[g_dom[alone]]
            ss[alone] = (sums[alone] - c) ** 2 + (n_g[alone] - 1)[:, None] * c**2
    contrib = ss * scale[g_group][:, None]
    out = rowsum(g_dom, contrib, n_domains)
    if lonely_scale is not None:
        lonely = n_units[p_group] == 1
        if lonely.any():
            dev = totals[lonely]
            if lonely_center is not None:
                dev = dev - lonely_center[p_dom[lonely]]
            extra = dev**2 * lonely_scale[p_group[lonely]][:, None]
            out = out + rowsum(p_dom[lonely], extra, n_domains)
    return out


@dataclass(frozen=True)
class Presence:
    """Which PSUs and strata hold observations, per domain and estimate."""

    df: np.ndarray
    n_psu: np.ndarray  # design PSUs of the strata present: the denominator of the adjust centre
    n_strata: np.ndarray
    n_lonely: np.ndarray
    lonely_ssu: np.ndarray


def _presence(design: SurveyDesign, cells: Cells, counts: np.ndarray) -> Presence:
    """Design degrees of freedom (R ``degf`` of the domain) and lonely-PSU bookkeeping."""
    d_count = cells.n_domains
    m = counts.shape[1]
    keep = cells.dom >= 0
    psu, dom, cnt = cells.psu[keep], cells.dom[keep], counts[keep]
    pair, keys = factorize_keys(psu * d_count + dom, design.n_psus * d_count)
    present = rowsum(pair, cnt, len(keys)) > 0
    p_dom = keys % d_count
    p_stratum = design.psu_stratum[keys // d_count]
    n_psu_present = rowsum(p_dom, present.astype(np.float64), d_count)
    sd, sd_keys = factorize_keys(p_stratum * d_count + p_dom, design.n_strata * d_count)
    s_present = rowsum(sd, present.astype(np.float64), len(sd_keys)) > 0
    s_dom = sd_keys % d_count
    s_stratum = sd_keys // d_count
    n_str_present = rowsum(s_dom, s_present.astype(np.float64), d_count)
    # R's adjust centre divides by the design PSUs of the strata present (arma_onestage)
    n_psu_center = rowsum(s_dom, s_present * design.n_psu[s_stratum][:, None], d_count)
    f = _stage1_f(design)
    lonely_s = (design.n_psu[s_stratum] == 1) & (f[s_stratum] >= SELF_REPRESENTING)
    n_lonely = rowsum(s_dom, (s_present & lonely_s[:, None]).astype(np.float64), d_count)
    if _domain_lonely(design) == "average":
        # a stratum with one PSU in the domain counts as lonely (R: scale NA)
        n_in = rowsum(sd, present.astype(np.float64), len(sd_keys))
        several = (design.n_psu[s_stratum] > 1) & (f[s_stratum] >= SELF_REPRESENTING)
        alone = (n_in == 1) & several[:, None]
        n_lonely = n_lonely + rowsum(s_dom, alone.astype(np.float64), d_count)
    if design.calibrated:
        # R keeps every row of a calibrated design (zero weights outside the
        # domain), so every stratum takes part in the lonely-PSU rules
        all_lonely = float(((design.n_psu == 1) & (f >= SELF_REPRESENTING)).sum())
        n_str_all = float(design.n_strata)
        n_lonely_rule = np.full((d_count, m), all_lonely)
        n_str_rule = np.full((d_count, m), n_str_all)
    else:
        n_lonely_rule = n_lonely
        n_str_rule = n_str_present
    rule = design.lonely_psu
    if rule == "fail" and (n_lonely_rule > 0).any():
        if design.calibrated:
            bad = np.flatnonzero((design.n_psu == 1) & (f >= SELF_REPRESENTING))[0]
        else:
            rows = np.flatnonzero(lonely_s & s_present.any(axis=1))
            bad = s_stratum[rows[0]]
        raise LonelyPSUError(str(design.strata_labels[bad]), 1)
    lonely_ssu = np.zeros((d_count, m), dtype=bool)
    if design.two_stage:
        assert design.n_ssu is not None and design.pop_ssu is not None
        f2 = (design.pop_ssu - design.n_ssu) / design.pop_ssu
        lonely_psu = (design.n_ssu == 1) & (f2 >= SELF_REPRESENTING)
        if lonely_psu.any():
            p_lonely = lonely_psu[keys // d_count][:, None] & present
            lonely_ssu = rowsum(p_dom, p_lonely.astype(np.float64), d_count) > 0
            if rule == "fail" and lonely_ssu.any():
                first = np.flatnonzero(p_lonely.any(axis=1))[0]
                raise LonelyPSUError(str(design.psu_labels[keys[first] // d_count]), 2)
    return Presence(
        df=n_psu_present - n_str_present,
        n_psu=np.full((d_count, m), float(design.n_psus)) if design.calibrated else n_psu_center,
        n_strata=n_str_rule,
        n_lonely=n_lonely_rule,
        lonely_ssu=lonely_ssu,
    )


def _no_stratum_to_average(design: SurveyDesign) -> None:
    """R divides by zero here (``nstrat/nokstrat``) and reports NaN; say why instead."""
    label = design.strata_labels[int(np.argmin(design.n_psu))]
    raise DesignError(
        f"lonely_psu='average': every stratum of this estimate has a single PSU (e.g. stratum "
        f"'{label}'), so there is no variance to average; choose 'adjust', 'remove' or 'certainty'"
    )


def _domain_lonely(design: SurveyDesign) -> str | None:
    """Rule for a stratum with one PSU in the domain (stage 1; none when calibrated, as R)."""
    on = design.spec.adjust_domain_lonely and not design.calibrated
    return design.lonely_psu if on and design.lonely_psu in ("adjust", "average") else None


def _stage1_f(design: SurveyDesign) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.where(
            np.isfinite(design.pop_psu), (design.pop_psu - design.n_psu) / design.pop_psu, 1.0
        )


def _stage_scales(design: SurveyDesign) -> tuple[np.ndarray, np.ndarray | None]:
    """Per-stratum scale ``f n/(n-1)`` and the lonely (``adjust``) scale ``f``."""
    f = _stage1_f(design)
    n = design.n_psu
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(n > 1, f * n / (n - 1), 0.0)
    scale = np.where(f < SELF_REPRESENTING, 0.0, scale)
    lonely = None
    if design.lonely_psu == "adjust":
        lonely = np.where((n == 1) & (f >= SELF_REPRESENTING), f, 0.0)
    return scale, lonely


def _stage2_scales(design: SurveyDesign) -> np.ndarray:
    """Per-PSU stage-2 scale; a lonely SSU adds nothing under any rule.

    Under ``adjust`` R (>= 4.4) centres a lonely unit at the mean of the unit
    totals passed to ``onestage()``; at stage 2 that call sees one PSU, whose
    only SSU is its own mean, so the deviation is zero.
    """
    assert design.n_ssu is not None and design.pop_ssu is not None
    m = design.n_ssu
    f2 = (design.pop_ssu - m) / design.pop_ssu
    stage1 = (design.n_psu / design.pop_psu)[design.psu_stratum]
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(m > 1, f2 * m / (m - 1), 0.0) * stage1
    return np.where(f2 < SELF_REPRESENTING, 0.0, scale)


def _variance_of(
    design: SurveyDesign,
    cells: Cells,
    x: np.ndarray,
    dom: np.ndarray,
    n_dom: int,
    n_center: np.ndarray,
) -> np.ndarray:
    """Stage-1 (and stage-2) variance; ``n_center`` counts the PSUs behind the ``adjust`` centre."""
    scale1, lonely1 = _stage_scales(design)
    center = None
    if lonely1 is not None:
        inside = dom >= 0
        with np.errstate(invalid="ignore", divide="ignore"):
            center = rowsum(dom[inside], x[inside], n_dom) / n_center
        center = np.nan_to_num(center)
    stage1 = (design.psu_stratum, design.n_psu, scale1, lonely1, center, _domain_lonely(design))
    var = _between_units(cells.psu, dom, x, n_dom, *stage1)
    if design.two_stage:
        assert cells.ssu is not None and design.ssu_psu is not None
        assert design.n_ssu is not None
        scale2 = _stage2_scales(design)
        var = var + _between_units(
            cells.ssu, dom, x, n_dom, design.ssu_psu, design.n_ssu, scale2, None
        )
    return var


def linearized_variance(
    design: SurveyDesign,
    cells: Cells,
    x: np.ndarray,
    counts: np.ndarray,
    u: np.ndarray | None = None,
    *,
    max_block: int = 4_000_000,
) -> tuple[np.ndarray, np.ndarray]:
    """Design variance of estimated totals of influence values, per domain.

    Parameters
    ----------
    design : SurveyDesign
        The design (strata, PSUs, fpc, lonely-PSU rule, calibration).
    cells : Cells
        Cells from :func:`make_cells`.
    x : numpy.ndarray, shape (n_cells, m)
        Cell sums of the weighted influence values ``w_i z_i`` of ``m``
        estimators; cell ``c`` belongs to domain ``cells.dom[c]`` and its
        values count only for that domain's estimates.
    counts : numpy.ndarray, shape (n_cells, m)
        Number of observations contributing to each estimator in each cell;
        used for the design degrees of freedom (PSUs with at least one
        observation minus strata with at least one) and lonely-PSU rules.
    u : numpy.ndarray, shape (n_cells, m), optional
        Cell sums of the unweighted influence values ``z_i``; needed only for
        raked designs.
    max_block : int
        Memory bound (number of doubles) for the calibrated-design blocks.

    Returns
    -------
    var : numpy.ndarray, shape (n_domains, m)
        Variance of each estimator in each domain.
    df : numpy.ndarray, shape (n_domains, m)
        Degrees of freedom of each estimate: with ``design.domain_df ==
        "domain"`` PSUs minus strata with an observation of the estimate, with
        ``"design"`` the whole design's.

    Raises
    ------
    LonelyPSUError
        With ``lonely_psu="fail"`` when an estimate involves a stratum with one PSU.
    """
    x = np.asarray(x, dtype=np.float64)
    counts = np.asarray(counts, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
        counts = counts[:, None]
    n_dom = cells.n_domains
    m = x.shape[1]
    presence = _presence(design, cells, counts)
    df = presence.df if design.domain_df == "domain" else np.full((n_dom, m), float(design.degf))
    if not design.calibrated:
        var = _variance_of(design, cells, x, cells.dom, n_dom, presence.n_psu)
    else:
        if u is None:
            raise ValueError("u (unweighted influence sums) is required for calibrated designs")
        var = np.zeros((n_dom, m))
        zero_dom = np.zeros(cells.n_cells, dtype=np.int64)
        per_block = max(1, max_block // max(1, cells.n_cells * m))
        for d0 in range(0, n_dom, per_block):
            d1 = min(n_dom, d0 + per_block)
            inside = np.flatnonzero((cells.dom >= d0) & (cells.dom < d1))
            cols = (cells.dom[inside] - d0)[:, None] * m + np.arange(m)[None, :]
            xe = np.zeros((cells.n_cells, (d1 - d0) * m))
            ue = np.zeros_like(xe)
            xe[inside[:, None], cols] = x[inside]
            ue[inside[:, None], cols] = u[inside]
            xe = _residualize(cells, xe, ue)
            n_all = np.full((1, xe.shape[1]), float(design.n_psus))
            block = _variance_of(design, cells, xe, zero_dom, 1, n_all)
            var[d0:d1] = block.reshape(d1 - d0, m)
    if design.lonely_psu == "average":
        ok = presence.n_strata - presence.n_lonely
        # one estimate: say why; among several domains that one is NaN, as in R
        if n_dom == 1 and ((presence.n_lonely > 0) & (ok <= 0)).any():
            _no_stratum_to_average(design)
        with np.errstate(invalid="ignore", divide="ignore"):
            var = var * np.where(presence.n_lonely > 0, presence.n_strata / ok, 1.0)
        var = np.where(presence.lonely_ssu, np.nan, var)
    return var, df
