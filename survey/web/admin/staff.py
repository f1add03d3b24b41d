"""Staff accounts for administrators: list, add, edit role and scope, disable, reset password, log out."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from survey.domain import staff as accounts
from survey.extensions import db
from survey.models import Role, StaffUser
from survey.web.admin.blueprint import bp
from survey.web.admin.forms import ConfirmForm, PasswordResetForm, StaffEditForm, StaffNewForm
from survey.web.auth import role_required
from survey.web.staff.forms import show_error


def _user_or_404(user_id: int) -> StaffUser:
    user = db.session.get(StaffUser, user_id)
    if user is None:
        abort(404)
    return user


def _password_shown_once(user: StaffUser, password: str):
    """The page with a generated password: shown this once, kept out of caches."""
    response = make_response(render_template("admin/staff_password.html", user=user, password=password))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/staff")
@role_required("admin")
def staff_list():
    state = request.args.get("active", "1")
    active = {"1": True, "0": False}.get(state)
    role_name = request.args.get("role", "")
    role = Role(role_name) if role_name in {r.value for r in Role} else None
    return render_template(
        "admin/staff.html",
        users=accounts.list_users(db.session, active=active, role=role),
        filters={"active": state if active is not None else "", "role": role.value if role else ""},
        role_label=accounts.role_label,
        Role=Role,
    )


@bp.route("/staff/new", methods=["GET", "POST"])
@role_required("admin")
def staff_new():
    form = StaffNewForm()
    if form.validate_on_submit():
        password = form.password.data or accounts.generate_password()
        try:
            user = accounts.add_user(db.session, form.login.data, form.role.data, password,
                                     unit_code=form.unit_code.data, display_name=form.display_name.data or "",
                                     by=current_user)
        except accounts.StaffError as error:
            db.session.rollback()
            show_error(form, error, error.field)
        else:
            db.session.commit()
            if not form.password.data:
                return _password_shown_once(user, password)
            flash(_("Đã thêm tài khoản %(login)s.", login=user.login), "ok")
            return redirect(url_for("admin.staff_edit", user_id=user.id))
    status = 400 if form.is_submitted() else 200
    return render_template("admin/staff_new.html", form=form), status


@bp.route("/staff/<int:user_id>", methods=["GET", "POST"])
@role_required("admin")
def staff_edit(user_id: int):
    user = _user_or_404(user_id)
    form = StaffEditForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.role.data = user.role.value
        form.unit_code.data = user.unit.code if user.unit else ""
    if form.validate_on_submit():
        try:
            accounts.set_role_and_scope(db.session, user, form.role.data, form.unit_code.data,
                                        form.display_name.data or "", by=current_user)
        except accounts.StaffError as error:
            db.session.rollback()
            show_error(form, error, error.field)
        else:
            db.session.commit()
            flash(_("Đã lưu tài khoản %(login)s.", login=user.login), "ok")
            return redirect(url_for("admin.staff_edit", user_id=user.id))
    status = 400 if form.is_submitted() else 200
    return render_template("admin/staff_edit.html", user=user, form=form, reset_form=PasswordResetForm(),
                           confirm=ConfirmForm(), role_label=accounts.role_label), status


def _apply(user_id: int, change: Callable[[StaffUser], object], form: FlaskForm) -> tuple[StaffUser, bool]:
    """A button on the account page: check the CSRF token, apply the change and commit, or flash why not."""
    user = _user_or_404(user_id)
    if not form.validate_on_submit():
        abort(400)
    try:
        change(user)
    except accounts.StaffError as error:
        db.session.rollback()
        flash(str(error), "error")
        return user, False
    db.session.commit()
    return user, True


def _back(user: StaffUser, done: bool, message: str):
    if done:
        flash(message % {"login": user.login}, "ok")
    return redirect(url_for("admin.staff_edit", user_id=user.id))


@bp.post("/staff/<int:user_id>/disable")
@role_required("admin")
def staff_disable(user_id: int):
    user, done = _apply(user_id, lambda user: accounts.disable_user(db.session, user, by=current_user), ConfirmForm())
    return _back(user, done, _("Đã khóa tài khoản %(login)s; mọi phiên và mã API của tài khoản đã hết hiệu lực."))


@bp.post("/staff/<int:user_id>/enable")
@role_required("admin")
def staff_enable(user_id: int):
    user, done = _apply(user_id, lambda user: accounts.enable_user(db.session, user, by=current_user), ConfirmForm())
    return _back(user, done, _("Đã mở khóa tài khoản %(login)s."))


@bp.post("/staff/<int:user_id>/logout-everywhere")
@role_required("admin")
def staff_logout_everywhere(user_id: int):
    user, done = _apply(user_id, lambda user: accounts.log_out_everywhere(db.session, user, by=current_user),
                        ConfirmForm())
    return _back(user, done, _("Đã đăng xuất %(login)s khỏi mọi thiết bị và thu hồi mọi mã API của tài khoản."))


@bp.post("/staff/<int:user_id>/password")
@role_required("admin")
def staff_reset_password(user_id: int):
    """A new password typed by the admin, or generated and shown once."""
    form = PasswordResetForm()
    password = form.password.data or accounts.generate_password()
    user, done = _apply(user_id, lambda user: accounts.reset_password(db.session, user, password, by=current_user),
                        form)
    if done and not form.password.data:
        return _password_shown_once(user, password)
    return _back(user, done, _("Đã đặt mật khẩu mới cho %(login)s; mọi phiên và mã API của tài khoản đã hết hiệu lực."))
