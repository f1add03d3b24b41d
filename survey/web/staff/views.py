"""Staff login and the overview dashboard."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from survey.domain.staff import find_user, staff_exists
from survey.extensions import db, limiter
from survey.models import SurveyRound, utcnow
from survey.web.auth import audit, staff_required
from survey.web.staff.blueprint import bp
from survey.web.staff.forms import LoginForm
from survey.web.staff.queries import responses_by_unit, round_overview, scope_unit_ids


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10/minute", methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = find_user(db.session, form.login.data)
        if user is not None and user.active and user.check_password(form.password.data):
            login_user(user)
            user.last_login_at = utcnow()
            audit("login", target=user.login, user=user)
            db.session.commit()
            next_url = request.args.get("next", "")
            if not next_url.startswith("/") or next_url.startswith("//"):
                next_url = url_for("staff.index")
            return redirect(next_url)
        audit("login_failed", target=form.login.data.strip()[:64])
        db.session.commit()
        flash(_("Tên đăng nhập hoặc mật khẩu không đúng."), "error")
    status = 401 if request.method == "POST" else 200
    return render_template("staff/login.html", form=form, no_staff_yet=not staff_exists(db.session)), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    # Invalidate every session of this user ("log out everywhere").
    current_user.session_version += 1
    audit("logout", target=current_user.login)
    db.session.commit()
    logout_user()
    return redirect(url_for("staff.login"))


@bp.route("/")
@staff_required
def index():
    unit_ids = scope_unit_ids(db.session, current_user)
    return render_template(
        "staff/index.html", overview=round_overview(db.session, unit_ids)
    )


@bp.route("/rounds/<int:round_id>")
@staff_required
def round_detail(round_id: int):
    survey_round = db.session.get(SurveyRound, round_id)
    if survey_round is None:
        abort(404)
    unit_ids = scope_unit_ids(db.session, current_user)
    return render_template(
        "staff/round.html",
        survey_round=survey_round,
        rows=responses_by_unit(db.session, round_id, unit_ids),
    )
