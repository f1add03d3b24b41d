"""Storing responses: validation against the questionnaire version, idempotency, packing."""

from __future__ import annotations

import struct
import uuid as uuid_module
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import Connection, Insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey.domain.questionnaires import Questionnaire
from survey.models import Channel, Device, QuestionnaireVersion, Response, SurveyRound, Unit, utcnow


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


_NAN = float("nan")


def pack_scores(numeric_items: list[str], answers: dict) -> bytes:
    """Numeric answers as little-endian float32 in ``numeric_items`` order; NaN = none."""
    values = []
    for code in numeric_items:
        value = answers.get(code)
        if isinstance(value, bool):
            values.append(1.0 if value else 0.0)
        elif isinstance(value, (int, float)):
            values.append(value)
        else:
            values.append(_NAN)
    try:
        return struct.pack(f"<{len(values)}f", *values)  # a few items: cheaper than building an array
    except OverflowError:  # beyond float32: numpy stores infinity, as it always did
        with np.errstate(over="ignore"):
            return np.array(values, dtype="<f8").astype("<f4").tobytes()


def _clamp_submitted_at(value: datetime | None, now: datetime) -> datetime:
    """A client's clock may be wrong: a time in the future becomes the time received.

    Times are stored in UTC: SQLite keeps no time zone, so a local time stored
    as such would read back hours off.
    """
    if value is None:
        return now
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return now if value > now + timedelta(minutes=5) else value


def response_row(
    *,
    questionnaire: Questionnaire,
    numeric_items: list[str] | tuple[str, ...],
    version_id: int,
    round_id: int,
    unit_id: int,
    channel: Channel,
    answers: dict,
    response_uuid: uuid_module.UUID,
    device_id: int | None = None,
    submitted_at: datetime | None = None,
    now: datetime | None = None,
) -> dict:
    """The column values of a validated response, by ids; raises :class:`SubmissionError`.

    The shared core of :func:`build_response` (ORM objects) and the submission
    API (cached ids, :func:`insert_response_row`).
    """
    errors = questionnaire.validate_answers(answers)
    if errors:
        raise SubmissionError(errors)
    now = now or utcnow()
    return {
        "uuid": response_uuid,
        "round_id": round_id,
        "questionnaire_version_id": version_id,
        "unit_id": unit_id,
        "channel": channel,
        "device_id": device_id,
        "submitted_at": _clamp_submitted_at(submitted_at, now),
        "received_at": now,
        "answers": answers,
        "scores": pack_scores(list(numeric_items), answers),
    }


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
    return Response(
        **response_row(
            questionnaire=questionnaire_for(version),
            numeric_items=version.numeric_items,
            version_id=version.id,
            round_id=survey_round.id,
            unit_id=unit.id,
            channel=channel,
            answers=answers,
            response_uuid=response_uuid,
            device_id=device.id if device else None,
            submitted_at=submitted_at,
        )
    )


_insert_statements: dict[str, Insert] = {}


def _idempotent_insert(dialect: str) -> Insert:
    """``INSERT ... ON CONFLICT (uuid) DO NOTHING RETURNING id, uuid`` for the dialect."""
    statement = _insert_statements.get(dialect)
    if statement is None:
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        elif dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        else:  # pragma: no cover - SIPAS supports SQLite and PostgreSQL
            raise NotImplementedError(f"no idempotent insert for {dialect}")
        table = Response.__table__
        statement = (
            dialect_insert(table)
            .on_conflict_do_nothing(index_elements=["uuid"])
            .returning(table.c.id, table.c.uuid)
        )
        _insert_statements[dialect] = statement
    return statement


def insert_response_row(connection: Connection, row: dict) -> int | None:
    """Store a row from :func:`response_row` unless its UUID is stored already.

    One ``INSERT ... ON CONFLICT (uuid) DO NOTHING`` (SQLite and PostgreSQL): no
    SELECT first and no savepoint, so concurrent repeats of a UUID cannot race.
    Returns the new row's id, or None when the UUID is stored already
    (RETURNING gives no row on a conflict); the caller owns the transaction.
    """
    new = connection.execute(_idempotent_insert(connection.dialect.name), row).first()
    return None if new is None else new.id


def insert_response_rows(connection: Connection, rows: list[dict]) -> list[int | None]:
    """:func:`insert_response_row` for many rows in one statement; ids in the order of ``rows``.

    A UUID already stored, or repeated within ``rows``, gets None (only its
    first occurrence can be new).
    """
    if len(rows) == 1:
        return [insert_response_row(connection, rows[0])]
    created = {u: i for i, u in connection.execute(_idempotent_insert(connection.dialect.name), rows).all()}
    ids: list[int | None] = []
    for row in rows:
        ids.append(created.pop(row["uuid"], None))
    return ids


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


def _round_row_chunks(session: Session, round_id: int, columns: str) -> tuple[list[str], Iterator[list]]:
    """The round's numeric item codes and its response rows in id order, in chunks.

    Reads through the raw DB-API cursor: the ORM's per-row objects would cost
    more than the data itself at a million rows.
    """
    survey_round = session.get(SurveyRound, round_id)
    if survey_round is None:
        raise LookupError(f"no survey round with id {round_id}")
    items = list(survey_round.questionnaire_version.numeric_items)
    connection = session.connection()
    # "+round_id" keeps SQLite off the (round, unit) index: one scan in id order
    # beats an index walk plus a sort of a million rows.
    plus = "+" if connection.dialect.name == "sqlite" else ""
    sql = f"SELECT {columns} FROM responses WHERE {plus}round_id = {int(round_id)} ORDER BY id"

    def chunks() -> Iterator[list]:
        cursor = connection.connection.driver_connection.cursor()
        try:
            cursor.execute(sql)
            while rows := cursor.fetchmany(100_000):
                yield rows
        finally:
            cursor.close()

    return items, chunks()


def load_score_matrix(
    session: Session, round_id: int
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """All numeric answers of a round as arrays for analysis.

    Returns ``(unit_ids, scores, items)``: ``scores`` is an (n, k) float32 array
    with NaN for no answer, columns in the order of ``items``, rows in the
    order responses were stored.
    """
    items, chunks = _round_row_chunks(session, round_id, "unit_id, scores")
    unit_chunks: list[np.ndarray] = []
    blobs: list[bytes] = []
    for rows in chunks:
        units, scores = zip(*rows)
        unit_chunks.append(np.fromiter(units, dtype=np.int64, count=len(units)))
        blobs.append(b"".join(scores))
    if not unit_chunks:
        return np.empty(0, dtype=np.int64), np.empty((0, len(items)), dtype=np.float32), items
    scores_matrix = np.frombuffer(b"".join(blobs), dtype="<f4").reshape(-1, len(items))
    return np.concatenate(unit_chunks), scores_matrix, items


def load_response_arrays(
    session: Session, round_id: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Like :func:`load_score_matrix`, with each response's id and UUID (16 bytes).

    Returns ``(response_ids, uuids, unit_ids, scores, items)`` in id order from
    one query, so that weights and design variables can be matched by id and
    a release can fingerprint exactly the answers it used.
    """
    items, chunks = _round_row_chunks(session, round_id, "id, uuid, unit_id, scores")
    id_chunks: list[np.ndarray] = []
    uuid_chunks: list[bytes] = []
    unit_chunks: list[np.ndarray] = []
    blobs: list[bytes] = []
    for rows in chunks:
        ids, uuids, units, scores = zip(*rows)
        id_chunks.append(np.fromiter(ids, dtype=np.int64, count=len(ids)))
        if isinstance(uuids[0], str):  # SQLite keeps 32 hex digits
            uuid_chunks.append(bytes.fromhex("".join(uuids).replace("-", "")))
        else:
            uuid_chunks.append(b"".join(u.bytes for u in uuids))
        unit_chunks.append(np.fromiter(units, dtype=np.int64, count=len(units)))
        blobs.append(b"".join(scores))
    if not id_chunks:
        empty = np.empty(0, dtype=np.int64)
        return empty, np.empty(0, dtype="S16"), empty.copy(), np.empty((0, len(items)), dtype=np.float32), items
    scores_matrix = np.frombuffer(b"".join(blobs), dtype="<f4").reshape(-1, len(items))
    uuid_array = np.frombuffer(b"".join(uuid_chunks), dtype="S16")
    return np.concatenate(id_chunks), uuid_array, np.concatenate(unit_chunks), scores_matrix, items
