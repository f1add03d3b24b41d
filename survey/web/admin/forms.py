"""Admin forms (Flask-WTF, with CSRF)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from survey.web.answer_forms import MultiCheckboxField


class DeviceForm(FlaskForm):
    unit_code = StringField(_l("Mã đơn vị"), validators=[DataRequired(), Length(max=32)])
    counter_label = StringField(_l("Tên quầy"), validators=[DataRequired(), Length(max=64)])


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


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
