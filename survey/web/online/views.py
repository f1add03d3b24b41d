"""Public online survey pages (no JavaScript needed)."""

from __future__ import annotations

import uuid as uuid_module
from datetime import timedelta

from flask import abort, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from survey.domain.invitations import (
    InvitationAlreadyUsed,
    answerable,
    find_invitation,
    invitation_response,
    mark_used,
    release_invitation,
)
from survey.domain.responses import (
    SubmissionError,
    questionnaire_for,
    record_response,
    store_responses,
)
from survey.domain.rounds import current_round
from survey.domain.units import find_unit, former_unit
from survey.extensions import csrf, db, limiter
from survey.models import Channel
from survey.web.answer_forms import attach_errors, build_answer_form, collect_answers, response_uuid
from survey.web.online.blueprint import bp
from survey.web.online.paging import (
    GO_BACK,
    GO_NEXT,
    GO_SEND,
    PageState,
    first_page,
    minutes_needed,
    move,
    review_page,
)


# The answer forms are anonymous and carry no CSRF token (survey.web.answer_forms):
# there is no session whose authority a forged request could borrow. Without
# these exemptions the app-wide CSRFProtect refuses every answer outside tests.
# Ballot stuffing is met by the per-address rate limits, the honeypot, one-use
# response UUIDs and, for /i/, the one-use token.
@bp.route("/s/<unit_code>", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit("20/minute", methods=["POST"])
def unit_survey(unit_code: str):
    unit = find_unit(db.session, unit_code)
    if unit is None:
        return _former_unit_page(unit_code)
    survey_round = current_round(db.session, unit, Channel.ONLINE)
    if survey_round is None:
        return render_template("online/closed.html", unit=unit), 404
    questionnaire = questionnaire_for(survey_round.questionnaire_version)
    lang = str(get_locale())
    form = build_answer_form(questionnaire, lang)()
    page = first_page(questionnaire)
    if request.method == "POST":
        page, sending = _page_after_post(form, questionnaire)
        if sending and form.website.data:  # honeypot filled: a bot; say thanks, store nothing
            return redirect(url_for("online.thanks", unit_code=unit.code))
        if sending:
            try:
                record_response(
                    db.session,
                    survey_round=survey_round,
                    unit=unit,
                    channel=Channel.ONLINE,
                    answers=collect_answers(form, questionnaire),
                    response_uuid=response_uuid(form),
                )
                db.session.commit()
                return redirect(url_for("online.thanks", unit_code=unit.code))
            except SubmissionError as exc:
                db.session.rollback()
                attach_errors(form, exc.errors)
    if not form.response_uuid.data:
        form.response_uuid.data = str(uuid_module.uuid4())
    return _form_page(form, unit, survey_round, questionnaire, lang, page)


def _page_after_post(form, questionnaire) -> tuple[PageState, bool]:
    """The page a POST leads to, and whether it is the final send (nothing is stored before it).

    "Next" and "back" move between sections with every answer carried in the form;
    a send that the questionnaire refuses shows every section with its errors.
    """
    go, step = request.form.get("go", GO_SEND), request.form.get("step")
    readable = form.validate()  # WTForms: a number that is not a number, an unknown option
    answers = collect_answers(form, questionnaire)
    if go in (GO_NEXT, GO_BACK):
        page, errors = move(questionnaire, answers, step, go)
        if not readable and go == GO_NEXT and step in page.steps:  # stay where the unreadable answer is
            page = PageState(step, page.steps)
        attach_errors(form, errors)
        return page, False
    return review_page(questionnaire, answers), readable


@bp.route("/s/<unit_code>/thanks")
def thanks(unit_code: str):
    unit = find_unit(db.session, unit_code)
    if unit is None:
        return _former_unit_page(unit_code)
    return render_template("online/thanks.html", unit=unit)


def _former_unit_page(unit_code: str):
    """An old code (a poster or link from before a merge) names today's unit(s) instead of a 404."""
    found = former_unit(db.session, unit_code)
    if found is None:
        abort(404)
    unit, successors = found
    return render_template("online/former_unit.html", unit=unit, successors=successors, one_day=timedelta(days=1))


# --- personal invitations -------------------------------------------------------


def _invitation_unavailable(unit, title: str, message: str, status: int):
    return _private(
        render_template("online/invitation_unavailable.html", unit=unit, title=title, message=message),
        status,
    )


def _private(body, status: int = 200):
    """No caching and no Referer: the page's address carries a personal token."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/i/<token>", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit("20/minute", methods=["POST"])
@limiter.limit("60/minute", methods=["GET"])
def invitation(token: str):
    """A personal invitation: the round's online form, answered once.

    The answer is stored without any link to the token (see survey.domain.invitations).
    """
    invitation = find_invitation(db.session, token)
    if invitation is None:
        return _invitation_unavailable(
            None,
            _("Không tìm thấy thư mời"),
            _("Đường dẫn này không đúng. Vui lòng kiểm tra lại đường dẫn hoặc quét lại mã QR trên thư mời."),
            404,
        )
    unit = invitation.unit
    if invitation.used:
        return _already_used(unit)
    if not answerable(invitation):
        return _invitation_unavailable(
            unit,
            _("Đợt khảo sát không mở"),
            _("Đợt khảo sát “%(round)s” hiện không nhận phiếu trả lời.", round=invitation.round.name),
            404,
        )
    survey_round = invitation.round
    questionnaire = questionnaire_for(survey_round.questionnaire_version)
    lang = str(get_locale())
    form = build_answer_form(questionnaire, lang)()
    page = first_page(questionnaire)
    if request.method == "POST":
        page, sending = _page_after_post(form, questionnaire)
        if sending and form.website.data:  # honeypot filled: a bot; say thanks, store nothing, keep the invitation
            return redirect(url_for("online.thanks", unit_code=unit.code))
        if sending:
            try:
                _answer_invitation(invitation.id, invitation_response(invitation, collect_answers(form, questionnaire)))
                return redirect(url_for("online.thanks", unit_code=unit.code))
            except SubmissionError as exc:
                attach_errors(form, exc.errors)
            except InvitationAlreadyUsed:
                db.session.rollback()  # a concurrent request used it a moment ago
                return _already_used(unit)
    # The form's UUID is not used for invitation answers (the token makes them
    # idempotent); the template expects the field, so it gets a fresh value.
    form.response_uuid.data = str(uuid_module.uuid4())
    return _private(*_form_page(form, unit, survey_round, questionnaire, lang, page))


def _answer_invitation(invitation_id: int, row) -> None:
    """Claim the invitation and store its response in two transactions (survey.domain.invitations).

    The claim is committed first, so a token is never used twice; if the response
    cannot be stored the claim is given back and the error goes on to the error page.
    """
    mark_used(db.session, invitation_id)
    db.session.commit()
    try:
        store_responses(db.session, [row])
        db.session.commit()
    except BaseException:
        db.session.rollback()
        release_invitation(db.session, invitation_id)
        db.session.commit()
        raise


def _already_used(unit):
    return _invitation_unavailable(
        unit,
        _("Thư mời đã được sử dụng"),
        _(
            "Thư mời này đã được dùng để trả lời phiếu khảo sát. Mỗi thư mời chỉ dùng được một lần. "
            "Cảm ơn Ông/Bà đã tham gia!"
        ),
        410,
    )


def _form_page(form, unit, survey_round, questionnaire, lang: str, page: PageState) -> tuple[str, int]:
    """The questionnaire page at ``page``; 400 when a POST was refused (errors on the page)."""
    errors = [item for item in questionnaire.items if form[item.code].errors]
    body = render_template(
        "online/form.html", form=form, unit=unit, survey_round=survey_round, questionnaire=questionnaire,
        lang=lang, page=page, errors=errors, minutes=minutes_needed(questionnaire),
    )
    return body, 400 if errors else 200
