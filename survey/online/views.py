"""Public online survey pages (no JavaScript needed)."""

from __future__ import annotations

import uuid as uuid_module

from flask import abort, redirect, render_template, request, url_for
from flask_babel import get_locale

from survey.answer_forms import attach_errors, build_answer_form, collect_answers, response_uuid
from survey.extensions import db, limiter
from survey.models import Channel
from survey.online import bp
from survey.responses import SubmissionError, questionnaire_for, record_response
from survey.rounds import current_round
from survey.units import find_unit


@bp.route("/s/<unit_code>", methods=["GET", "POST"])
@limiter.limit("20/minute", methods=["POST"])
def unit_survey(unit_code: str):
    unit = find_unit(db.session, unit_code)
    if unit is None:
        abort(404)
    survey_round = current_round(db.session, unit, Channel.ONLINE)
    if survey_round is None:
        return render_template("online/closed.html", unit=unit), 404
    questionnaire = questionnaire_for(survey_round.questionnaire_version)
    lang = str(get_locale())
    form = build_answer_form(questionnaire, lang)()
    if request.method == "POST" and form.validate():
        if form.website.data:  # honeypot filled: a bot; say thanks, store nothing
            return redirect(url_for("online.thanks", unit_code=unit.code))
        answers = collect_answers(form, questionnaire)
        try:
            record_response(
                db.session,
                survey_round=survey_round,
                unit=unit,
                channel=Channel.ONLINE,
                answers=answers,
                response_uuid=response_uuid(form),
            )
            db.session.commit()
            return redirect(url_for("online.thanks", unit_code=unit.code))
        except SubmissionError as exc:
            db.session.rollback()
            attach_errors(form, exc.errors)
    if not form.response_uuid.data:
        form.response_uuid.data = str(uuid_module.uuid4())
    status = 400 if request.method == "POST" else 200
    return (
        render_template(
            "online/form.html",
            form=form,
            unit=unit,
            survey_round=survey_round,
            questionnaire=questionnaire,
            lang=lang,
        ),
        status,
    )


@bp.route("/s/<unit_code>/thanks")
def thanks(unit_code: str):
    unit = find_unit(db.session, unit_code)
    if unit is None:
        abort(404)
    return render_template("online/thanks.html", unit=unit)
