"""Counter tablet pages: the counter questionnaire, then a thank-you screen."""

from __future__ import annotations

import uuid as uuid_module

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale

from survey.answer_forms import attach_errors, build_answer_form, collect_answers, response_uuid
from survey.devices import device_for_token
from survey.extensions import db
from survey.kiosk import bp
from survey.models import Channel
from survey.responses import SubmissionError, questionnaire_for, record_response
from survey.rounds import current_round


def _device_or_404(token: str):
    device = device_for_token(db.session, token)
    if device is None:
        abort(404)
    return device


@bp.route("/<token>", methods=["GET", "POST"])
def kiosk(token: str):
    device = _device_or_404(token)
    survey_round = current_round(db.session, device.unit, Channel.COUNTER)
    if survey_round is None:
        db.session.commit()
        return render_template("kiosk/closed.html", device=device), 404
    questionnaire = questionnaire_for(survey_round.questionnaire_version)
    lang = str(get_locale())
    form = build_answer_form(questionnaire, lang)()
    if request.method == "POST" and form.validate():
        answers = collect_answers(form, questionnaire)
        try:
            record_response(
                db.session,
                survey_round=survey_round,
                unit=device.unit,
                channel=Channel.COUNTER,
                answers=answers,
                response_uuid=response_uuid(form),
                device=device,
            )
            db.session.commit()
            return redirect(url_for("kiosk.thanks", token=token))
        except SubmissionError as exc:
            db.session.rollback()
            attach_errors(form, exc.errors)
    else:
        db.session.commit()  # last contact of the device
    form.response_uuid.data = form.response_uuid.data or str(uuid_module.uuid4())
    return (
        render_template(
            "kiosk/kiosk.html",
            form=form,
            device=device,
            questionnaire=questionnaire,
            lang=lang,
            idle_seconds=current_app.config["KIOSK_IDLE_SECONDS"],
        ),
        400 if request.method == "POST" else 200,
    )


@bp.route("/<token>/thanks")
def thanks(token: str):
    device = _device_or_404(token)
    db.session.commit()
    return render_template("kiosk/thanks.html", device=device, token=token)
