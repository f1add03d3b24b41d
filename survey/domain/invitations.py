"""Personal one-use invitations: issuing tokens, answering once, response rates.

Privacy: an invitation records only *that* it was used, not when; nothing
stored joins it to the response it led to:

- no foreign key either way, and the response UUID is made here on the server
  (never the one shown in the page, which the browser saw next to the token);
- two transactions, never one: the web view first claims the invitation
  (:func:`mark_used`) and commits, then stores the response and commits; if
  storing fails it releases the claim (:func:`release_invitation`). So no
  PostgreSQL transaction id (``xmin``) is shared by the two rows. A crash
  between the two commits leaves the invitation used without an answer: the
  answer was never acknowledged, and an invitation is never used twice;
- each claim rewrites every used invitation of the round and unit, so they all
  carry the transaction id (and fresh row positions, ``ctid``) of the latest
  claim: the order in which invitations were used is not stored anywhere, not
  even in row versions, and cannot be lined up with the order of responses;
- the response is an ordinary online answer: its ``submitted_at`` and
  ``received_at`` are noon of its day like those of every online answer
  (``/s/`` too, :func:`survey.domain.responses.coarse_timestamp`); the
  invitation keeps no day of use to line up with it.

What this does not cover: response ids
are sequential for every channel, so an online answer sits between kiosk
answers with exact times and its clock time can be guessed to within those
neighbours; that holds for ``/s/`` and ``/i/`` answers alike and joins no
invitation, whose time of use is not stored.
Someone watching the database live, reading dead row versions from disk
before vacuum, or a web server or proxy access log of ``/i/<token>``
requests can still link a token to a moment; SIPAS keeps no access log
(``sipas serve``), and a proxy in front of it should not log either.
"""

from __future__ import annotations

import csv
import io
import os
import secrets
import tempfile
import uuid as uuid_module
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from survey.domain.responses import ResponseRow, coarse_timestamp, prepare_round_response
from survey.domain.spreadsheet_cells import csv_cell
from survey.i18n import LOCAL_TZ, format_local_date
from survey.models import Channel, Invitation, RoundStatus, SurveyRound, Unit, hash_token

TOKEN_BYTES = 16  # 128 bits: 22 URL-safe characters
MAX_BATCH = 10_000


def N_(message: str) -> str:
    """Mark a message for translation where it is shown (the CLI or a page), not here."""
    return message


class InvitationError(ValueError):
    """Invitations cannot be issued as asked.

    ``message`` is the Vietnamese source text with ``%(name)s`` placeholders
    filled from ``params``; callers translate it for their user.
    """

    def __init__(self, message: str, **params: Any):
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


class InvitationAlreadyUsed(RuntimeError):
    """The invitation was used before, possibly a moment ago by a concurrent request."""


def local_today() -> date:
    return datetime.now(LOCAL_TZ).date()


def invitation_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/i/{token}"


def _covers(survey_round: SurveyRound, unit: Unit) -> bool:
    if not survey_round.units:
        return True
    in_scope = {u.id for u in survey_round.units}
    seen: set[int] = set()
    current: Unit | None = unit
    while current is not None and current.id not in seen:
        if current.id in in_scope:
            return True
        seen.add(current.id)
        current = current.parent
    return False


def check_can_invite(survey_round: SurveyRound, unit: Unit, count: int, today: date) -> None:
    """Raise :class:`InvitationError` unless invitations for this round and unit make sense."""
    if not 1 <= count <= MAX_BATCH:
        raise InvitationError(N_("Số thư mời phải từ 1 đến %(max)d."), max=MAX_BATCH)
    if Channel.ONLINE.value not in (survey_round.channels or []):
        raise InvitationError(
            N_("Đợt %(round)s không nhận phiếu trực tuyến (kênh: %(channels)s)."),
            round=survey_round.code,
            channels=", ".join(survey_round.channels or []) or "–",
        )
    if survey_round.status == RoundStatus.CLOSED or survey_round.ends_on < today:
        raise InvitationError(
            N_("Đợt %(round)s đã kết thúc (%(day)s)."),
            round=survey_round.code,
            day=format_local_date(survey_round.ends_on),
        )
    if not _covers(survey_round, unit):
        raise InvitationError(
            N_("Đơn vị %(unit)s không thuộc phạm vi đợt %(round)s."),
            unit=f"{unit.code} ({unit.name})",
            round=survey_round.code,
        )


def issue_invitations(session: Session, survey_round: SurveyRound, unit: Unit, count: int) -> list[str]:
    """Create ``count`` invitations; returns their secret tokens (only hashes are stored). Flushes only."""
    check_can_invite(survey_round, unit, count, local_today())
    tokens = [secrets.token_urlsafe(TOKEN_BYTES) for _ in range(count)]
    session.add_all(
        Invitation(round_id=survey_round.id, unit_id=unit.id, token_hash=hash_token(token)) for token in tokens
    )
    session.flush()
    return tokens


def find_invitation(session: Session, token: str) -> Invitation | None:
    if not token or len(token) > 128:
        return None
    return session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token)))


def answerable(invitation: Invitation, today: date | None = None) -> bool:
    """Whether the invitation's round takes online answers today."""
    return invitation.round.accepts(Channel.ONLINE, today or date.today())


def mark_used(session: Session, invitation_id: int) -> None:
    """Claim an invitation, only if nobody did before: a conditional UPDATE, not read-then-write.

    Two concurrent requests with one token both reach this line; the database
    lets only one UPDATE match ``used = false`` and the other sees no row. The
    other used invitations of the round and unit are written again with it, so
    that none keeps the moment (transaction) of its own use. Commit this before
    storing the response (see the module docstring).
    """
    claimed = session.execute(
        update(Invitation)
        .where(Invitation.id == invitation_id, Invitation.used.is_(False))
        .values(used=True)
        .returning(Invitation.round_id, Invitation.unit_id)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if claimed is None:
        raise InvitationAlreadyUsed(invitation_id)
    round_id, unit_id = claimed
    session.execute(
        update(Invitation)
        .where(Invitation.round_id == round_id, Invitation.unit_id == unit_id, Invitation.used.is_(True))
        .values(used=Invitation.used)
        .execution_options(synchronize_session=False)
    )
    session.expire_all()


def release_invitation(session: Session, invitation_id: int) -> None:
    """Give a claimed invitation back: its response could not be stored."""
    session.execute(
        update(Invitation)
        .where(Invitation.id == invitation_id)
        .values(used=False)
        .execution_options(synchronize_session=False)
    )
    session.expire_all()


def invitation_response(invitation: Invitation, answers: dict[str, Any], day: date | None = None) -> ResponseRow:
    """The response row of an invitation's answers, not yet stored: an ordinary online answer.

    Raises :class:`survey.domain.responses.SubmissionError` on invalid answers.
    The UUID is made here, never taken from the page the token was shown on.
    """
    day = day or local_today()
    return prepare_round_response(
        survey_round=invitation.round,
        unit=invitation.unit,
        channel=Channel.ONLINE,
        answers=answers,
        response_uuid=uuid_module.uuid4(),
        now=coarse_timestamp(day),
    )


# --- response rates -------------------------------------------------------------


@dataclass(frozen=True)
class UnitRate:
    unit: Unit
    sent: int
    used: int

    @property
    def rate(self) -> float | None:
        """Response rate in percent (0–100)."""
        return 100.0 * self.used / self.sent if self.sent else None


def response_rates(session: Session, round_id: int, unit_ids: set[int] | None = None) -> list[UnitRate]:
    """Invitations sent and used per unit of a round, within ``unit_ids`` (None: all)."""
    used = func.sum(case((Invitation.used.is_(True), 1), else_=0))
    query = (
        select(Unit, func.count(Invitation.id), used)
        .join(Invitation, Invitation.unit_id == Unit.id)
        .where(Invitation.round_id == round_id)
        .group_by(Unit.id)
        .order_by(Unit.code)
    )
    if unit_ids is not None:
        query = query.where(Unit.id.in_(unit_ids))
    return [UnitRate(unit, int(sent), int(n_used or 0)) for unit, sent, n_used in session.execute(query).all()]


def rounds_with_invitations(session: Session, unit_ids: set[int] | None = None) -> list[tuple[SurveyRound, int, int]]:
    """Rounds that have invitations (in scope), with totals sent and used."""
    used = func.sum(case((Invitation.used.is_(True), 1), else_=0))
    query = (
        select(SurveyRound, func.count(Invitation.id), used)
        .join(Invitation, Invitation.round_id == SurveyRound.id)
        .group_by(SurveyRound.id)
        .order_by(SurveyRound.starts_on.desc(), SurveyRound.id)
    )
    if unit_ids is not None:
        query = query.where(Invitation.unit_id.in_(unit_ids))
    return [(r, int(sent), int(n_used or 0)) for r, sent, n_used in session.execute(query).all()]


# --- files for the mail merge ---------------------------------------------------


def mail_merge_csv(urls: list[str]) -> bytes:
    """CSV (UTF-8 with BOM, for Excel) with columns ``number`` and ``url``, one row per letter."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["number", "url"])
    writer.writerows((i, csv_cell(url)) for i, url in enumerate(urls, start=1))
    return buffer.getvalue().encode("utf-8-sig")


@contextmanager
def staged_file(target: Path) -> Iterator[tuple[io.BufferedWriter, Path]]:
    """A temporary file beside ``target``, removed on error; the caller renames it when all is done."""
    target = Path(target)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    staged = Path(name)
    try:
        with os.fdopen(handle, "wb") as fh:
            yield fh, staged
    except BaseException:
        staged.unlink(missing_ok=True)
        raise


def write_letters(out: io.BufferedWriter, unit: Unit, survey_round: SurveyRound, urls: list[str]) -> int:
    """The letter sheet: one A4 page per invitation, numbered as in the CSV."""
    from survey.domain.posters import A4, render_letter, write_pdf

    pages = (render_letter(unit.name, survey_round.name, url, number) for number, url in enumerate(urls, 1))
    return write_pdf(pages, out, A4.dpi)
