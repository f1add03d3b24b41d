"""An attacker with a copy of the database tries to join invitations to the answers they led to.

The joins tried: the transaction that wrote both rows (PostgreSQL ``xmin``),
equal or near times, the order of use against the order of response ids,
and telling invitation answers apart from the other online answers. None
may link. Residual risks are stated in survey.domain.invitations.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date

import pytest
from sqlalchemy import func, select, text

from survey.domain.invitations import find_invitation, issue_invitations, local_today
from survey.domain.responses import coarse_timestamp, questionnaire_for
from survey.domain.units import find_unit
from survey.i18n import LOCAL_TZ
from survey.models import Channel, Invitation, Response, SurveyRound

UNIT = "00004"


def _round(db_session) -> SurveyRound:
    return db_session.scalar(select(SurveyRound).where(SurveyRound.code == f"sipas-{date.today().year}"))


def _answers(db_session, satisfaction: int = 4) -> dict:
    questionnaire = questionnaire_for(_round(db_session).questionnaire_version)
    return {
        item.code: str(satisfaction if item.type == "satisfaction" else item.option_codes[-1])
        for item in questionnaire.items
        if item.type in ("satisfaction", "scale4", "yesno", "single")
    }


def _issue(db_session, count: int) -> list[str]:
    tokens = issue_invitations(db_session, _round(db_session), find_unit(db_session, UNIT), count)
    db_session.commit()
    return tokens


def _answer_public(client, db_session, satisfaction: int = 3) -> None:
    data = _answers(db_session, satisfaction) | {"response_uuid": str(uuid.uuid4())}
    assert client.post(f"/s/{UNIT}", data=data).status_code == 302


def _answer_invitation(client, db_session, token: str, satisfaction: int = 5) -> None:
    assert client.post(f"/i/{token}", data=_answers(db_session, satisfaction)).status_code == 302


def _interleaved_answers(client, db_session) -> tuple[list[str], list[int], int]:
    """Three invitations used in the order 3, 1, 2 between answers to the public link.

    Returns the tokens (in issue order), the used order (indexes) and the last
    response id before the answers.
    """
    tokens = _issue(db_session, 3)
    since = db_session.scalar(select(func.coalesce(func.max(Response.id), 0)))
    used_order = [2, 0, 1]
    _answer_public(client, db_session)
    for index in used_order:
        _answer_invitation(client, db_session, tokens[index])
        _answer_public(client, db_session)
    db_session.expire_all()
    return tokens, used_order, since


def _new_online(db_session, since: int) -> list[Response]:
    return db_session.scalars(
        select(Response).where(Response.id > since, Response.channel == Channel.ONLINE).order_by(Response.id)
    ).all()


def test_invitation_answers_look_like_every_other_online_answer(client, db_session, demo):
    tokens, _, since = _interleaved_answers(client, db_session)
    responses = _new_online(db_session, since)
    assert len(responses) == 7  # 4 public, 3 invitation answers
    noon = coarse_timestamp(local_today())  # the day in Hà Nội, not the machine's (UTC) day
    stored = {
        (r.round_id, r.unit_id, r.channel, r.device_id, r.questionnaire_version_id,
         *(t if t.tzinfo else t.replace(tzinfo=UTC) for t in (r.submitted_at, r.received_at)))
        for r in responses
    }
    # Only the answers differ: same round, unit, channel, no device, and the one time of the day for all.
    assert len(stored) == 1
    assert next(iter(stored))[-2:] == (noon, noon)
    assert all(find_invitation(db_session, token).used for token in tokens)


def test_no_time_stored_on_either_side_matches_or_orders_the_uses(client, db_session, demo):
    unused = _issue(db_session, 2)
    issued = {i.id: i.created_at for i in db_session.scalars(select(Invitation))}
    _tokens, _used_order, since = _interleaved_answers(client, db_session)
    invitations = db_session.scalars(select(Invitation).order_by(Invitation.id)).all()
    # Invitations used in the order 3, 1, 2: nothing stored on them differs but what was set at issue.
    used = [i for i in invitations if i.used]
    assert len(used) == 3 and len({(i.round_id, i.unit_id, i.used) for i in used}) == 1
    assert {i.id: i.created_at for i in invitations if i.id in issued} == issued
    assert not any(find_invitation(db_session, token).used for token in unused)
    # No response time equals an invitation time other than the shared day, and all response times are equal.
    times = {t.replace(tzinfo=None) for r in _new_online(db_session, since) for t in (r.submitted_at, r.received_at)}
    assert len(times) == 1
    assert not times & {i.created_at.replace(tzinfo=None) for i in invitations}


def test_id_adjacency_cannot_tell_invitation_answers_from_public_ones(client, db_session, demo):
    _tokens, _used_order, since = _interleaved_answers(client, db_session)
    responses = _new_online(db_session, since)
    # The invitation answers (satisfaction 5 here, for the test only) sit at ids 2, 4, 6;
    # an attacker who does not know the answers sees seven rows that differ by nothing else.
    questionnaire = questionnaire_for(_round(db_session).questionnaire_version)
    first_rating = next(item.code for item in questionnaire.items if item.type == "satisfaction")
    by_answers = [str(r.answers[first_rating]) == "5" for r in responses]
    assert by_answers == [False, True, False, True, False, True, False]
    visible = [(r.channel, r.device_id, r.submitted_at, r.received_at) for r in responses]
    assert len(set(visible)) == 1


def test_a_failed_store_gives_the_invitation_back_and_keeps_nothing(client, db_session, demo, monkeypatch):
    from survey.web.online import views

    token = _issue(db_session, 1)[0]
    before = db_session.scalar(select(func.count()).select_from(Response))

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(views, "store_responses", broken)
    client.application.config["PROPAGATE_EXCEPTIONS"] = False
    page = client.post(f"/i/{token}", data=_answers(db_session))
    assert page.status_code == 500
    db_session.expire_all()
    assert find_invitation(db_session, token).used is False
    assert db_session.scalar(select(func.count()).select_from(Response)) == before
    monkeypatch.undo()
    _answer_invitation(client, db_session, token)
    db_session.expire_all()
    assert find_invitation(db_session, token).used is True


def test_only_online_answers_lose_their_clock_time(db_session, demo):
    """Counter answers keep their exact time: the counters' hour-by-weekday heat maps need it."""
    from survey.domain.responses import prepare_round_response
    from survey.models import utcnow

    survey_round = _round(db_session)
    questionnaire = questionnaire_for(survey_round.questionnaire_version)
    answers = questionnaire.relevant_answers(
        {item.code: (4 if item.type == "satisfaction" else item.option_codes[-1])
         for item in questionnaire.items if item.type in ("satisfaction", "scale4", "yesno", "single")}
    )
    moment = utcnow().replace(microsecond=0)
    rows = {
        channel: prepare_round_response(survey_round=survey_round, unit=find_unit(db_session, UNIT), channel=channel,
                                        answers=answers, response_uuid=uuid.uuid4(), submitted_at=moment, now=moment)
        for channel in (Channel.COUNTER, Channel.ONLINE)
    }
    assert (rows[Channel.COUNTER]["submitted_at"], rows[Channel.COUNTER]["received_at"]) == (moment, moment)
    noon = coarse_timestamp(moment.astimezone(LOCAL_TZ).date())
    assert (rows[Channel.ONLINE]["submitted_at"], rows[Channel.ONLINE]["received_at"]) == (noon, noon)


# --- PostgreSQL: the physical row versions -------------------------------------------------


def _xmins(db_session, table: str, where: str = "true") -> list[int]:
    return [int(x) for x in db_session.execute(text(f"SELECT xmin::text FROM {table} WHERE {where} ORDER BY id"))
            .scalars()]


def test_no_transaction_wrote_both_an_invitation_and_a_response(app, client, db_session, demo):
    if db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("xmin is PostgreSQL's (SQLite keeps no transaction ids in rows)")
    _tokens, _used_order, since = _interleaved_answers(client, db_session)
    invitation_xmins = _xmins(db_session, "invitations", "used")
    response_xmins = _xmins(db_session, "responses", f"id > {since}")
    assert len(response_xmins) == 7
    # The attacker's join: an invitation and a response written by one transaction.
    assert not set(invitation_xmins) & set(response_xmins)
    # The attacker's ordering: each invitation's transaction next to the response written after it.
    # Every used invitation carries the same (latest) transaction id, so uses cannot be ordered.
    assert len(set(invitation_xmins)) == 1
    db_session.rollback()
