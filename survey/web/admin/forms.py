"""Admin forms (Flask-WTF, with CSRF)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from survey.domain.staff import role_label
from survey.models import Role


class DeviceForm(FlaskForm):
    unit_code = StringField(_l("Mã đơn vị"), validators=[DataRequired(), Length(max=32)])
    counter_label = StringField(_l("Tên quầy"), validators=[DataRequired(), Length(max=64)])


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class StaffEditForm(FlaskForm):
    """Role, scope unit and name of a staff account; the domain checks the rules."""

    display_name = StringField(_l("Họ tên"), validators=[Optional(), Length(max=255)])
    role = SelectField(_l("Vai trò"), validators=[DataRequired()])
    unit_code = StringField(_l("Mã đơn vị phạm vi"), validators=[Optional(), Length(max=32)],
                            description=_l("Để trống: toàn quốc. Bắt buộc với tài khoản lãnh đạo."))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = [(role.value, role_label(role)) for role in Role]


class StaffNewForm(StaffEditForm):
    login = StringField(_l("Tên đăng nhập"), validators=[DataRequired(), Length(max=64)],
                        description=_l("3–64 ký tự: chữ a–z không dấu, chữ số và các dấu . _ -"))
    password = PasswordField(_l("Mật khẩu ban đầu"), validators=[Optional(), Length(max=256)],
                             description=_l("Để trống để hệ thống tạo mật khẩu và hiện một lần."))


class PasswordResetForm(FlaskForm):
    password = PasswordField(_l("Mật khẩu mới"), validators=[Optional(), Length(max=256)],
                             description=_l("Để trống để hệ thống tạo mật khẩu và hiện một lần."))
