"""Admin forms (Flask-WTF, with CSRF)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from survey.domain.staff import role_label
from survey.models import Role
from survey.web.answer_forms import MultiCheckboxField


class DeviceForm(FlaskForm):
    unit_code = StringField(_l("Mã đơn vị"), validators=[DataRequired(), Length(max=32)])
    counter_label = StringField(_l("Tên quầy"), validators=[DataRequired(), Length(max=64)])


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class UnitImportForm(FlaskForm):
    file = FileField(_l("Tệp CSV hoặc XLSX"), validators=[FileRequired(_l("Hãy chọn một tệp."))])
    sheet = StringField(_l("Trang tính (XLSX, không bắt buộc)"), validators=[Optional(), Length(max=100)])
    basis = StringField(_l("Căn cứ pháp lý của các liên kết sắp xếp (không bắt buộc)"),
                        validators=[Optional(), Length(max=255)])


class UnitImportSaveForm(FlaskForm):
    """The checked file again, carried by the preview page, to be stored."""

    payload = HiddenField(validators=[DataRequired()])
    filename = HiddenField(validators=[DataRequired(), Length(max=255)])
    sheet = HiddenField(validators=[Optional(), Length(max=100)])
    basis = HiddenField(validators=[Optional(), Length(max=255)])


class LineageForm(FlaskForm):
    on = DateField(_l("Ngày bắt đầu hiệu lực của thay đổi"), validators=[DataRequired()])
    basis = StringField(_l("Căn cứ pháp lý"), validators=[Optional(), Length(max=255)])


class RenameForm(LineageForm):
    name = StringField(_l("Tên mới"), validators=[DataRequired(), Length(max=255)])


class MergeForm(LineageForm):
    others = StringField(_l("Mã các đơn vị cùng sáp nhập (cách nhau bởi dấu cách, không bắt buộc)"),
                         validators=[Optional(), Length(max=1000)])
    into = StringField(_l("Mã đơn vị kế thừa"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Tên đơn vị kế thừa (khi là đơn vị mới)"), validators=[Optional(), Length(max=255)])


class SplitForm(LineageForm):
    into = TextAreaField(_l("Đơn vị kế thừa, mỗi dòng một đơn vị: mã có sẵn, hoặc MÃ=Tên cho đơn vị mới"),
                         validators=[DataRequired(), Length(max=5000)])


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


class RoundForm(FlaskForm):
    """A survey round; the domain checks every field and its messages land on them (RoundError)."""

    code = StringField(_l("Mã đợt (chữ thường, số, gạch ngang; ví dụ sipas-2026)"))
    name = StringField(_l("Tên đợt"))
    questionnaire_version = SelectField(_l("Bảng hỏi và phiên bản"), choices=[], validate_choice=False)
    kind = RadioField(_l("Loại đợt"), choices=[], validate_choice=False)
    channels = MultiCheckboxField(_l("Kênh thu thập"), choices=[], validate_choice=False)
    starts_on = StringField(_l("Ngày bắt đầu (dd/mm/yyyy)"))
    ends_on = StringField(_l("Ngày kết thúc (dd/mm/yyyy)"))
    unit_codes = TextAreaField(
        _l("Mã đơn vị trong phạm vi (mỗi dòng hoặc cách nhau bởi dấu phẩy; để trống: mọi đơn vị)")
    )


class ReopenForm(FlaskForm):
    reason = TextAreaField(_l("Lý do mở lại (ghi vào nhật ký)"))
