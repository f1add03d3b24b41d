"""Admin forms (Flask-WTF, with CSRF)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


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
