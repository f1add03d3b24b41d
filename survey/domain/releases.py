"""Releases: a round's indices computed once, frozen, and published.

A release holds every item, group and overall index of a round, nationally
(``unit_id`` NULL) and for every unit that has answers or sub-units with
answers (a province's figures come from its communes' answers: domains of
the full design, never a filtered data set), with

* the comparison of each unit with its parent (top-level units with the
  nation): difference, Holm-adjusted p-value across siblings and a flag
  ``above``/``below``/``none`` (``analysis.league.league_table``);
* rank intervals among siblings (``analysis.league.rank_intervals``, the
  joint Klein–Wright–Wieczorek intervals by default: deterministic);
* the change since the previous round's published release. Units changed by
  the 2025 reorganisation are compared on their current territory: the
  previous round's answers are re-estimated for the domain made of the units
  that formed it then (``survey.domain.units.units_on``: Tuyên Quang 2026 against
  Hà Giang + Tuyên Quang 2024). A unit that was split off is compared with
  its whole predecessor, since answers carry no finer location.

What makes a release reproducible is stored with it: a SHA-256 fingerprint of
the answers, weights and units used, the questionnaire version, the weight
set, every parameter and the software version. A published release never
changes (models and database triggers refuse it); a correction is a new
release that ``supersedes`` the old one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from analysis import (
    AnalysisError,
    DesignSpec,
    IndexResults,
    IndexSpec,
    build_design,
    compare_rounds,
    compute_indices,
)
from analysis.indices import GroupSpec
from analysis.league import league_table, rank_intervals
from survey.i18n import _
from survey.models import (
    AuditEntry,
    QuestionnaireVersion,
    Release,
    ReleaseIndex,
    ReleaseStatus,
    Response,
    ResponseDesign,
    SampleFrame,
    StaffUser,
    SurveyRound,
    Unit,
    WeightSet,
    utcnow,
)

Progress = Callable[[float, str], None]

CI_METHODS = ("logit", "wald", "beta", "wilson")
RANK_METHODS = ("kww", "simulation")
DEFAULT_PARAMETERS: dict[str, Any] = {
    "ci_method": "logit",
    "level": 0.95,
    "alpha": 0.05,
    "rank_method": "kww",
    "lonely_psu": "adjust",
    "seed": 20260701,
}
OTHER_ITEMS_GROUP = "_other_items"  # satisfaction items outside every group ("in general" items)


class ReleaseError(ValueError):
    """A release cannot be computed, published or discarded; the message says why."""


def _no_progress(fraction: float, message: str) -> None:
    return None


# --------------------------------------------------------------------------- data


@dataclass(frozen=True, eq=False)
class RoundData:
    """A round's answers and design as arrays: the boundary between database and analysis.

    ``scores`` is (n, k) float32 in the order of ``items`` (NaN = no answer);
    ``strata``/``psu``/``ssu`` are label arrays or None; ``design`` describes
    where weights and design variables came from (stored with the release).
    """

    unit_ids: np.ndarray
    scores: np.ndarray
    items: list[str]
    weights: np.ndarray
    response_ids: np.ndarray | None = None
    uuids: np.ndarray | None = None
    strata: np.ndarray | None = None
    psu: np.ndarray | None = None
    ssu: np.ndarray | None = None
    fpc1: np.ndarray | None = None
    fpc2: np.ndarray | None = None
    design: dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.unit_ids)

    def fingerprint(self) -> str:
        """SHA-256 over UUIDs (or ids), units, scores and weights, sorted by UUID."""
        digest = hashlib.sha256()
        digest.update(("\x1f".join(self.items) + "\n").encode("utf-8"))
        if self.uuids is not None:
            order = np.argsort(self.uuids, kind="stable")
            digest.update(self.uuids[order].tobytes())
        elif self.response_ids is not None:
            order = np.argsort(self.response_ids, kind="stable")
            digest.update(self.response_ids[order].astype("<i8").tobytes())
        else:
            order = np.arange(self.n)
        digest.update(self.unit_ids[order].astype("<i8").tobytes())
        digest.update(np.ascontiguousarray(self.scores[order], dtype="<f4").tobytes())
        digest.update(self.weights[order].astype("<f8").tobytes())
        for labels in (self.strata, self.psu):
            if labels is not None:
                digest.update("\x1f".join(map(str, labels[order])).encode("utf-8"))
        return digest.hexdigest()

    def frame(self, items: Sequence[str]) -> dict[str, np.ndarray]:
        """Columns for ``analysis``: the needed items (float64) and the design columns."""
        position = {code: j for j, code in enumerate(self.items)}
        missing = [code for code in items if code not in position]
        if missing:
            raise ReleaseError(
                _("Chỉ số cần câu hỏi %(items)s nhưng phiên bản bảng hỏi không có.", items=", ".join(missing))
            )
        frame = {code: self.scores[:, position[code]].astype(np.float64) for code in items}
        frame["_weight"] = self.weights
        for name in ("strata", "psu", "ssu", "fpc1", "fpc2"):
            values = getattr(self, name)
            if values is not None:
                frame[f"_{name}"] = values
        return frame

    def design_spec(self, lonely_psu: str) -> DesignSpec:
        return DesignSpec(
            weight="_weight",
            strata="_strata" if self.strata is not None else None,
            psu="_psu" if self.psu is not None else None,
            ssu="_ssu" if self.ssu is not None and self.psu is not None else None,
            fpc="_fpc1" if self.fpc1 is not None else None,
            fpc2="_fpc2" if self.fpc2 is not None and self.fpc1 is not None and self.ssu is not None else None,
            lonely_psu=lonely_psu,  # type: ignore[arg-type]
        )


def _match_by_id(ids: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Position of each ``ids`` value in ``keys`` and whether it was found."""
    if len(keys) == 0:
        return np.zeros(len(ids), dtype=np.int64), np.zeros(len(ids), dtype=bool)
    order = np.argsort(keys, kind="stable")
    pos = np.searchsorted(keys, ids, sorter=order)
    pos = np.minimum(pos, len(keys) - 1)
    found = keys[order[pos]] == ids
    return order[pos], found


def load_round_data(session: Session, survey_round: SurveyRound, weight_set: WeightSet | None = None) -> RoundData:
    """Load a round's answers, weights and design variables.

    Weights: the weight set's, else every response's ``ResponseDesign.base_weight``
    when all have one, else 1 (simple random sampling). Strata and PSUs: from
    ``ResponseDesign``, filled in from the weight set's sample frame (per unit);
    a response without a PSU is its own PSU, one without a stratum falls in a
    stratum of its own kind ("?").
    """
    from survey.domain.responses import load_response_arrays

    response_ids, uuids, unit_ids, scores, items = load_response_arrays(session, survey_round.id)
    n = len(response_ids)
    if n == 0:
        raise ReleaseError(_("Đợt khảo sát %(code)s chưa có phiếu trả lời nào.", code=survey_round.code))
    design: dict[str, Any] = {}

    rd_rows = session.execute(
        select(
            ResponseDesign.response_id,
            ResponseDesign.stratum,
            ResponseDesign.psu,
            ResponseDesign.ssu,
            ResponseDesign.base_weight,
            ResponseDesign.fpc1,
            ResponseDesign.fpc2,
        )
        .join(Response, Response.id == ResponseDesign.response_id)
        .where(Response.round_id == survey_round.id)
    ).all()
    columns: dict[str, np.ndarray] = {}
    if rd_rows:
        rd_ids = np.array([r[0] for r in rd_rows], dtype=np.int64)
        pos, found = _match_by_id(response_ids, rd_ids)
        for k, name in enumerate(("stratum", "psu", "ssu", "base_weight", "fpc1", "fpc2"), start=1):
            values = np.array([r[k] for r in rd_rows], dtype=object)[pos]
            values[~found] = None
            columns[name] = values
        design["response_design_rows"] = int(found.sum())

    frame_units: dict[int, dict[str, Any]] = {}
    if weight_set is not None:
        ws_ids, ws_weights = weight_set.arrays()
        pos, found = _match_by_id(response_ids, ws_ids)
        if not found.all():
            raise ReleaseError(
                _(
                    "%(n)d phiếu trả lời không có trọng số trong bộ trọng số #%(id)d (có thể đến sau khi tính "
                    "trọng số): hãy tính lại trọng số.",
                    n=int((~found).sum()),
                    id=weight_set.id,
                )
            )
        weights = np.asarray(ws_weights[pos], dtype=np.float64)
        design["weights"] = f"weight_set:{weight_set.id}"
        if weight_set.frame_id is not None:
            frame = session.get(SampleFrame, weight_set.frame_id)
            for row in frame.rows if frame is not None else []:
                if row.get("unit_id") is not None:
                    frame_units[int(row["unit_id"])] = row
            design["frame"] = weight_set.frame_id
    elif "base_weight" in columns and all(v is not None for v in columns["base_weight"]):
        weights = columns["base_weight"].astype(np.float64)
        design["weights"] = "response_design.base_weight"
    else:
        weights = np.ones(n)
        design["weights"] = "equal"

    def labels(name: str, frame_key: str, fallback: str | None) -> np.ndarray | None:
        values = columns.get(name, np.full(n, None, dtype=object)).copy()
        empty = np.equal(values, None)
        if frame_units and empty.any():
            uniq, inverse = np.unique(unit_ids[empty], return_inverse=True)
            per_unit = [frame_units.get(int(u), {}).get(frame_key) for u in uniq]
            fill = np.array([None if v in (None, "") else str(v) for v in per_unit], dtype=object)
            values[empty] = fill[inverse]
            empty = np.equal(values, None)
        if empty.all():
            return None
        if empty.any():
            if fallback is None:
                return None
            values[empty] = fallback if fallback != "own" else np.char.add("response:", response_ids[empty].astype(str))
            design[f"{name}_filled"] = int(empty.sum())
        return values.astype(str)

    strata = labels("stratum", "stratum", "?")
    psu = labels("psu", "psu", "own")
    ssu = labels("ssu", "ssu", None)
    fpc = {}
    for name in ("fpc1", "fpc2"):
        values = columns.get(name)
        if values is not None and all(v is not None for v in values):
            fpc[name] = values.astype(np.float64)
    design.update({"strata": strata is not None, "psu": psu is not None, "ssu": ssu is not None, "fpc": sorted(fpc)})
    return RoundData(
        unit_ids=unit_ids,
        scores=scores,
        items=items,
        weights=weights,
        response_ids=response_ids,
        uuids=uuids,
        strata=strata,
        psu=psu,
        ssu=ssu,
        fpc1=fpc.get("fpc1"),
        fpc2=fpc.get("fpc2"),
        design=design,
    )


# --------------------------------------------------------------------------- specification


def release_spec(version: QuestionnaireVersion) -> tuple[IndexSpec, list[str]]:
    """The questionnaire's index specification, plus a hidden group of the other satisfaction items.

    The "in general" items (a0, p0, ..., overall) are not in any group when
    groups are plain means, yet they are published item indices; they are
    computed in a group that enters nothing and is not stored. Returns the
    spec and the codes of those extra items.
    """
    block = (version.definition or {}).get("indices")
    if not block:
        raise ReleaseError(_("Bảng hỏi %(code)s không có khối chỉ số (indices).", code=version.code))
    try:
        spec = IndexSpec.from_dict(block)
    except AnalysisError as exc:
        raise ReleaseError(_("Khối chỉ số của bảng hỏi không hợp lệ: %(error)s", error=str(exc))) from exc
    used = set(spec.items())
    numeric = set(version.numeric_items)
    extra = []
    for section in version.definition.get("sections", []):
        for item in section.get("items", []):
            code = item.get("code")
            if item.get("type") == "satisfaction" and code in numeric and code not in used:
                extra.append(code)
    if extra:
        spec = replace(
            spec, groups=spec.groups + (GroupSpec(OTHER_ITEMS_GROUP, tuple(extra), in_overall=False),)
        )
    return spec, extra


# --------------------------------------------------------------------------- units


class UnitTree:
    """Parents of every unit (one query), for domains at each level of the hierarchy."""

    def __init__(self, session: Session):
        self.parent: dict[int, int | None] = dict(session.execute(select(Unit.id, Unit.parent_id)).all())
        self._chains: dict[int, tuple[int, ...]] = {}

    def chain(self, unit_id: int) -> tuple[int, ...]:
        """The unit and its ancestors, root first."""
        chain = self._chains.get(unit_id)
        if chain is None:
            path: list[int] = []
            current: int | None = unit_id
            while current is not None and current not in path:
                path.append(current)
                current = self.parent.get(current)
            chain = tuple(reversed(path))
            self._chains[unit_id] = chain
        return chain


def _domain_columns(unit_ids: np.ndarray, tree: UnitTree) -> list[np.ndarray]:
    """For each depth, the unit at that depth above each row's unit (NaN when shallower)."""
    uniq, inverse = np.unique(unit_ids, return_inverse=True)
    chains = [tree.chain(int(u)) for u in uniq]
    depth = max(len(c) for c in chains)
    columns = []
    for level in range(depth):
        at_level = np.array([c[level] if len(c) > level else np.nan for c in chains], dtype=np.float64)
        columns.append(at_level[inverse])
    return columns


def _weight_shares(unit_ids: np.ndarray, weights: np.ndarray, tree: UnitTree) -> dict[int | None, float]:
    """Sum of weights of each domain unit's rows (None: all)."""
    uniq, inverse = np.unique(unit_ids, return_inverse=True)
    sums = np.bincount(inverse, weights=weights, minlength=len(uniq))
    out: dict[int | None, float] = {None: float(weights.sum())}
    for u, total in zip(uniq, sums):
        for ancestor in tree.chain(int(u)):
            out[ancestor] = out.get(ancestor, 0.0) + float(total)
    return out


# --------------------------------------------------------------------------- computation


Key = tuple[int | None, str, str]  # (unit id or None, level, index code)


def _estimate_by_unit(
    data: RoundData,
    spec: IndexSpec,
    schemes: list[np.ndarray],
    parameters: Mapping[str, Any],
    *,
    with_deff: bool,
    progress: Progress,
    span: tuple[float, float],
) -> dict[Key, Any]:
    """Index records keyed by unit: the nation with scheme 0, each scheme's domains."""
    frame = data.frame(spec.items())
    try:
        design = build_design(frame, data.design_spec(parameters["lonely_psu"]))
    except AnalysisError as exc:
        raise ReleaseError(_("Thiết kế mẫu không hợp lệ: %(error)s", error=str(exc))) from exc
    records: dict[Key, Any] = {}
    steps = max(len(schemes), 1)
    for s in range(steps):
        by = None
        if schemes:
            by = f"_domain{s}"
            frame[by] = schemes[s]
        try:
            results = compute_indices(
                frame,
                spec,
                design,
                by=by,
                ci_method=parameters["ci_method"],
                level=parameters["level"],
                deff=with_deff,
                overall=s == 0,
            )
        except AnalysisError as exc:
            raise ReleaseError(_("Không tính được chỉ số: %(error)s", error=str(exc))) from exc
        for record in results.records:
            if record.level == "group" and record.index == OTHER_ITEMS_GROUP:
                continue
            unit = None if record.domain is None else int(next(iter(record.domain.values())))
            records[(unit, record.level, record.index)] = replace(record, domain=None if unit is None else {"unit": unit})
        if by is not None:
            del frame[by]
        progress(span[0] + (span[1] - span[0]) * (s + 1) / steps, _("Đang tính chỉ số theo đơn vị…"))
    return records


def _league(
    records: dict[Key, Any],
    tree: UnitTree,
    shares: dict[int | None, float],
    parameters: Mapping[str, Any],
) -> dict[Key, dict[str, Any]]:
    """Each unit against its parent (top level: the nation), Holm across siblings; rank intervals."""
    families: dict[tuple[int | None, str, str], list[int]] = {}
    for unit, level, index in records:
        if unit is None:
            continue
        parent = tree.parent.get(unit)
        if parent is not None and (parent, level, index) not in records:
            parent = None
        families.setdefault((parent, level, index), []).append(unit)
    alpha = float(parameters["alpha"])
    rng = np.random.default_rng(int(parameters.get("seed", 0)))
    out: dict[Key, dict[str, Any]] = {}
    for (parent, level, index), units in sorted(families.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1], kv[0][2])):
        units = sorted(units)
        reference = records[(parent, level, index)]
        est = np.array([records[(u, level, index)].estimate for u in units])
        se = np.array([records[(u, level, index)].se for u in units])
        df = np.array([records[(u, level, index)].df for u in units])
        ok = np.isfinite(est) & np.isfinite(se) & (se >= 0)
        if ok.any():
            ranks = rank_intervals(
                est[ok],
                se=se[ok],
                method=parameters["rank_method"],
                rng=rng,
                level=1 - alpha,
                df=float(np.nanmin(np.where(df[ok] > 0, df[ok], np.inf))),
            )
            for u, low, high in zip(np.array(units)[ok], ranks.rank_low, ranks.rank_high):
                out.setdefault((int(u), level, index), {}).update(rank_low=int(low), rank_high=int(high))
        if not (np.isfinite(reference.estimate) and np.isfinite(reference.se)):
            continue
        w = np.array([shares.get(u, 0.0) for u in units]) / shares[parent]
        # Cov(unit, reference) ~ w_i Var(unit): the reference is (about) the
        # weight-share mean of its sub-units' estimates.
        var_diff = se**2 + reference.se**2 - 2 * w * se**2
        testable = ok & np.isfinite(df) & (df > 0) & (var_diff > 1e-12 * max(reference.se**2, 1e-12))
        if not testable.any():
            continue
        table = league_table(
            est[testable],
            reference.estimate,
            se=se[testable],
            reference_se=reference.se,
            reference_cov=(w * se**2)[testable],
            df=df[testable],
            alpha=alpha,
            adjust="holm",
        )
        for u, diff, p_adj, flag in zip(
            np.array(units)[testable], table.difference, table.p_adjusted, table.flag
        ):
            out.setdefault((int(u), level, index), {}).update(
                reference_difference=float(diff),
                reference_p_adjusted=float(p_adj),
                flag=flag if flag in ("above", "below") else "none",
            )
    return out


def _as_results(records: dict[Key, Any], level: float) -> IndexResults:
    """Records as IndexResults for compare_rounds; df 0 becomes NaN (no test, not a crash)."""
    return IndexResults(
        tuple(r if r.df > 0 else replace(r, df=float("nan")) for r in records.values()), (), level, 0
    )


def _previous_territories(
    session: Session, unit_ids: Sequence[int], previous_round: SurveyRound
) -> dict[int, set[int]]:
    """For each current domain unit, the ids of the units that made up its territory then."""
    from survey.domain.units import units_on

    units = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(list(unit_ids))))}
    days = {previous_round.starts_on, previous_round.ends_on}
    out: dict[int, set[int]] = {}
    for uid, unit in units.items():
        territory = {uid}
        for day in days:
            territory.update(u.id for u in units_on(unit, day))
        out[uid] = territory
    return out


def _previous_schemes(
    previous: RoundData, territories: dict[int, set[int]], tree: UnitTree
) -> list[np.ndarray]:
    """Domain columns over the previous round's rows, one per set of non-overlapping domains.

    A current unit's domain holds the previous answers from units (or their
    sub-units) in its territory. Domains that share answers (a province and
    its communes, or the successors of a split unit) go to different columns.
    """
    by_member: dict[int, list[int]] = {}
    for uid, territory in territories.items():
        for t in territory:
            by_member.setdefault(t, []).append(uid)
    uniq, inverse = np.unique(previous.unit_ids, return_inverse=True)
    members: dict[int, set[int]] = {}
    for x in uniq:
        for ancestor in tree.chain(int(x)):
            for uid in by_member.get(ancestor, ()):
                members.setdefault(uid, set()).add(int(x))
    schemes: list[tuple[set[int], dict[int, int]]] = []
    for uid in sorted(members, key=lambda u: (len(tree.chain(u)), u)):
        for taken, assign in schemes:
            if taken.isdisjoint(members[uid]):
                break
        else:
            taken, assign = set(), {}
            schemes.append((taken, assign))
        taken.update(members[uid])
        assign.update({x: uid for x in members[uid]})
    columns = []
    for _taken, assign in schemes:
        lookup = np.array([assign.get(int(x), np.nan) for x in uniq], dtype=np.float64)
        columns.append(lookup[inverse])
    return columns


def previous_published_release(session: Session, survey_round: SurveyRound) -> Release | None:
    """The latest published release of the latest earlier round of the same questionnaire."""
    questionnaire_id = survey_round.questionnaire_version.questionnaire_id
    return session.scalar(
        select(Release)
        .join(SurveyRound, Release.round_id == SurveyRound.id)
        .join(QuestionnaireVersion, SurveyRound.questionnaire_version_id == QuestionnaireVersion.id)
        .where(
            QuestionnaireVersion.questionnaire_id == questionnaire_id,
            SurveyRound.ends_on < survey_round.starts_on,
            Release.status == ReleaseStatus.PUBLISHED,
        )
        .order_by(SurveyRound.ends_on.desc(), Release.number.desc())
        .limit(1)
    )


def _changes(
    session: Session,
    records: dict[Key, Any],
    previous_release: Release,
    tree: UnitTree,
    parameters: Mapping[str, Any],
    progress: Progress,
) -> tuple[dict[Key, tuple[float, Any]], dict[str, Any]]:
    """Previous estimates on the current territories and the changes (compare_rounds)."""
    previous_round = previous_release.round
    previous_parameters = {**DEFAULT_PARAMETERS, **(previous_release.parameters or {})}
    previous = load_round_data(session, previous_round, previous_release.weight_set)
    spec, _extra = release_spec(previous_release.questionnaire_version)
    domain_units = sorted({unit for unit, _level, _index in records if unit is not None})
    territories = _previous_territories(session, domain_units, previous_round)
    schemes = _previous_schemes(previous, territories, tree)
    estimation = {**previous_parameters, "ci_method": parameters["ci_method"], "level": parameters["level"]}
    before = _estimate_by_unit(
        previous, spec, schemes, estimation, with_deff=False, progress=progress, span=(0.75, 0.85)
    )
    comparable = [
        key
        for key, now in records.items()
        if key in before
        and np.isfinite(now.estimate)
        and np.isfinite(before[key].estimate)
        and np.isfinite(now.se)
        and np.isfinite(before[key].se)
        and now.se**2 + before[key].se ** 2 > 0
    ]
    comparisons = compare_rounds(
        _as_results({k: records[k] for k in comparable}, parameters["level"]),
        _as_results({k: before[k] for k in comparable}, parameters["level"]),
        labels=("now", "before"),
    )
    out: dict[Key, tuple[float, Any]] = {}
    for c in comparisons:
        unit = c.a.get("unit")
        key = (None if unit is None else int(unit), c.level, c.index)
        out[key] = (before[key].estimate, c)
    merged = {
        str(uid): sorted(t - {uid}) for uid, t in territories.items() if len(t - {uid}) > 1
    }
    info = {
        "release_id": previous_release.id,
        "round": previous_round.code,
        "fingerprint_matches": previous.fingerprint() == previous_release.data_fingerprint,
        "method": "previous answers re-estimated on the current units' territories (unit lineage)",
        "merged_territories": merged,
    }
    return out, info


def _clean(value: Any) -> Any:
    if value is None:
        return None
    value = float(value)
    return value if np.isfinite(value) else None


def _index_rows(
    records: dict[Key, Any],
    league: dict[Key, dict[str, Any]],
    changes: dict[Key, tuple[float, Any]],
) -> list[dict[str, Any]]:
    rows = []
    for key, r in records.items():
        unit, level, index = key
        extra = league.get(key, {})
        change = changes.get(key)
        rows.append(
            {
                "unit_id": unit,
                "level": level,
                "index_code": index,
                "statistic": r.statistic,
                "estimate": _clean(r.estimate),
                "se": _clean(r.se),
                "ci_low": _clean(r.ci_low),
                "ci_high": _clean(r.ci_high),
                "df": _clean(r.df),
                "n": int(r.n),
                "deff": _clean(r.deff),
                "ci_method": r.ci_method,
                "reference_difference": _clean(extra.get("reference_difference")),
                "reference_p_adjusted": _clean(extra.get("reference_p_adjusted")),
                "flag": extra.get("flag"),
                "rank_low": extra.get("rank_low"),
                "rank_high": extra.get("rank_high"),
                "previous_estimate": None if change is None else _clean(change[0]),
                "change": None if change is None else _clean(change[1].difference),
                "change_se": None if change is None else _clean(change[1].se),
                "change_p": None if change is None else _clean(change[1].p_value),
            }
        )
    return rows


def software_version() -> str:
    from survey import __version__

    return f"sipas {__version__}; numpy {np.__version__}"


def _check_parameters(parameters: Mapping[str, Any] | None) -> dict[str, Any]:
    merged = {**DEFAULT_PARAMETERS, **(parameters or {})}
    if merged["ci_method"] not in CI_METHODS:
        raise ReleaseError(
            _("Phương pháp khoảng tin cậy không hợp lệ: %(value)s (chọn %(choices)s).",
              value=merged["ci_method"], choices=", ".join(CI_METHODS))
        )
    if merged["rank_method"] not in RANK_METHODS:
        raise ReleaseError(
            _("Phương pháp khoảng thứ hạng không hợp lệ: %(value)s (chọn %(choices)s).",
              value=merged["rank_method"], choices=", ".join(RANK_METHODS))
        )
    level = float(merged["level"])
    if not 0.5 <= level < 1:
        raise ReleaseError(_("Mức tin cậy phải từ 0,5 đến dưới 1."))
    merged["level"] = level
    merged["alpha"] = float(merged["alpha"])
    return merged


def compute_release_from_data(
    session: Session,
    survey_round: SurveyRound,
    data: RoundData,
    *,
    weight_set: WeightSet | None = None,
    parameters: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
    created_by: StaffUser | None = None,
    supersedes: Release | None = None,
    previous_release: Release | None | bool = True,
    title: str | None = None,
) -> Release:
    """Compute and store a draft release from arrays (the path behind :func:`compute_release`).

    ``previous_release``: a published release to compare with, ``True`` to find
    the previous round's (default) or ``None``/``False`` for no comparison.
    Only ``flush()``es; the caller commits.
    """
    progress = progress or _no_progress
    params = _check_parameters(parameters)
    version = survey_round.questionnaire_version
    if list(data.items) != list(version.numeric_items):
        raise ReleaseError(_("Dữ liệu không khớp với danh sách câu hỏi của phiên bản bảng hỏi."))
    spec, extra = release_spec(version)
    progress(0.1, _("Đang dựng thiết kế mẫu…"))
    tree = UnitTree(session)
    schemes = _domain_columns(data.unit_ids, tree)
    records = _estimate_by_unit(data, spec, schemes, params, with_deff=True, progress=progress, span=(0.1, 0.6))
    progress(0.6, _("Đang so sánh các đơn vị (bảng xếp hạng)…"))
    league = _league(records, tree, _weight_shares(data.unit_ids, data.weights, tree), params)
    if previous_release is True:
        previous_release = previous_published_release(session, survey_round)
    elif previous_release is False:
        previous_release = None
    changes: dict[Key, tuple[float, Any]] = {}
    previous_info = None
    if previous_release is not None:
        if previous_release.status != ReleaseStatus.PUBLISHED:
            raise ReleaseError(_("Chỉ so sánh được với một kết quả đã công bố."))
        progress(0.75, _("Đang tính thay đổi so với kỳ trước…"))
        changes, previous_info = _changes(session, records, previous_release, tree, params, progress)
    progress(0.9, _("Đang lưu kết quả…"))
    number = (session.scalar(select(func.max(Release.number)).where(Release.round_id == survey_round.id)) or 0) + 1
    stored_parameters = {
        **params,
        "spec": dict(version.definition["indices"]),
        "extra_items": extra,
        "design": data.design,
        "domains": "each unit with answers and its ancestors; estimated on the full design",
        "league": "unit vs parent (top level vs nation), Holm across siblings, Cov = share * Var(unit)",
        "previous": previous_info,
    }
    release = Release(
        round_id=survey_round.id,
        number=number,
        title=title or f"{survey_round.name} – bản {number}",
        status=ReleaseStatus.DRAFT,
        questionnaire_version_id=version.id,
        weight_set_id=None if weight_set is None else weight_set.id,
        previous_release_id=None if previous_release is None else previous_release.id,
        supersedes_id=None if supersedes is None else supersedes.id,
        data_fingerprint=data.fingerprint(),
        parameters=stored_parameters,
        software_version=software_version(),
        n_responses=data.n,
        created_by_id=None if created_by is None else created_by.id,
    )
    session.add(release)
    session.flush()
    rows = _index_rows(records, league, changes)
    for row in rows:
        row["release_id"] = release.id
    for start in range(0, len(rows), 20_000):
        session.execute(insert(ReleaseIndex), rows[start : start + 20_000])
    session.add(
        AuditEntry(
            user_id=release.created_by_id,
            action="release.compute",
            target=f"release:{release.id}",
            details={"round": survey_round.code, "number": number, "rows": len(rows), "n": data.n},
        )
    )
    session.flush()
    progress(1.0, _("Đã tính xong."))
    return release


def compute_release(
    session: Session,
    survey_round: SurveyRound,
    *,
    weight_set: WeightSet | None = None,
    parameters: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
    created_by: StaffUser | None = None,
    supersedes: Release | None = None,
    previous_release: Release | None | bool = True,
    title: str | None = None,
) -> Release:
    """Compute a round's indices and store them as a draft release (flush only).

    ``parameters``: ``ci_method`` (logit, wald, beta, wilson), ``level``,
    ``alpha`` (league flags), ``rank_method`` (kww, simulation), ``lonely_psu``,
    ``seed``. ``progress(fraction, message)`` is called as the work advances.
    ``supersedes``: the release this one corrects.
    """
    progress = progress or _no_progress
    if weight_set is not None and weight_set.round_id != survey_round.id:
        raise ReleaseError(_("Bộ trọng số #%(id)d không thuộc đợt khảo sát này.", id=weight_set.id))
    if supersedes is not None and supersedes.round_id != survey_round.id:
        raise ReleaseError(_("Kết quả được thay thế phải thuộc cùng đợt khảo sát."))
    progress(0.0, _("Đang đọc dữ liệu…"))
    data = load_round_data(session, survey_round, weight_set)
    return compute_release_from_data(
        session,
        survey_round,
        data,
        weight_set=weight_set,
        parameters=parameters,
        progress=progress,
        created_by=created_by,
        supersedes=supersedes,
        previous_release=previous_release,
        title=title,
    )


def compute_release_job(
    session: Session,
    progress: Progress,
    *,
    round_id: int,
    title: str | None = None,
    weight_set_id: int | None = None,
    parameters: Mapping[str, Any] | None = None,
    supersedes_id: int | None = None,
    publish: bool = False,
    user_id: int | None = None,
) -> dict[str, Any]:
    """The ``compute_release`` background job (see :func:`survey.serving.queue.start_job`)."""
    survey_round = session.get(SurveyRound, round_id)
    if survey_round is None:
        raise ReleaseError(_("Không có đợt khảo sát #%(id)d.", id=round_id))
    weight_set = None if weight_set_id is None else session.get(WeightSet, weight_set_id)
    if weight_set_id is not None and weight_set is None:
        raise ReleaseError(_("Không có bộ trọng số #%(id)d.", id=weight_set_id))
    supersedes = None if supersedes_id is None else session.get(Release, supersedes_id)
    user = None if user_id is None else session.get(StaffUser, user_id)
    release = compute_release(
        session,
        survey_round,
        weight_set=weight_set,
        parameters=parameters,
        progress=progress,
        created_by=user,
        supersedes=supersedes,
        title=title or None,
    )
    if publish:
        publish_release(session, release, user)
    return {"release_id": release.id, "number": release.number, "n_responses": release.n_responses}


# --------------------------------------------------------------------------- life cycle


def publish_release(session: Session, release: Release, user: StaffUser | None) -> Release:
    """Publish a draft release; from now on it never changes (flush only)."""
    if release.status == ReleaseStatus.PUBLISHED:
        raise ReleaseError(_("Kết quả #%(id)d đã được công bố.", id=release.id))
    release.status = ReleaseStatus.PUBLISHED
    release.published_at = utcnow()
    session.add(
        AuditEntry(
            user_id=None if user is None else user.id,
            action="release.publish",
            target=f"release:{release.id}",
            details={"round_id": release.round_id, "number": release.number, "supersedes": release.supersedes_id},
        )
    )
    session.flush()
    return release


def discard_release(session: Session, release: Release, user: StaffUser | None = None) -> None:
    """Delete a draft release and its results; a published release cannot be deleted."""
    if release.status == ReleaseStatus.PUBLISHED:
        raise ReleaseError(_("Kết quả #%(id)d đã được công bố nên không xóa được.", id=release.id))
    session.execute(delete(ReleaseIndex).where(ReleaseIndex.release_id == release.id))
    session.add(
        AuditEntry(user_id=None if user is None else user.id, action="release.discard", target=f"release:{release.id}")
    )
    session.delete(release)
    session.flush()


def current_release(session: Session, survey_round: SurveyRound) -> Release | None:
    """The round's latest published release (the one dashboards show)."""
    return session.scalar(
        select(Release)
        .where(Release.round_id == survey_round.id, Release.status == ReleaseStatus.PUBLISHED)
        .order_by(Release.number.desc())
        .limit(1)
    )


def league_rows(
    session: Session, release: Release, parent: Unit | None, index_code: str = "overall", level: str = "overall"
) -> list[ReleaseIndex]:
    """The stored results of a unit's sub-units (``parent`` None: top-level units) for one index."""
    parent_filter = Unit.parent_id.is_(None) if parent is None else Unit.parent_id == parent.id
    return list(
        session.scalars(
            select(ReleaseIndex)
            .join(Unit, ReleaseIndex.unit_id == Unit.id)
            .where(
                ReleaseIndex.release_id == release.id,
                ReleaseIndex.level == level,
                ReleaseIndex.index_code == index_code,
                parent_filter,
            )
            .order_by(ReleaseIndex.estimate.desc(), Unit.code)
        )
    )

