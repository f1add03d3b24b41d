"""Personal API tokens: every staff member creates and revokes their own.

The secret is shown once, on the page that answers the creating POST, and
stored only as its hash; a token can read exactly what its owner can.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from survey.extensions import db
from survey.models import ApiToken, utcnow
from survey.web.auth import audit, new_api_token, staff_required
from survey.web.staff.blueprint import bp
from survey.web.staff.forms import ConfirmForm, TokenForm


def _tokens() -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.created_at.desc())
        )
    )


@bp.route("/tokens", methods=["GET", "POST"])
@staff_required
def api_tokens():
    form = TokenForm()
    secret = None
    if form.validate_on_submit():
        token, secret = new_api_token(current_user, form.name.data)
        audit("api_token.create", target=token.name, token_id=token.id)
        db.session.commit()
    status = 400 if form.is_submitted() and form.errors else 200
    return (
        render_template(
            "staff/tokens.html", form=form, tokens=_tokens(), secret=secret, revoke_form=ConfirmForm()
        ),
        status,
    )


@bp.post("/tokens/<int:token_id>/revoke")
@staff_required
def revoke_api_token(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit("api_token.revoke", target=token.name, token_id=token.id)
        db.session.commit()
    flash(_("Đã thu hồi mã truy cập “%(name)s”.", name=token.name), "ok")
    return redirect(url_for("staff.api_tokens"))
