"""Storing responses: validation against the questionnaire version, idempotency, packing."""

from __future__ import annotations

import uuid as uuid_module
from datetime import datetime, timedelta, timezone

import numpy as np
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey.models import Channel, Device, QuestionnaireVersion, Response, SurveyRound, Unit, utcnow
from survey.questionnaire import Questionnaire


class SubmissionError(ValueError):
    """A submission was refused; ``errors`` maps field (item code) to message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


_questionnaires: dict[str, Questionnaire] = {}


def questionnaire_for(version: QuestionnaireVersion) -> Questionnaire:
    """The questionnaire of a stored (immutable) version, cached by content hash."""
    questionnaire = _questionnaires.get(version.content_hash)
    if questionnaire is None:
        questionnaire = Questionnaire.from_definition(version.definition)
        _questionnaires[version.content_hash] = questionnaire
    return questionnaire


def pack_scores(numeric_items: list[str], answers: dict) -> bytes:
    """Numeric answers as little-endian float32 in ``numeric_items`` order; NaN = none."""
    values = np.full(len(numeric_items), np.nan, dtype="<f4")
    for i, code in enumerate(numeric_items):
        value = answers.get(code)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            values[i] = value
        elif isinstance(value, bool):
            values[i] = 1.0 if value else 0.0
    return values.tobytes()


def _clamp_submitted_at(value: datetime | None, now: datetime) -> datetime:
    """A client's clock may be wrong: a time in the future becomes the time received."""
    if value is None:
        return now
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return now if value > now + timedelta(minutes=5) else value


def build_response(
    *,
    survey_round: SurveyRound,
    unit: Unit,
    channel: Channel,
    answers: dict,
    response_uuid: uuid_module.UUID,
    device: Device | None = None,
    submitted_at: datetime | None = None,
) -> Response:
    """A validated, not yet stored response; raises :class:`SubmissionError` on bad answers."""
    version = survey_round.questionnaire_version
    errors = questionnaire_for(version).validate_answers(answers)
    if errors:
        raise SubmissionError(errors)
    now = utcnow()
    return Response(
        uuid=response_uuid,
        round_id=survey_round.id,
        questionnaire_version_id=version.id,
        unit_id=unit.id,
        channel=channel,
        device_id=device.id if device else None,
        submitted_at=_clamp_submitted_at(submitted_at, now),
        received_at=now,
        answers=answers,
        scores=pack_scores(list(version.numeric_items), answers),
    )


def record_response(session: Session, *, response_uuid: uuid_module.UUID, **fields) -> tuple[Response, bool]:
    """Validate and store a response once; a repeated UUID returns the stored one.

    Takes the keyword arguments of :func:`build_response`. Returns
    ``(response, created)``; raises :class:`SubmissionError` when the answers
    do not fit the round's questionnaire version.
    """
    existing = session.scalar(select(Response).where(Response.uuid == response_uuid))
    if existing is not None:
        return existing, False
    response = build_response(response_uuid=response_uuid, **fields)
    try:
        with session.begin_nested():
            session.add(response)
    except IntegrityError:
        existing = session.scalar(select(Response).where(Response.uuid == response_uuid))
        if existing is None:
            raise
        return existing, False
    return response, True


def load_score_matrix(
    session: Session, round_id: int
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """All numeric answers of a round as arrays for analysis.

    Returns ``(unit_ids, scores, items)``: ``scores`` is an (n, k) float32 array
    with NaN for no answer, columns in the order of ``items``.
    """
    survey_round = session.get(SurveyRound, round_id)
    if survey_round is None:
        raise LookupError(f"no survey round with id {round_id}")
    items = list(survey_round.questionnaire_version.numeric_items)
    rows = session.execute(
        select(Response.unit_id, Response.scores)
        .where(Response.round_id == round_id)
        .order_by(Response.id)
        .execution_options(yield_per=50_000)
    )
    unit_chunks: list[np.ndarray] = []
    blob_chunks: list[bytes] = []
    for partition in rows.partitions():
        unit_chunks.append(np.fromiter((r[0] for r in partition), dtype=np.int64, count=len(partition)))
        blob_chunks.append(b"".join(r[1] for r in partition))
    if not unit_chunks:
        return np.empty(0, dtype=np.int64), np.empty((0, len(items)), dtype=np.float32), items
    scores = np.frombuffer(b"".join(blob_chunks), dtype="<f4").reshape(-1, len(items))
    return np.concatenate(unit_chunks), scores, items
