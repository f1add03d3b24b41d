"""Every staff member's own account: change the password, log out of every device."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from survey.domain.staff import StaffError, change_password, log_out_everywhere
from survey.extensions import db
from survey.web.auth import staff_required
from survey.web.staff.blueprint import bp
from survey.web.staff.forms import ConfirmForm, PasswordChangeForm, show_error


@bp.route("/account", methods=["GET", "POST"])
@staff_required
def account():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            change_password(db.session, user, form.current_password.data, form.new_password.data)
        except StaffError as error:
            db.session.rollback()
            show_error(form, error, error.field)
        else:
            db.session.commit()
            login_user(user)  # this session carries the new session_version; the others are logged out
            flash(_("Đã đổi mật khẩu. Các phiên đăng nhập khác của bạn đã bị đăng xuất."), "ok")
            return redirect(url_for("staff.account"))
    status = 400 if form.is_submitted() and (form.errors or form.form_errors) else 200
    return render_template("staff/account.html", form=form, confirm=ConfirmForm()), status


@bp.post("/account/logout-everywhere")
@staff_required
def logout_everywhere():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    revoked = log_out_everywhere(db.session, user, by=user)
    db.session.commit()
    logout_user()
    flash(_("Đã đăng xuất khỏi mọi thiết bị và thu hồi %(n)d mã API. Hãy đăng nhập lại.", n=revoked), "ok")
    return redirect(url_for("staff.login"))
