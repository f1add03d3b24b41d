"""Rating a dossier: the citizen's link ``/d/<token>`` (QR on the slip) and the return desk's kiosk mode.

Both pages show the rating form (a questionnaire, survey.domain.dossiers.rating)
with the online form's question macro; no JavaScript is needed. The link is the
authority of the public page (no session, so no CSRF token); the kiosk pages
belong to a logged-in officer and keep CSRF. Nothing about the citizen's device
is stored: only the dossier's one row in ``dossier_ratings``.
"""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import NotFound
from werkzeug.utils import redirect

from survey.domain.dossiers import current_definition, log_dossier_access
from survey.domain.dossiers.portal import DESK_LENGTH
from survey.domain.dossiers.rating import (
    CHANNEL_KIOSK,
    CHANNEL_LINK,
    RatingClosed,
    RatingInvalid,
    RatingLinkError,
    dossier_for_token,
    existing_rating,
    find_dossiers,
    may_rate,
    note_return_desk,
    rating_form,
    rating_token,
    save_rating,
)
from survey.domain.posters import qr_png
from survey.extensions import csrf, db, limiter
from survey.models import Device, Dossier, utcnow
from survey.web.answer_forms import attach_errors, build_answer_form, collect_answers
from survey.web.auth import staff_required
from survey.web.loaders import in_scope, scope_of
from survey.web.urls import public_url

rating_bp = Blueprint("dossier_rating", __name__)
DESK_KEY = "dossier_desk"  # the officer's desk, remembered in the login session
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}  # the token stays out of caches


def _config(key: str):
    return current_app.config[key]


def link_for(dossier: Dossier) -> str:
    """The absolute rating link of ``dossier`` (a new signed token)."""
    return public_url("dossier_rating.rate", token=rating_token(_config("SECRET_KEY"), dossier))


def _dossier(token: str) -> Dossier:
    return dossier_for_token(db.session, _config("SECRET_KEY"), token, _config("DOSSIER_RATING_LINK_DAYS"))


@rating_bp.errorhandler(RatingLinkError)
def _link_error(exc: RatingLinkError):
    """A bad or expired link, wherever one of this blueprint's views read it: 404 or 410 with the reason."""
    status = 410 if exc.key == "expired" else 404
    return make_response(render_template("dossiers/link_error.html", message=exc.message()), status, NO_STORE)


def _rating_page(dossier: Dossier, channel: str, done_url: str, kiosk: bool):
    """Show the form, or store the rating and go to ``done_url``; shared by the link and the kiosk."""
    questionnaire = rating_form(db.session, dossier, Path(_config("QUESTIONNAIRE_DIR")))
    lang = str(get_locale())
    form = build_answer_form(questionnaire, lang)()
    previous = existing_rating(db.session, dossier)
    change_hours = _config("DOSSIER_RATING_CHANGE_HOURS")
    if not may_rate(previous, change_hours, utcnow()):
        return _closed(dossier, previous, kiosk, 409 if request.method == "POST" else 200)
    errors, status = [], 200
    if request.method == "POST":
        try:
            outcome = _save(dossier, questionnaire, collect_answers(form, questionnaire), channel, change_hours)
            if kiosk:
                flash(_("Cảm ơn Ông/Bà đã đánh giá hồ sơ %(code)s.", code=dossier.code), "success")
            return redirect(done_url if not outcome.replaced or kiosk else done_url + "?changed=1")
        except RatingInvalid as exc:
            db.session.rollback()
            attach_errors(form, exc.problems)
            errors, status = [questionnaire.item(code) for code in exc.problems if code in form], 400
        except RatingClosed:
            db.session.rollback()
            return _closed(dossier, existing_rating(db.session, dossier), kiosk, 409)
    page = render_template("dossiers/rate.html", dossier=dossier, questionnaire=questionnaire, form=form, lang=lang,
                           errors=errors, previous=previous, kiosk=kiosk, change_hours=change_hours)
    return make_response(page, status, NO_STORE)


def _save(dossier: Dossier, questionnaire, answers: dict, channel: str, change_hours: float):
    """Store and commit; if a simultaneous first rating of the dossier won the race, this one replaces it."""
    def store():
        outcome = save_rating(db.session, dossier, questionnaire, answers, channel=channel,
                              definition=current_definition(), change_hours=change_hours)
        db.session.commit()
        return outcome

    try:
        return store()
    except IntegrityError:  # the unique dossier_id: the other request stored its row first
        db.session.rollback()
        return store()


def _closed(dossier: Dossier, previous, kiosk: bool, status: int):
    page = render_template("dossiers/closed.html", dossier=dossier, previous=previous, kiosk=kiosk,
                           change_hours=_config("DOSSIER_RATING_CHANGE_HOURS"))
    return make_response(page, status, NO_STORE)


# --- the citizen's link ---------------------------------------------------------------------


@rating_bp.route("/d/<token>", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit("20/minute", methods=["POST"])
def rate(token: str):
    dossier = _dossier(token)
    return _rating_page(dossier, CHANNEL_LINK, url_for("dossier_rating.thanks", token=token), kiosk=False)


@rating_bp.route("/d/<token>/thanks")
def thanks(token: str):
    dossier = _dossier(token)
    page = render_template("dossiers/thanks.html", dossier=dossier, changed=request.args.get("changed") == "1",
                           change_hours=_config("DOSSIER_RATING_CHANGE_HOURS"))
    return make_response(page, 200, NO_STORE)


@rating_bp.route("/d/<token>/slip")
def slip(token: str):
    """A printable strip for the receipt or appointment slip: the QR code, the link, the dossier code."""
    dossier = _dossier(token)
    link = public_url("dossier_rating.rate", token=token)
    return make_response(render_template("dossiers/slip.html", dossier=dossier, link=link, token=token), 200,
                         NO_STORE)


@rating_bp.route("/d/<token>/qr.png")
def qr(token: str):
    _dossier(token)  # refuses a bad or expired link
    image = qr_png(public_url("dossier_rating.rate", token=token), 360)
    return make_response(image, 200, {"Content-Type": "image/png", **NO_STORE})


# --- the return desk's kiosk ------------------------------------------------------------------


def _desk_problem(desk: str) -> str | None:
    if len(desk) > DESK_LENGTH:
        return _("Mã quầy dài quá %(max)d ký tự.", max=DESK_LENGTH)
    if any(not character.isprintable() for character in desk):
        return _("Mã quầy có ký tự không in được.")
    return None


@rating_bp.route("/dossiers/kiosk", methods=["GET", "POST"])
@staff_required
def kiosk_start():
    """The officer types the dossier code (and once, the desk); the tablet then shows that dossier's rating form."""
    code, message, status = (request.form.get("code") or "").strip(), None, 200
    desk = (request.form.get("desk") if request.method == "POST" else session.get(DESK_KEY)) or ""
    desk = desk.strip()
    desk_message = _desk_problem(desk) if request.method == "POST" else None
    if desk_message:
        status = 400
    elif request.method == "POST":
        found = [d for d in find_dossiers(db.session, code) if in_scope(d.unit_id)] if code else []
        if len(found) == 1:
            session[DESK_KEY] = desk  # the officer's desk for the next dossiers of this session
            note_return_desk(found[0], desk)
            log_dossier_access(db.session, actor=current_user.login, action="rating_kiosk", rows=1,
                               dossier_code=found[0].code, user_id=current_user.id,
                               details={"desk": desk} if desk else None)
            db.session.commit()
            token = rating_token(_config("SECRET_KEY"), found[0])
            return redirect(url_for("dossier_rating.kiosk_rate", token=token))
        status = 400 if not code else 404 if not found else 409
        message = (_("Vui lòng nhập mã hồ sơ.") if not code else
                   _("Không tìm thấy hồ sơ %(code)s trong các đơn vị Ông/Bà phụ trách.", code=code) if not found else
                   _("Có %(n)d hồ sơ mã %(code)s từ các hệ thống khác nhau; hãy liên hệ quản trị.", n=len(found),
                     code=code))
    return make_response(render_template("dossiers/kiosk_start.html", code=code, message=message, desk=desk,
                                         desk_message=desk_message, desks=_desk_labels()), status, NO_STORE)


def _desk_labels() -> list[str]:
    """The counter labels of the tablets in the officer's units: the desks to choose from (any other may be typed)."""
    query = select(Device.counter_label).where(Device.active.is_(True)).distinct()
    scope = scope_of()
    if scope is not None:
        query = query.where(Device.unit_id.in_(scope))
    return sorted(db.session.scalars(query))


@rating_bp.route("/dossiers/kiosk/<token>", methods=["GET", "POST"])
@staff_required
def kiosk_rate(token: str):
    dossier = _dossier(token)
    if not in_scope(dossier.unit_id):
        raise NotFound()
    return _rating_page(dossier, CHANNEL_KIOSK, url_for("dossier_rating.kiosk_start"), kiosk=True)
