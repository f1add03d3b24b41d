"""Counter tablet pages: the kiosk app (offline-first), its configuration and service worker.

Without JavaScript the same page is a plain form posted back here, then a
thank-you page that returns to the start.
"""

from __future__ import annotations

import uuid as uuid_module

from flask import abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale

from survey.domain.devices import device_for_token
from survey.domain.responses import SubmissionError, questionnaire_for, record_response
from survey.domain.rounds import current_round
from survey.extensions import csrf, db
from survey.models import Channel, utcnow
from survey.web.answer_forms import attach_errors, build_answer_form, collect_answers, response_uuid
from survey.web.api.operations import guard_device_write
from survey.web.errors import ApiError, error_page
from survey.web.kiosk.blueprint import bp
from survey.web.kiosk.client import asset_url, kiosk_config, service_worker_source


def _device_or_404(token: str):
    device = device_for_token(db.session, token)  # also records the device's last contact
    if device is None:
        abort(404)
    return device


@bp.context_processor
def _kiosk_context() -> dict:
    return {"asset_url": asset_url}


def _no_store(response):
    # Nothing of one respondent may come back from a cache for the next one.
    response.headers["Cache-Control"] = "no-store"
    return response


# The plain (no-JavaScript) form is anonymous and carries no CSRF token: the
# device token in the address is the tablet's only credential, and a response
# UUID is stored once. It passes the API's per-tablet guard (rate limit and
# minimum interval) like every other write of a tablet.
@bp.route("/<token>", methods=["GET", "POST"])
@csrf.exempt
def kiosk(token: str):
    device = _device_or_404(token)
    survey_round = current_round(db.session, device.unit, Channel.COUNTER)
    if survey_round is None:
        db.session.commit()
        return render_template("kiosk/closed.html", device=device, token=token), 404
    questionnaire = questionnaire_for(survey_round.questionnaire_version)
    lang = str(get_locale())
    form = build_answer_form(questionnaire, lang)()
    next_uuid = str(uuid_module.uuid4())
    if request.method == "POST" and form.validate():
        answers = collect_answers(form, questionnaire)
        key = response_uuid(form)
        try:
            guard_device_write(device.id, str(key), utcnow())
        except ApiError as refused:
            db.session.commit()  # last contact of the device
            return _too_many(refused, token)
        try:
            record_response(
                db.session,
                survey_round=survey_round,
                unit=device.unit,
                channel=Channel.COUNTER,
                answers=answers,
                response_uuid=key,
                device=device,
            )
            db.session.commit()
            return redirect(url_for("kiosk.thanks", token=token))
        except SubmissionError as exc:
            db.session.rollback()
            attach_errors(form, exc.errors)
            next_uuid = str(key)  # the same response, corrected: not a second one within the interval
    else:
        db.session.commit()  # last contact of the device
    form.response_uuid.data = next_uuid
    page = render_template(
        "kiosk/kiosk.html",
        form=form,
        device=device,
        token=token,
        questionnaire=questionnaire,
        lang=lang,
        idle_seconds=current_app.config["KIOSK_IDLE_SECONDS"],
    )
    return _no_store(current_app.make_response((page, 400 if request.method == "POST" else 200)))


def _too_many(refused: ApiError, token: str):
    """The tablet guard's refusal as a page: what happened, and the way back to the start."""
    message = refused.errors[0]["message"] if refused.errors else ""
    response = error_page(429, message=message, back_url=url_for("kiosk.kiosk", token=token))
    response.headers.update(refused.headers)
    return _no_store(response)


@bp.get("/<token>/config.json")
def config(token: str):
    device = _device_or_404(token)
    survey_round = current_round(db.session, device.unit, Channel.COUNTER)
    questionnaire = questionnaire_for(survey_round.questionnaire_version) if survey_round else None
    body = kiosk_config(device, token, survey_round, questionnaire)
    db.session.commit()
    return _no_store(jsonify(body))


@bp.get("/<token>/sw.js")
def service_worker(token: str):
    _device_or_404(token)
    db.session.commit()
    kiosk_url = url_for("kiosk.kiosk", token=token)
    response = current_app.response_class(
        service_worker_source(kiosk_url), mimetype="text/javascript"
    )
    response.headers["Service-Worker-Allowed"] = kiosk_url
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/<token>/thanks")
def thanks(token: str):
    device = _device_or_404(token)
    db.session.commit()
    return render_template("kiosk/thanks.html", device=device, token=token)
