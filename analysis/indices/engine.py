"""The index engine: cell counts of answer codes and the influence values of every index."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from analysis.ci import proportion_interval, t_interval
from analysis.design import SurveyDesign
from analysis.estimators import numeric_column
from analysis.indices.records import IndexRecord
from analysis.indices.spec import GroupSpec, IndexSpec
from analysis.results import ESTIMABLE, NOT_ESTIMABLE, estimable
from analysis.variance import make_cells, rowsum


@dataclass
class _ItemCodes:
    """Answer codes of one item as small category numbers."""

    name: str
    codes: tuple[int, ...]  # category k <-> codes[k]; category len(codes) = not valid
    cat: np.ndarray
    satisfied: np.ndarray  # bool over categories (without the invalid one)
    valid: np.ndarray

    @property
    def valid_row(self) -> np.ndarray:
        """Whether each respondent gave a valid answer (computed once, shared by the domain schemes)."""
        if "_valid_row" not in self.__dict__:
            self.__dict__["_valid_row"] = self.cat < len(self.codes)
        return self.__dict__["_valid_row"]


def _categorise(values: np.ndarray, codes: tuple[int, ...]) -> np.ndarray:
    """Category of each answer: position of its code in ``codes``, else ``len(codes)``."""
    k_invalid = len(codes)
    top = max(max(codes) + 1, 1) if codes else 1
    if codes and min(codes) >= 0 and top <= 4096:
        lut = np.full(top + 1, k_invalid, dtype=np.int16)  # lut[top]: not a code
        lut[list(codes)] = np.arange(len(codes), dtype=np.int16)
        with np.errstate(invalid="ignore"):
            iv = values.astype(np.int16)  # meaningless for NaN, fractions and big numbers: found below
        position = iv.view(np.uint16)  # negative codes become large
        np.minimum(position, top, out=position)
        position[iv != values] = top  # NaN, fractions, out of range
        return lut[position]
    cat = np.full(len(values), k_invalid, dtype=np.int16)
    for k, c in enumerate(codes):
        cat[values == c] = k
    return cat


def _prepare_items(data: Any, spec: IndexSpec) -> dict[str, _ItemCodes]:
    use: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {}
    for g in spec.groups:
        sat, val = spec.codes_for(g)
        general = (g.general_item,) if g.aggregation == "item" and g.general_item else ()
        for item in g.items + general:
            use.setdefault(item, (sat, val))
    if spec.overall_aggregation == "item" and spec.overall_item:
        use.setdefault(spec.overall_item, (spec.satisfied, spec.valid))
    out = {}
    for item, (sat, val) in use.items():
        codes = tuple(sorted(set(val)))
        values = numeric_column(data, item)
        out[item] = _ItemCodes(
            name=item,
            codes=codes,
            cat=_categorise(values, codes),
            satisfied=np.array([c in sat for c in codes]),
            valid=np.ones(len(codes), dtype=bool),
        )
    return out


@dataclass
class _Column:
    """One estimator's pieces on cells and per domain."""

    index: str
    level: str
    statistic: str
    estimate: np.ndarray  # (D,) on the 0-1 (or score) scale
    x: np.ndarray  # (C,) cell sums of weighted influence
    u: np.ndarray  # (C,) cell sums of unweighted influence
    count: np.ndarray  # (C,) contributing observations (presence)
    n: np.ndarray  # (D,)
    vsrs: np.ndarray  # (D,) SRS variance for deff
    proportion: bool = True
    scale: float = 100.0
    code: int | None = None


class _Engine:
    """Cell counts of all items for one domain scheme, and the index columns built on them."""

    def __init__(
        self,
        design: SurveyDesign,
        items: dict[str, _ItemCodes],
        spec: IndexSpec,
        dom: np.ndarray,
        n_dom: int,
        statistics: Sequence[str],
        finer: _Engine | None = None,
    ) -> None:
        self.design = design
        self.items = items
        self.spec = spec
        self.dom = dom
        self.n_dom = n_dom
        self.statistics = statistics
        self.cells = make_cells(design, dom, n_dom)
        cells = self.cells
        self.cell_dom = cells.dom
        self.in_dom = cells.dom >= 0
        self.cdom = np.where(self.in_dom, cells.dom, 0)
        rc = cells.row_cell
        self.keep = None if (rc >= 0).all() else np.flatnonzero(rc >= 0)
        self.rc = rc if self.keep is None else rc[self.keep]
        w = design.weights
        self.w = w if self.keep is None else w[self.keep]
        self.counts_w: dict[str, np.ndarray] = {}
        self.counts_n: dict[str, np.ndarray] = {}
        c = cells.n_cells
        if finer is not None and finer.design is design and finer.keep is None and self.keep is None:
            # every cell of ``finer`` (e.g. commune x province) lies in one of these (commune): add its counts up
            # instead of counting the rows again; the same sums where each cell holds one finer cell
            to_cell = np.empty(finer.cells.n_cells, dtype=np.intp)
            to_cell[finer.rc] = self.rc
            for name in items:
                self.counts_w[name] = rowsum(to_cell, finer.counts_w[name], c)
                self.counts_n[name] = rowsum(to_cell, finer.counts_n[name], c)
            self.item_cols: dict[str, _Column] = {}
            return
        cell_keys: dict[int, np.ndarray] = {}  # rc * k1, the same for items with as many codes
        for name, it in items.items():
            k1 = len(it.codes) + 1
            cat = it.cat if self.keep is None else it.cat[self.keep]
            if k1 not in cell_keys:
                cell_keys[k1] = self.rc * k1
            key = cell_keys[k1] + cat
            self.counts_w[name] = np.bincount(key, weights=self.w, minlength=c * k1).reshape(c, k1)[
                :, :-1
            ]
            self.counts_n[name] = (
                np.bincount(key, minlength=c * k1).reshape(c, k1)[:, :-1].astype(np.float64)
            )
        self.item_cols: dict[str, _Column] = {}

    # -- domain sums
    def _dsum(self, cell_values: np.ndarray) -> np.ndarray:
        v = np.where(self.in_dom, cell_values, 0.0)
        return np.bincount(self.cdom, weights=v, minlength=self.n_dom)

    def _at_cells(self, per_domain: np.ndarray) -> np.ndarray:
        return np.where(self.in_dom, per_domain[self.cdom], 0.0)

    def item_column(self, name: str) -> _Column:
        """Item index: satisfied share of valid answers."""
        if name in self.item_cols:
            return self.item_cols[name]
        it = self.items[name]
        cw, cn = self.counts_w[name], self.counts_n[name]
        s_c = cw[:, it.satisfied].sum(axis=1)
        v_c = cw.sum(axis=1)
        ns_c = cn[:, it.satisfied].sum(axis=1)
        nv_c = cn.sum(axis=1)
        s_d, v_d, n_d = self._dsum(s_c), self._dsum(v_c), self._dsum(nv_c)
        with np.errstate(invalid="ignore", divide="ignore"):
            p = s_d / v_d
            pc, vc = self._at_cells(p), self._at_cells(v_d)
            x = np.where(self.in_dom & (vc > 0), (s_c - pc * v_c) / vc, 0.0)
            u = np.where(self.in_dom & (vc > 0), (ns_c - pc * nv_c) / vc, 0.0)
            vsrs = p * (1 - p) * (v_d - n_d) / (v_d * (n_d - 1))
        vsrs = np.where((v_d > n_d) & (n_d > 1), vsrs, np.nan)
        col = _Column(name, "item", "index", p, x, u, nv_c, n_d, vsrs)
        self.item_cols[name] = col
        return col

    def item_extras(self, name: str) -> list[_Column]:
        """Mean score, its 0–100 rescaling and the share of each valid code."""
        it = self.items[name]
        cw, cn = self.counts_w[name], self.counts_n[name]
        codes = np.asarray(it.codes, dtype=np.float64)
        v_c, nv_c = cw.sum(axis=1), cn.sum(axis=1)
        v_d, n_d = self._dsum(v_c), self._dsum(nv_c)
        vc = self._at_cells(v_d)
        out = []
        if "mean_score" in self.statistics or "score_100" in self.statistics:
            t_c = cw @ codes
            tn_c = cn @ codes
            with np.errstate(invalid="ignore", divide="ignore"):
                m = self._dsum(t_c) / v_d
                mc = self._at_cells(m)
                x = np.where(self.in_dom & (vc > 0), (t_c - mc * v_c) / vc, 0.0)
                u = np.where(self.in_dom & (vc > 0), (tn_c - mc * nv_c) / vc, 0.0)
                ss = np.stack([self._dsum(cw[:, k]) for k in range(len(codes))], axis=1)
                var_y = (ss * (codes[None, :] - m[:, None]) ** 2).sum(axis=1) / v_d
                vsrs = var_y * n_d / (n_d - 1) * (v_d - n_d) / (v_d * n_d)
            vsrs = np.where((v_d > n_d) & (n_d > 1), vsrs, np.nan)
            if "mean_score" in self.statistics:
                out.append(
                    _Column(
                        name,
                        "item",
                        "mean_score",
                        m,
                        x,
                        u,
                        nv_c,
                        n_d,
                        vsrs,
                        proportion=False,
                        scale=1.0,
                    )
                )
            if "score_100" in self.statistics:
                lo, hi = codes.min(), codes.max()
                span = hi - lo if hi > lo else 1.0
                out.append(
                    _Column(
                        name,
                        "item",
                        "score_100",
                        (m - lo) / span,
                        x / span,
                        u / span,
                        nv_c,
                        n_d,
                        vsrs / span**2,
                        proportion=False,
                        scale=100.0,
                    )
                )
        if "share" in self.statistics:
            for k, code in enumerate(it.codes):
                with np.errstate(invalid="ignore", divide="ignore"):
                    p = self._dsum(cw[:, k]) / v_d
                    pc = self._at_cells(p)
                    x = np.where(self.in_dom & (vc > 0), (cw[:, k] - pc * v_c) / vc, 0.0)
                    u = np.where(self.in_dom & (vc > 0), (cn[:, k] - pc * nv_c) / vc, 0.0)
                    vsrs = p * (1 - p) * (v_d - n_d) / (v_d * (n_d - 1))
                vsrs = np.where((v_d > n_d) & (n_d > 1), vsrs, np.nan)
                out.append(_Column(name, "item", "share", p, x, u, nv_c, n_d, vsrs, code=int(code)))
        return out

    def combine(
        self, index: str, level: str, parts: Sequence[_Column], weights: Sequence[float]
    ) -> _Column:
        """Weighted mean of indices: linear in their influence values."""
        a = np.asarray(weights, dtype=np.float64)
        a = a / a.sum()
        est = sum(ai * c.estimate for ai, c in zip(a, parts))
        x = sum(ai * c.x for ai, c in zip(a, parts))
        u = sum(ai * c.u for ai, c in zip(a, parts))
        count = sum(c.count for c in parts)
        return _Column(
            index,
            level,
            "index",
            np.asarray(est),
            np.asarray(x),
            np.asarray(u),
            np.asarray(count),
            np.zeros(self.n_dom),
            np.zeros(self.n_dom),
        )

    def pooled(self, index: str, level: str, item_names: Sequence[str]) -> _Column:
        """Satisfied share of all answers to several items."""
        zero: Any = 0.0  # becomes an array at the first item
        s_c = v_c = ns_c = nv_c = zero
        for name in item_names:
            it = self.items[name]
            cw, cn = self.counts_w[name], self.counts_n[name]
            s_c = s_c + cw[:, it.satisfied].sum(axis=1)
            v_c = v_c + cw.sum(axis=1)
            ns_c = ns_c + cn[:, it.satisfied].sum(axis=1)
            nv_c = nv_c + cn.sum(axis=1)
        s_c, v_c, ns_c, nv_c = (np.asarray(v, dtype=np.float64) for v in (s_c, v_c, ns_c, nv_c))
        s_d, v_d = self._dsum(s_c), self._dsum(v_c)
        with np.errstate(invalid="ignore", divide="ignore"):
            p = s_d / v_d
            pc, vc = self._at_cells(p), self._at_cells(v_d)
            x = np.where(self.in_dom & (vc > 0), (s_c - pc * v_c) / vc, 0.0)
            u = np.where(self.in_dom & (vc > 0), (ns_c - pc * nv_c) / vc, 0.0)
        return _Column(
            index, level, "index", p, x, u, nv_c, np.zeros(self.n_dom), np.zeros(self.n_dom)
        )

    def group_column(self, g: GroupSpec) -> tuple[_Column, list[tuple[str, float]] | None]:
        """Group index and its row-level recipe (item, weight) for deff/n; pooled: None."""
        if g.aggregation == "item":
            assert g.general_item is not None
            base = self.item_column(g.general_item)
            return replace(base, index=g.code, level="group"), [(g.general_item, 1.0)]
        if g.aggregation == "pooled":
            return self.pooled(g.code, "group", g.items), None
        weights = g.weights if g.aggregation == "weighted" else [1.0] * len(g.items)
        assert weights is not None
        parts = [self.item_column(i) for i in g.items]
        total = float(sum(weights))
        return self.combine(g.code, "group", parts, weights), [
            (i, wt / total) for i, wt in zip(g.items, weights)
        ]

    # -- unit-level pass for n and deff of composite indices
    def composite_units(
        self, recipe: list[tuple[str, float]] | None, pooled_items: Sequence[str], col: _Column
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Respondents with a valid answer, the SRS variance, and the unit-level z and mask."""
        dom = self.dom
        d = np.where(dom >= 0, dom, self.n_dom)
        n_rows = self.design.n
        z = np.zeros(n_rows)
        position = np.empty(n_rows, dtype=np.intp)  # one buffer for every item's table positions
        any_valid = np.zeros(n_rows, dtype=bool)
        names = [name for name, _ in recipe] if recipe is not None else list(pooled_items)
        s_sum = np.zeros(n_rows) if recipe is None else None
        v_sum = np.zeros(n_rows) if recipe is None else None
        for j, name in enumerate(names):
            it = self.items[name]
            k1 = len(it.codes) + 1
            valid_row = it.valid_row
            any_valid |= valid_row
            sat_k = np.append(it.satisfied, False)
            if recipe is None:
                assert s_sum is not None and v_sum is not None
                s_sum += sat_k[it.cat]
                v_sum += valid_row
                continue
            item_col = self.item_cols[name]
            v_d = self._dsum(self.counts_w[name].sum(axis=1))
            valid_k = np.append(it.valid, False)
            with np.errstate(invalid="ignore", divide="ignore"):
                table = (sat_k[None, :] - item_col.estimate[:, None] * valid_k[None, :]) / v_d[
                    :, None
                ]
            table = np.vstack([np.nan_to_num(table), np.zeros((1, k1))]) * recipe[j][1]
            np.add(self._row_index(d, k1), it.cat, out=position)
            z += table.reshape(-1).take(position)
        if recipe is None:
            assert s_sum is not None and v_sum is not None
            v_d = self._dsum(sum(self.counts_w[nm].sum(axis=1) for nm in pooled_items))
            p_rows = np.append(np.nan_to_num(col.estimate), 0.0)[d]
            vd_rows = np.append(v_d, 1.0)[d]
            z = (s_sum - p_rows * v_sum) / vd_rows
        unit = (dom >= 0) & any_valid
        n, vsrs = self._srs(unit, z, d)
        return n, vsrs, z, unit

    def _row_index(self, d: np.ndarray, k1: int) -> np.ndarray:
        cache = self.__dict__.setdefault("_row_index_cache", {})
        if k1 not in cache:
            cache[k1] = d * k1
        return cache[k1]

    def _srs(self, unit: np.ndarray, z: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # rows outside ``unit`` add exact zeros: the same sums as over the unit's rows, without copying them out
        m = self.n_dom + 1
        z = np.where(unit, z, 0.0)
        wu = np.where(unit, self.design.weights, 0.0)
        wz = wu * z
        n = np.bincount(np.where(unit, d, self.n_dom), minlength=m)[: self.n_dom].astype(np.float64)
        wsum = np.bincount(d, weights=wu, minlength=m)[: self.n_dom]
        s1 = np.bincount(d, weights=wz, minlength=m)[: self.n_dom]
        s2 = np.bincount(d, weights=wz * z, minlength=m)[: self.n_dom]
        with np.errstate(invalid="ignore", divide="ignore"):
            ss = s2 - s1 * s1 / wsum
            v = wsum * ss / (n - 1) * (1 - n / wsum)
        return n, np.where((wsum > n) & (n > 1), v, np.nan)


def _build_columns(engine: _Engine, spec: IndexSpec, with_deff: bool) -> list[_Column]:
    """Item, group and overall columns (plus item statistics) for one scheme."""
    columns: list[_Column] = []
    seen_items: set[str] = set()
    group_cols: dict[str, _Column] = {}
    units: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for g in spec.groups:
        for item in g.items:
            if item not in seen_items:
                seen_items.add(item)
                columns.append(engine.item_column(item))
                if any(s != "index" for s in engine.statistics):
                    columns.extend(engine.item_extras(item))
        gcol, recipe = engine.group_column(g)
        n, vsrs, z, unit = engine.composite_units(recipe, g.items, gcol)
        gcol = replace(gcol, n=n, vsrs=vsrs)
        units[g.code] = (z, unit)
        group_cols[g.code] = gcol
        columns.append(gcol)
    in_overall = spec.overall_groups
    if in_overall or spec.overall_aggregation == "item":
        agg = spec.overall_aggregation
        if agg == "item":
            assert spec.overall_item is not None
            base = engine.item_column(spec.overall_item)
            ocol = replace(base, index="overall", level="overall")
        elif agg == "pooled":
            items = [i for g in in_overall for i in g.items]
            ocol = engine.pooled("overall", "overall", items)
            n, vsrs, _, _ = engine.composite_units(None, items, ocol)
            ocol = replace(ocol, n=n, vsrs=vsrs)
        else:
            weights = spec.overall_weights if agg == "weighted" else [1.0] * len(in_overall)
            assert weights is not None
            ocol = engine.combine(
                "overall", "overall", [group_cols[g.code] for g in in_overall], weights
            )
            total = float(sum(weights))
            z = np.zeros(engine.design.n)
            unit = np.zeros(engine.design.n, dtype=bool)
            for g, wt in zip(in_overall, weights):
                zg, ug = units[g.code]
                z += (wt / total) * zg
                unit |= ug
            d = np.where(engine.dom >= 0, engine.dom, engine.n_dom)
            n, vsrs = engine._srs(unit, z, d)
            ocol = replace(ocol, n=n, vsrs=vsrs)
        columns.append(ocol)
    if not with_deff:
        columns = [replace(c, vsrs=np.full(engine.n_dom, np.nan)) for c in columns]
    return columns


def _merge(recipe: list[tuple[str, float]]) -> list[tuple[str, float]]:
    merged: dict[str, float] = {}
    for item, a in recipe:
        merged[item] = merged.get(item, 0.0) + a
    return list(merged.items())


def _records(
    columns: list[_Column],
    var: np.ndarray,
    df: np.ndarray,
    labels: list[Any],
    by: str | None,
    ci_method: str,
    level: float,
) -> list[IndexRecord]:
    est = np.column_stack([c.estimate for c in columns])  # (D, m)
    with np.errstate(invalid="ignore"):
        se = np.where(np.isfinite(est), np.sqrt(var), np.nan)
    n = np.column_stack([c.n for c in columns])
    prop = np.array([c.proportion for c in columns])
    low = np.full(est.shape, np.nan)
    high = np.full(est.shape, np.nan)
    used = np.full(est.shape, "t", dtype=object)
    if prop.any():
        lo, hi, us = proportion_interval(
            ci_method, est[:, prop], se[:, prop], df[:, prop], n[:, prop], level
        )
        low[:, prop], high[:, prop], used[:, prop] = lo, hi, us
    if (~prop).any():
        lo, hi = t_interval(est[:, ~prop], se[:, ~prop], df[:, ~prop], level)
        low[:, ~prop], high[:, ~prop] = lo, hi
    vsrs = np.column_stack([c.vsrs for c in columns])
    with np.errstate(invalid="ignore", divide="ignore"):
        deff = var / vsrs
    scale = np.array([c.scale for c in columns])
    est_l, se_l = (est * scale).tolist(), (se * scale).tolist()
    # one vectorised check for every record (the same test reliability() makes on each)
    usable = estimable(np.ravel(se_l), np.ravel(df)).reshape(est.shape).tolist()
    low_l, high_l = (low * scale).tolist(), (high * scale).tolist()
    df_l, n_l, deff_l, used_l = (
        df.tolist(),
        n.astype(np.int64).tolist(),
        deff.tolist(),
        used.tolist(),
    )
    out: list[IndexRecord] = []
    for d, label in enumerate(labels):
        domain = None if label is None else {by: label}
        for j, col in enumerate(columns):
            out.append(
                IndexRecord(
                    col.index,
                    col.level,
                    domain,  # type: ignore[arg-type]  # by is set whenever label is
                    est_l[d][j],
                    se_l[d][j],
                    low_l[d][j],
                    high_l[d][j],
                    float(df_l[d][j]),
                    n_l[d][j],
                    deff_l[d][j],
                    str(used_l[d][j]),
                    col.statistic,
                    col.code,
                    ESTIMABLE if usable[d][j] else NOT_ESTIMABLE,
                )
            )
    return out
