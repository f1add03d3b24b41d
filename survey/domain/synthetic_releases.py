"""Synthetic release results written straight into ReleaseIndex rows.

For the dashboard benchmark (bench/dashboard.py: 3,000 units, a release of
1,000,000 responses) and for tests that need a published release without
running the computation. The numbers are plausible, not estimated: flags
compare each unit with its parent by a z test, changes with the previous
release's overall index.
"""

from __future__ import annotations

from math import erf, sqrt

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from survey.models import Release, ReleaseIndex, ReleaseStatus, SurveyRound, Unit, UnitKind, utcnow


def index_codes(survey_round: SurveyRound) -> list[tuple[str, str]]:
    """(level, code) of every index of the round's questionnaire: overall, groups, items."""
    indices = survey_round.questionnaire_version.definition.get("indices", {})
    codes = [("overall", "overall")]
    for group in indices.get("groups", []):
        codes.append(("group", group["code"]))
        codes.extend(("item", item) for item in group.get("items", []))
        if group.get("general_item"):
            codes.append(("item", group["general_item"]))
    return codes


def synthetic_release(
    session: Session,
    survey_round: SurveyRound,
    units: list[Unit],
    rng: np.random.Generator,
    *,
    number: int = 1,
    title: str = "",
    published: bool = True,
    national: bool = True,
    previous: Release | None = None,
    n_responses: int | None = None,
    per_unit_n: int = 300,
) -> Release:
    """A release of ``survey_round`` with plausible indices for ``units`` (and the nation).

    Flags compare each unit with its parent (or the nation) by a z test, so
    some units come out above, some below and most not different.
    """
    codes = index_codes(survey_round)
    release = Release(
        round_id=survey_round.id,
        number=number,
        title=title or f"{survey_round.name} – bản {number}",
        status=ReleaseStatus.DRAFT,
        questionnaire_version_id=survey_round.questionnaire_version_id,
        previous_release_id=previous.id if previous else None,
        data_fingerprint="0" * 64,
        parameters={"synthetic": True, "level": 0.95, "ci_method": "logit", "alpha": 0.05},
        software_version="bench",
        n_responses=n_responses or per_unit_n * len(units),
        created_at=utcnow(),
    )
    session.add(release)
    session.flush()
    previous_overall: dict[int | None, float] = {}
    if previous is not None:
        previous_overall, merged = previous_through_lineage(session, previous, units)
        release.parameters = {
            **release.parameters,
            "previous": {
                "release_id": previous.id,
                "round": previous.round.code,
                "method": "units new since the previous round: their predecessors' estimates, weighted by size",
                "merged_territories": merged,
            },
        }
    code_effect = rng.normal(0.0, 4.0, size=len(codes))
    base = 82.0
    unit_level = {u.id: rng.normal(0.0, 4.0) for u in units}
    estimates_overall = {u.id: base + unit_level[u.id] for u in units}
    rows = []
    targets: list[Unit | None] = ([None] if national else []) + list(units)
    for unit in targets:
        uid = unit.id if unit else None
        level_effect = unit_level.get(uid, 0.0) if uid is not None else 0.0
        n = per_unit_n * (len(units) if unit is None else 1)
        parent_estimate = (
            estimates_overall.get(unit.parent_id, base) if unit is not None else None
        )
        for k, (level, code) in enumerate(codes):
            effect = 0.0 if level == "overall" else code_effect[k]
            estimate = float(np.clip(base + level_effect + effect + rng.normal(0, 1.0), 20, 99.5))
            if level == "overall" and uid is not None:
                estimate = float(np.clip(estimates_overall[uid], 20, 99.5))
            se = float(np.sqrt(estimate * (100 - estimate) / n) * 1.4)
            flag, diff, p_adj = None, None, None
            # compared with the parent when the release has it (or with the nation at the top level)
            compared = unit is not None and (unit.parent_id is None or unit.parent_id in estimates_overall)
            if level == "overall" and compared:
                diff = estimate - (base if unit.parent_id is None else parent_estimate)
                z = diff / max(se, 1e-6)
                p_adj = float(min(1.0, 2 * (1 - _phi(abs(z))) * 3))
                flag = "none" if p_adj >= 0.05 else "above" if diff > 0 else "below"
            prev = previous_overall.get(uid) if level == "overall" else None
            rows.append(
                {
                    "release_id": release.id,
                    "unit_id": uid,
                    "level": level,
                    "index_code": code,
                    "statistic": "index",
                    "estimate": estimate,
                    "se": se,
                    "ci_low": max(0.0, estimate - 1.96 * se),
                    "ci_high": min(100.0, estimate + 1.96 * se),
                    "df": float(max(1, n // 10)),
                    "n": int(n),
                    "deff": 1.96,
                    "ci_method": "logit",
                    "reference_difference": diff,
                    "reference_p_adjusted": p_adj,
                    "flag": flag,
                    "previous_estimate": prev,
                    "change": (estimate - prev) if prev is not None else None,
                    "change_se": (se * 1.4) if prev is not None else None,
                    "change_p": (0.03 if prev is not None and abs(estimate - prev) > 3 else 0.4)
                    if prev is not None
                    else None,
                }
            )
    for start in range(0, len(rows), 5000):
        session.execute(insert(ReleaseIndex), rows[start : start + 5000])
    if published:
        release.status = ReleaseStatus.PUBLISHED
        release.published_at = utcnow()
    session.flush()
    return release


def previous_through_lineage(
    session: Session, previous: Release, units: list[Unit]
) -> tuple[dict[int | None, float], dict[str, list[int]]]:
    """Previous overall estimates on today's territories, and the merged units' predecessors.

    A unit in the previous release keeps its own estimate; a unit made since (the
    2025 mergers) gets its predecessors' estimates of the previous round
    (:func:`survey.domain.units.units_on`), each weighted by its size in that
    release (answers), as re-estimating on the merged territory would weigh them.
    """
    from survey.domain.units import units_on

    stored = {
        unit_id: (estimate, n)
        for unit_id, estimate, n in session.execute(
            select(ReleaseIndex.unit_id, ReleaseIndex.estimate, ReleaseIndex.n).where(
                ReleaseIndex.release_id == previous.id, ReleaseIndex.level == "overall"
            )
        )
        if estimate is not None
    }
    estimates: dict[int | None, float] = {uid: estimate for uid, (estimate, _n) in stored.items()}
    merged: dict[str, list[int]] = {}
    day = previous.round.ends_on
    for unit in units:
        if unit.id in stored:
            continue
        territory = sorted(u.id for u in units_on(unit, day) if u.id in stored)
        if not territory:
            continue
        sizes = np.array([stored[t][1] for t in territory], dtype=np.float64)
        values = np.array([stored[t][0] for t in territory], dtype=np.float64)
        estimates[unit.id] = float(np.average(values, weights=sizes))
        if len(territory) > 1:
            merged[str(unit.id)] = territory
    return estimates, merged


def _phi(x: float) -> float:
    return 0.5 * (1 + erf(x / sqrt(2)))


def demo_releases(session: Session, seed: int = 7) -> dict[str, Release]:
    """Published releases of the demo's two SIPAS rounds, written directly (reused when present).

    Covers the nation and every current unit (this year) and the provinces
    valid in 2024 with every other unit (last year), numbered after any release
    already there. The provinces merged in 2025 get their previous estimate
    through lineage (:func:`previous_through_lineage`).
    """
    from sqlalchemy import func

    rng = np.random.default_rng(seed)
    rounds = list(
        session.scalars(
            select(SurveyRound).where(SurveyRound.code.like("sipas-%")).order_by(SurveyRound.ends_on)
        )
    )
    result: dict[str, Release] = {}
    previous: Release | None = None
    for survey_round in rounds[-2:]:
        day = survey_round.ends_on
        # Provinces as they were on the round's last day (the 63 in 2024, the 34 now); other units always.
        units = [u for u in session.scalars(select(Unit)) if u.is_valid_on(day) or u.kind != UnitKind.PROVINCE]
        number = (session.scalar(select(func.max(Release.number)).where(Release.round_id == survey_round.id)) or 0) + 1
        previous = synthetic_release(session, survey_round, units, rng, number=number, previous=previous)
        result["previous" if "previous" not in result else "current"] = previous
    session.commit()
    return result
