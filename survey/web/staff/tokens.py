"""Personal API tokens: every staff member creates and revokes their own.

The secret is shown once, on the page that answers the creating POST, and
stored only as its hash; a token can read exactly what its owner can. The
tokens themselves are made and revoked by survey.domain.api_tokens, as
``sipas tokens`` does.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from survey.domain.api_tokens import (
    TokenError,
    create_token,
    list_tokens,
    parse_expiry,
    revoke_token,
    token_state,
)
from survey.extensions import db
from survey.models import ApiToken
from survey.web.auth import staff_required
from survey.web.staff.blueprint import bp
from survey.web.staff.forms import ConfirmForm, TokenForm

EXPIRY_CHOICES = ("30d", "90d", "365d", "")  # the page's choices; `sipas tokens create --expires` takes any


def _expiry_labels() -> list[tuple[str, str]]:
    return [("30d", _("30 ngày")), ("90d", _("90 ngày")), ("365d", _("1 năm")), ("", _("Không hết hạn"))]


@bp.route("/tokens", methods=["GET", "POST"])
@staff_required
def api_tokens():
    form = TokenForm()
    secret = None
    expiry_error = None
    expires = request.form.get("expires", "90d")
    if form.validate_on_submit():
        try:
            if expires not in EXPIRY_CHOICES:
                raise TokenError(_("Hạn dùng không hợp lệ."), "expires")
            _token, secret = create_token(db.session, current_user, form.name.data,
                                          expires_at=parse_expiry(expires), by=current_user)
            db.session.commit()
        except TokenError as error:
            db.session.rollback()
            expiry_error = str(error)
    status = 400 if form.is_submitted() and (form.errors or expiry_error) else 200
    tokens = list_tokens(db.session, current_user)
    return (
        render_template(
            "staff/tokens.html", form=form, tokens=tokens, states={t.id: token_state(t) for t in tokens},
            secret=secret, revoke_form=ConfirmForm(), expiry_choices=_expiry_labels(), expires=expires,
            expiry_error=expiry_error,
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
    if revoke_token(db.session, token, by=current_user):
        db.session.commit()
    flash(_("Đã thu hồi mã truy cập “%(name)s”.", name=token.name), "ok")
    return redirect(url_for("staff.api_tokens"))
