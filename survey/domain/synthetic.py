"""Large synthetic rounds for benchmarks: a million answers over thousands of communes.

:func:`create_synthetic_release` makes (or reuses) 3,000 communes under the 34
provinces, a closed round of the ``sipas-service`` questionnaire, answers with
a plausible design (communes are strata, villages are PSUs, weights are
dossiers completed over answers), and computes and publishes its release: the
same stored object the dashboard reads. By default the answers go straight
from arrays into the computation; ``store_responses=True`` also stores them
(packed scores plus design rows) and computes from the database.
"""

from __future__ import annotations

import math
import uuid as uuid_module
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from survey import QUESTIONNAIRES_DIR
from survey.domain.questionnaires import QuestionnaireDefinition, load_questionnaire
from survey.domain.questionnaires.store import publish
from survey.domain.releases import (
    Progress,
    RoundData,
    compute_release,
    compute_release_from_data,
    publish_release,
)
from survey.domain.units import REORGANISATION_DAY, seed_provinces
from survey.i18n import LOCAL_TZ
from survey.models import (
    Channel,
    Release,
    Response,
    ResponseDesign,
    RoundStatus,
    SurveyRound,
    Unit,
    UnitKind,
)

SYNTHETIC_PREFIX = "MP"  # "mô phỏng": codes of the synthetic communes, MP00001...


def _no_progress(fraction: float, message: str) -> None:
    return None


def synthetic_communes(session: Session, n_units: int, rng: np.random.Generator) -> list[Unit]:
    """``n_units`` synthetic communes spread over the 34 current provinces (created once)."""
    seed_provinces(session)
    provinces = list(
        session.scalars(
            select(Unit)
            .where(Unit.kind == UnitKind.PROVINCE, Unit.valid_from == REORGANISATION_DAY)
            .order_by(Unit.code)
        )
    )
    codes = [f"{SYNTHETIC_PREFIX}{i + 1:05d}" for i in range(n_units)]
    existing = {u.code: u for u in session.scalars(select(Unit).where(Unit.code.like(f"{SYNTHETIC_PREFIX}%")))}
    missing = [c for c in codes if c not in existing]
    if missing:
        # every province gets at least one commune; the rest by province size
        sizes = rng.lognormal(0.0, 0.5, size=len(provinces))
        owner = np.concatenate(
            [np.arange(len(provinces)), rng.choice(len(provinces), size=max(len(missing) - len(provinces), 0), p=sizes / sizes.sum())]
        )[: len(missing)]
        session.execute(
            insert(Unit),
            [
                {
                    "code": code,
                    "name": f"Xã mô phỏng {code[len(SYNTHETIC_PREFIX):]}",
                    "kind": UnitKind.COMMUNE,
                    "parent_id": provinces[int(owner[i])].id,
                    "valid_from": REORGANISATION_DAY,
                }
                for i, code in enumerate(missing)
            ],
        )
        existing = {u.code: u for u in session.scalars(select(Unit).where(Unit.code.like(f"{SYNTHETIC_PREFIX}%")))}
    return [existing[c] for c in codes]


def synthetic_scores(
    questionnaire: QuestionnaireDefinition, items: list[str], latent: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """An (n, k) float32 score matrix: satisfaction from a logistic model of ``latent``."""
    n = len(latent)
    scores = np.full((n, len(items)), np.nan, dtype=np.float32)
    column = {code: j for j, code in enumerate(items)}
    feedback = None
    for code in items:
        item = questionnaire.item(code)
        codes = np.array(item.option_codes if item.option_codes else [0], dtype=np.float32)
        j = column[code]
        if item.type == "satisfaction":
            effect = rng.normal(0.0, 0.35)
            p = 1.0 / (1.0 + np.exp(-(1.6 + latent + effect)))
            satisfied = rng.random(n) < p
            high = np.where(rng.random(n) < 0.33, 5.0, 4.0)
            low = rng.choice(np.array([1.0, 2.0, 3.0]), size=n, p=[0.12, 0.28, 0.60])
            values = np.where(satisfied, high, low)
            if item.not_experienced:
                values = np.where(rng.random(n) < 0.04, 9.0, values)
            scores[:, j] = values
        elif item.type == "scale4":
            scores[:, j] = rng.choice(codes, size=n, p=[0.06, 0.14, 0.40, 0.40][: len(codes)])
        elif item.type == "number":
            scores[:, j] = rng.poisson(1.5, size=n) + 1
        elif item.type == "yesno":
            p_yes = 0.2 if "feedback" in code else 0.1
            scores[:, j] = np.where(rng.random(n) < p_yes, codes[0], codes[-1])
            if code == "gave_feedback":
                feedback = scores[:, j] == codes[0]
        else:
            weights = np.linspace(1.6, 0.4, len(codes))
            scores[:, j] = rng.choice(codes, size=n, p=weights / weights.sum())
    if feedback is not None:
        for code in items:
            item = questionnaire.item(code)
            if item.expression is not None and "gave_feedback" in item.expression.to_source():
                scores[~feedback, column[code]] = np.nan
    return scores


def synthetic_round(
    session: Session,
    *,
    n_responses: int = 1_000_000,
    n_units: int = 3_000,
    seed: int = 20260701,
    code: str | None = None,
) -> tuple[SurveyRound, RoundData, np.ndarray]:
    """A closed round and its synthetic answers as arrays (nothing stored but units and round).

    Returns ``(round, data, population)``: ``population`` holds the dossiers
    completed in each commune (the frame behind the weights).
    """
    rng = np.random.default_rng(seed)
    path = QUESTIONNAIRES_DIR / "sipas-service.yaml"
    questionnaire = load_questionnaire(path)
    version, _created = publish(session, questionnaire, path.read_text(encoding="utf-8"))
    communes = synthetic_communes(session, n_units, rng)
    provinces = sorted({c.parent_id for c in communes})
    base = code or f"synthetic-{n_responses}-{n_units}"
    code, k = base, 1
    while session.scalar(select(SurveyRound.id).where(SurveyRound.code == code)) is not None:
        k += 1
        code = f"{base}-{k}"
    survey_round = SurveyRound(
        code=code,
        name=f"SIPAS mô phỏng ({n_responses:,} phiếu, {n_units:,} xã)".replace(",", "."),
        questionnaire_version=version,
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        channels=["paper"],
        status=RoundStatus.CLOSED,
        units=list(session.scalars(select(Unit).where(Unit.id.in_(provinces)))),
        sampling_design={"strata": "commune", "psu": "village", "weights": "dossiers completed / answers"},
    )
    session.add(survey_round)
    session.flush()

    # answers per commune: proportional to a skewed size, at least 30
    size = rng.lognormal(0.0, 0.6, size=n_units)
    per_unit = np.maximum(30, np.floor(size / size.sum() * n_responses)).astype(np.int64)
    excess = int(per_unit.sum() - n_responses)
    while excess != 0:  # adjust the largest communes so that the total is exact
        j = int(np.argmax(per_unit)) if excess > 0 else int(np.argmin(per_unit))
        step = min(excess, int(per_unit[j] - 30)) if excess > 0 else excess
        per_unit[j] -= step
        excess -= step
    unit_index = np.repeat(np.arange(n_units), per_unit)
    villages = np.maximum(2, per_unit // 35)
    village = (rng.random(n_responses) * villages[unit_index]).astype(np.int64)
    population = np.round(per_unit * rng.lognormal(1.5, 0.5, size=n_units)).astype(np.int64) + per_unit

    province_effect = {p: rng.normal(0.0, 0.3) for p in provinces}
    commune_effect = np.array([province_effect[c.parent_id] for c in communes]) + rng.normal(0.0, 0.35, n_units)
    village_effect = rng.normal(0.0, 0.2, size=int(villages.sum()))
    village_id = np.concatenate([[0], np.cumsum(villages)[:-1]])[unit_index] + village
    latent = commune_effect[unit_index] + village_effect[village_id] + rng.normal(0.0, 0.8, n_responses)
    items = list(version.numeric_items)
    scores = synthetic_scores(questionnaire, items, latent, rng)

    unit_ids = np.array([c.id for c in communes], dtype=np.int64)[unit_index]
    codes = np.array([c.code for c in communes])
    data = RoundData(
        unit_ids=unit_ids,
        scores=scores,
        items=items,
        weights=(population / per_unit).astype(np.float64)[unit_index],
        uuids=np.frombuffer(rng.bytes(16 * n_responses), dtype="S16"),
        strata=codes[unit_index],
        psu=np.char.add(np.char.add(codes[unit_index], "-"), village.astype(str)),
        design={"weights": "dossiers completed / answers per commune", "strata": True, "psu": True, "synthetic": seed},
    )
    return survey_round, data, population


def store_synthetic_responses(session: Session, survey_round: SurveyRound, data: RoundData, chunk: int = 50_000) -> None:
    """Store the arrays as responses (packed scores, answers as JSON) with their design rows."""
    items = data.items
    start = datetime.combine(survey_round.starts_on, time(9), LOCAL_TZ)
    connection = session.connection()
    next_id = (connection.exec_driver_sql("SELECT COALESCE(MAX(id), 0) FROM responses").scalar() or 0) + 1
    for lo in range(0, data.n, chunk):
        hi = min(lo + chunk, data.n)
        block = data.scores[lo:hi]
        ids = np.arange(next_id + lo, next_id + hi)
        rows: list[dict[str, Any]] = []
        for i in range(hi - lo):
            values = block[i]
            answers = {code: int(v) for code, v in zip(items, values.tolist()) if not math.isnan(v)}
            rows.append(
                {
                    "id": int(ids[i]),
                    "uuid": uuid_module.UUID(bytes=bytes(data.uuids[lo + i]).ljust(16, b"\0")),
                    "round_id": survey_round.id,
                    "questionnaire_version_id": survey_round.questionnaire_version_id,
                    "unit_id": int(data.unit_ids[lo + i]),
                    "channel": Channel.PAPER,
                    "submitted_at": start + timedelta(minutes=int(lo + i) % 400_000),
                    "received_at": start,
                    "answers": answers,
                    "scores": values.astype("<f4").tobytes(),
                }
            )
        session.execute(insert(Response), rows)
        session.execute(
            insert(ResponseDesign),
            [
                {
                    "response_id": int(ids[i]),
                    "stratum": str(data.strata[lo + i]) if data.strata is not None else None,
                    "psu": str(data.psu[lo + i]) if data.psu is not None else None,
                    "base_weight": float(data.weights[lo + i]),
                }
                for i in range(hi - lo)
            ],
        )
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            "SELECT setval(pg_get_serial_sequence('responses', 'id'), (SELECT MAX(id) FROM responses))"
        )


def create_synthetic_release(
    session: Session,
    *,
    n_responses: int = 1_000_000,
    n_units: int = 3_000,
    seed: int = 20260701,
    code: str | None = None,
    store_responses: bool = False,
    publish_it: bool = True,
    progress: Progress | None = None,
) -> Release:
    """Generate a synthetic round at scale, compute its release and publish it (commits).

    For ``bench/dashboard.py``: a release over a million answers and 3,000
    communes in 34 provinces, read by the dashboard like any other.
    """
    progress = progress or _no_progress
    progress(0.0, "Đang tạo dữ liệu mô phỏng…")
    survey_round, data, _population = synthetic_round(
        session, n_responses=n_responses, n_units=n_units, seed=seed, code=code
    )
    session.commit()
    if store_responses:
        progress(0.05, "Đang lưu phiếu mô phỏng…")
        store_synthetic_responses(session, survey_round, data)
        session.commit()
        # stored responses are read once: computed from and, when published, frozen from the same arrays
        release = compute_release(session, survey_round, progress=progress, previous_release=None,
                                  publish=publish_it)
    else:
        release = compute_release_from_data(session, survey_round, data, progress=progress, previous_release=None)
        if publish_it:  # the arrays are frozen with the release
            publish_release(session, release, None, data=data)
    session.commit()
    return release

