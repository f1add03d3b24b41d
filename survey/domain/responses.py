"""Storing responses: validation against the questionnaire version, idempotency, packing.

The one write path of every channel: :func:`prepare_response` builds the row
(validated answers, packed scores, clamped times; online answers keep only
their day, see :func:`coarse_timestamp`) and :class:`ResponseInsert`
is the one statement that stores one or many rows, run by
:func:`store_responses` on a Session or Connection and by the API's group
commit on a DB-API cursor.
"""

from __future__ import annotations

import struct
import uuid as uuid_module
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypedDict

import numpy as np
from sqlalchemy import Connection, Dialect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from survey.domain.questionnaires import QuestionnaireDefinition
from survey.i18n import LOCAL_TZ
from survey.models import Channel, Device, QuestionnaireVersion, Response, SurveyRound, Unit, utcnow


class SubmissionError(ValueError):
    """A submission was refused; ``errors`` maps field (item code) to message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


_questionnaires: dict[str, QuestionnaireDefinition] = {}


def questionnaire_for(version: QuestionnaireVersion) -> QuestionnaireDefinition:
    """The questionnaire of a stored (immutable) version, cached by content hash."""
    questionnaire = _questionnaires.get(version.content_hash)
    if questionnaire is None:
        questionnaire = QuestionnaireDefinition.from_definition(version.definition)
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


def coarse_timestamp(day: date) -> datetime:
    """The only time stored for an online answer: noon, Vietnam time, of its day (in UTC).

    Every online answer (``/s/``, ``/i/``, the API's online channel) gets it, so
    an invitation answer cannot be told apart from, or ordered among, the other
    online answers of its day. Noon keeps the day the same whether a reader takes
    the value as UTC or as local time; UTC because SQLite drops the offset.
    """
    return datetime.combine(day, time(12), LOCAL_TZ).astimezone(UTC)


def _stored_times(channel: Channel, submitted_at: datetime | None, now: datetime) -> tuple[datetime, datetime]:
    """``(submitted_at, received_at)`` as stored: online answers keep only their local day."""
    if channel == Channel.ONLINE:
        day_time = coarse_timestamp(now.astimezone(LOCAL_TZ).date())
        return day_time, day_time
    return _clamp_submitted_at(submitted_at, now), now


class ResponseRow(TypedDict):
    """The stored columns of one response, as :func:`prepare_response` builds them."""

    uuid: uuid_module.UUID
    round_id: int
    questionnaire_version_id: int
    unit_id: int
    channel: Channel
    device_id: int | None
    submitted_at: datetime
    received_at: datetime
    answers: dict
    scores: bytes


# The columns of a ResponseRow, in the order of the INSERT.
RESPONSE_COLUMNS = tuple(ResponseRow.__annotations__)


def answer_problems(questionnaire: QuestionnaireDefinition, answers: dict, channel: Channel) -> dict[str, str]:
    """The questionnaire's verdict on a channel's answers (empty: valid).

    On paper (paper import, and the API's paper channel) a blank answer is item
    nonresponse unless the item is ``required_on_paper``, and a form with no
    answer at all is refused; the other channels keep ``required``.
    """
    return questionnaire.validate_answers(answers, on_paper=channel == Channel.PAPER)


def prepare_response(
    *,
    questionnaire: QuestionnaireDefinition,
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
    answers_checked: bool = False,
) -> ResponseRow:
    """The row of a validated response, by ids; raises :class:`SubmissionError`.

    Every channel builds its row here (the API, the kiosk and online forms,
    paper import, invitations). ``answers_checked``: the caller has validated
    the answers against ``questionnaire`` already (paper import reports each
    problem with its cell).
    """
    if not answers_checked:
        errors = answer_problems(questionnaire, answers, channel)
        if errors:
            raise SubmissionError(errors)
    submitted_at, received_at = _stored_times(channel, submitted_at, now or utcnow())
    return {
        "uuid": response_uuid,
        "round_id": round_id,
        "questionnaire_version_id": version_id,
        "unit_id": unit_id,
        "channel": channel,
        "device_id": device_id,
        "submitted_at": submitted_at,
        "received_at": received_at,
        "answers": answers,
        "scores": pack_scores(list(numeric_items), answers),
    }


def prepare_round_response(
    *,
    survey_round: SurveyRound,
    unit: Unit,
    channel: Channel,
    answers: dict,
    response_uuid: uuid_module.UUID,
    device: Device | None = None,
    submitted_at: datetime | None = None,
    now: datetime | None = None,
) -> ResponseRow:
    """:func:`prepare_response` from ORM objects (the round's questionnaire version)."""
    version = survey_round.questionnaire_version
    return prepare_response(
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
        now=now,
    )


def build_response(**fields) -> Response:
    """A validated, not yet stored response object (demo data); takes :func:`prepare_round_response`'s arguments."""
    return Response(**prepare_round_response(**fields))


class ResponseInsert:
    """The one statement that stores responses: ``INSERT ... ON CONFLICT (uuid) DO NOTHING RETURNING id, uuid``.

    SQL text with DB-API parameters converted by the columns' own SQLAlchemy
    types, so that it runs on a DB-API cursor as it is (the group commit of
    :mod:`survey.serving.group_commit`, where the engine's per-statement
    machinery would cost more CPU than the INSERT) or through
    :meth:`sqlalchemy.engine.Connection.exec_driver_sql` (:func:`store_responses`).
    No SELECT first and no savepoint, so concurrent repeats of a UUID cannot race.
    """

    def __init__(self, dialect: Dialect):
        if dialect.name not in ("sqlite", "postgresql"):  # pragma: no cover - SIPAS supports these two
            raise NotImplementedError(f"no idempotent insert for {dialect.name}")
        self.mark = "?" if dialect.paramstyle == "qmark" else "%s"
        columns = Response.__table__.c
        self.processors = [bind_processor(columns[name].type, dialect) for name in RESPONSE_COLUMNS]
        self._sql: dict[int, str] = {}

    def sql(self, count: int) -> str:
        """The statement for ``count`` rows (cached by count)."""
        sql = self._sql.get(count)
        if sql is None:
            row = "(" + ", ".join([self.mark] * len(RESPONSE_COLUMNS)) + ")"
            sql = self._sql[count] = (
                f"INSERT INTO responses ({', '.join(RESPONSE_COLUMNS)}) VALUES {', '.join([row] * count)} "
                "ON CONFLICT (uuid) DO NOTHING RETURNING id, uuid"
            )
        return sql

    def parameters(self, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
        """The rows' values in statement order, converted for the driver."""
        processors = self.processors
        values: list[Any] = []
        for row in rows:
            values.extend(process(row[name]) for process, name in zip(processors, RESPONSE_COLUMNS))
        return values

    @staticmethod
    def new_ids(rows: Sequence[Mapping[str, Any]], returned: Iterable[tuple[int, Any]]) -> list[int | None]:
        """The new id of each row, in order; None for a UUID stored already or repeated within ``rows``."""
        created = {}
        for new_id, stored_uuid in returned:
            key = stored_uuid if isinstance(stored_uuid, uuid_module.UUID) else uuid_module.UUID(stored_uuid)
            created[key] = new_id
        return [created.pop(row["uuid"], None) for row in rows]  # a repeated UUID: only its first is new


def bind_processor(column_type, dialect: Dialect) -> Callable[[Any], Any]:
    """The conversion of a value for the driver by a column type (identity when it has none)."""
    process = column_type.dialect_impl(dialect).bind_processor(dialect)
    return process if process is not None else (lambda value: value)


_response_inserts: dict[tuple[str, str], ResponseInsert] = {}


def response_insert(dialect: Dialect) -> ResponseInsert:
    """The :class:`ResponseInsert` of a dialect (made once)."""
    key = (dialect.name, dialect.driver)
    statement = _response_inserts.get(key)
    if statement is None:
        statement = _response_inserts[key] = ResponseInsert(dialect)
    return statement


# Rows per INSERT when storing many (paper import): 10 values each, well under
# SQLite's limit of 32,766 parameters.
STORE_CHUNK = 500


def store_responses(target: Session | Connection, rows: Sequence[ResponseRow]) -> list[int | None]:
    """Store rows from :func:`prepare_response` unless their UUID is stored already.

    Returns each row's new id, in order, or None when its UUID was stored
    already (or repeated within ``rows``). The caller owns the transaction.
    """
    connection = target if isinstance(target, Connection) else target.connection()
    statement = response_insert(connection.dialect)
    ids: list[int | None] = []
    for start in range(0, len(rows), STORE_CHUNK):
        chunk = rows[start:start + STORE_CHUNK]
        returned = connection.exec_driver_sql(statement.sql(len(chunk)), tuple(statement.parameters(chunk))).all()
        ids.extend(statement.new_ids(chunk, returned))
    return ids


def record_response(session: Session, *, response_uuid: uuid_module.UUID, **fields) -> tuple[Response, bool]:
    """Validate and store a response once; a repeated UUID returns the stored one.

    Takes the keyword arguments of :func:`prepare_round_response`. Returns
    ``(response, created)``; raises :class:`SubmissionError` when the answers
    do not fit the round's questionnaire version.
    """
    existing = session.scalar(select(Response).where(Response.uuid == response_uuid))
    if existing is not None:
        return existing, False
    row = prepare_round_response(response_uuid=response_uuid, **fields)
    [new_id] = store_responses(session, [row])
    if new_id is None:  # stored meanwhile by a concurrent request
        return session.scalars(select(Response).where(Response.uuid == response_uuid)).one(), False
    return stored_response(session, new_id, row), True


def stored_response(session: Session, response_id: int, row: ResponseRow) -> Response:
    """The object of a row just stored, holding the values written (SQLite reads times back without zone)."""
    response = session.get_one(Response, response_id)
    for name in RESPONSE_COLUMNS:
        set_committed_value(response, name, row[name])
    return response


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
