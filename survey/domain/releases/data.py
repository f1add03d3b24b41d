"""A round's answers, weights and design variables as arrays, and the unit tree for domains."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis import DesignSpec
from survey.domain.releases.spec import ReleaseError
from survey.i18n import _
from survey.models import Response, ResponseDesign, SampleFrame, SurveyRound, Unit, WeightSet


@dataclass(frozen=True, eq=False)
class RoundData:
    """A round's answers and design as arrays: the boundary between database and analysis.

    ``scores`` is (n, k) float32 in the order of ``items`` (NaN = no answer);
    ``strata``/``psu``/``ssu`` are label arrays or None; ``design`` describes
    where weights and design variables came from (stored with the release);
    ``calibration``, for a weight set raked to margins, holds each response's
    margin categories and g-weight so that variances are R ``calibrate``'s.
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
    calibration: tuple[dict[str, np.ndarray], np.ndarray] | None = None  # margin labels, g-weights

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


def load_round_data(
    session: Session, survey_round: SurveyRound, weight_set: WeightSet | None = None,
    last_response_id: int | None = None,
) -> RoundData:
    """Load a round's answers, weights and design variables.

    Weights: the weight set's, else every response's ``ResponseDesign.base_weight``
    when all have one, else 1 (simple random sampling). Strata and PSUs: from
    ``ResponseDesign``, filled in from the weight set's sample frame (per unit);
    a response without a PSU is its own PSU, one without a stratum falls in a
    stratum of its own kind ("?"). ``last_response_id`` leaves out later answers.
    """
    from survey.domain.responses import load_response_arrays

    response_ids, uuids, unit_ids, scores, items = load_response_arrays(session, survey_round.id)
    if last_response_id is not None:  # a release's snapshot: answers that came later are not in it
        keep = np.asarray(response_ids) <= last_response_id
        response_ids, unit_ids, scores = response_ids[keep], unit_ids[keep], scores[keep]
        uuids = None if uuids is None else uuids[keep]
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
    calibration = None
    if weight_set is not None:
        calibration = raking_calibration(session, weight_set, unit_ids, scores, items)
        if calibration is not None:
            design["calibration"] = sorted(calibration[0])
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
        calibration=calibration,
    )


def margin_labels(
    name: str, items: list[str], scores: np.ndarray, strata: np.ndarray, provinces: np.ndarray
) -> np.ndarray:
    """Category of each response for a raking margin: ``stratum``, ``province`` or an item code.

    Crossed margins join names with ``*`` (``province*gender``) and labels with ``:``.
    """
    if "*" in name:
        parts = [margin_labels(part.strip(), items, scores, strata, provinces) for part in name.split("*")]
        return np.array([":".join(map(str, t)) for t in zip(*parts)], dtype=object)
    if name == "stratum":
        return strata
    if name == "province":
        return provinces
    if name not in items:
        raise ReleaseError(
            _("Biến cân chỉnh %(name)s không có: dùng stratum, province hoặc mã một câu hỏi.", name=name)
        )
    values = scores[:, items.index(name)].astype(np.float64)
    if np.isnan(values).any():
        raise ReleaseError(
            _("%(n)d phiếu không trả lời câu %(name)s nên không cân chỉnh theo biến này được.",
              n=int(np.isnan(values).sum()), name=name)
        )
    return np.array([str(int(v)) if float(v).is_integer() else str(v) for v in values], dtype=object)


def raking_calibration(
    session: Session, weight_set: WeightSet, unit_ids: np.ndarray, scores: np.ndarray, items: list[str]
) -> tuple[dict[str, np.ndarray], np.ndarray] | None:
    """Margin categories and g-weights of the responses of a raked weight set (None if not raked).

    The g-weight is the product of the response's category factors (clipped to
    the raking bounds), as stored in the weight set's diagnostics; weight sets
    made before the factors were stored give None (fixed-weight variance).
    """
    raking = (weight_set.diagnostics or {}).get("raking") or {}
    margins = ((weight_set.method or {}).get("raking") or {}).get("margins") or {}
    rows = raking.get("margins") or []
    if not margins or not rows or any(row.get("factor") is None for row in rows) or weight_set.frame_id is None:
        return None
    frame = session.get(SampleFrame, weight_set.frame_id)
    frame_rows = {int(row["unit_id"]): row for row in (frame.rows if frame is not None else [])}
    tree = UnitTree(session)
    uniq, inverse = np.unique(unit_ids, return_inverse=True)
    owners = [next((a for a in reversed(tree.chain(int(u))) if a in frame_rows), None) for u in uniq]
    if any(o is None for o in owners):
        return None
    strata = np.array([str(frame_rows[o].get("stratum", "")) or frame_rows[o]["unit"] for o in owners], dtype=object)
    provinces = np.array([str(tree.chain(int(o))[0]) for o in owners], dtype=object)
    variables = {
        name: margin_labels(name, items, scores, strata[inverse], provinces[inverse]) for name in margins
    }
    g = np.ones(len(unit_ids))
    for name, labels in variables.items():
        factors = {str(row["category"]): float(row["factor"]) for row in rows if row["margin"] == name}
        codes, uniques = np.unique(labels.astype(str), return_inverse=True)
        g *= np.array([factors.get(u, np.nan) for u in codes])[uniques]
    low, high = raking.get("bounds") or (0.0, None)
    g = np.clip(g, low or 0.0, np.inf if high is None else high)
    return (variables, g) if np.isfinite(g).all() and (g > 0).all() else None


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


def domain_columns(unit_ids: np.ndarray, tree: UnitTree) -> list[np.ndarray]:
    """For each depth, the unit at that depth above each row's unit (NaN when shallower)."""
    uniq, inverse = np.unique(unit_ids, return_inverse=True)
    chains = [tree.chain(int(u)) for u in uniq]
    depth = max(len(c) for c in chains)
    columns = []
    for level in range(depth):
        at_level = np.array([c[level] if len(c) > level else np.nan for c in chains], dtype=np.float64)
        columns.append(at_level[inverse])
    return columns


def weight_shares(unit_ids: np.ndarray, weights: np.ndarray, tree: UnitTree) -> dict[int | None, float]:
    """Sum of weights of each domain unit's rows (None: all)."""
    uniq, inverse = np.unique(unit_ids, return_inverse=True)
    sums = np.bincount(inverse, weights=weights, minlength=len(uniq))
    out: dict[int | None, float] = {None: float(weights.sum())}
    for u, total in zip(uniq, sums):
        for ancestor in tree.chain(int(u)):
            out[ancestor] = out.get(ancestor, 0.0) + float(total)
    return out
