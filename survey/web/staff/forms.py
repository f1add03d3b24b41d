"""Forms of the staff workspace: login, computation, publication, API tokens, questionnaire upload."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    login = StringField(_l("Tên đăng nhập"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(), Length(max=256)])


class ConfirmForm(FlaskForm):
    """A button that changes state: only the CSRF token."""


class ComputeForm(FlaskForm):
    round_id = SelectField(_l("Đợt khảo sát"), coerce=int, validators=[DataRequired()])
    title = StringField(_l("Tên bản kết quả"), validators=[DataRequired(), Length(max=255)])


class TokenForm(FlaskForm):
    name = StringField(_l("Tên gợi nhớ của mã"), validators=[DataRequired(), Length(max=100)])


class QuestionnaireUploadForm(FlaskForm):
    file = FileField(_l("Tệp bảng hỏi (YAML)"), validators=[FileRequired(_l("Hãy chọn một tệp."))])


class QuestionnairePublishForm(FlaskForm):
    """The checked file travels back with the button; publishing checks it again."""

    filename = HiddenField()
    source = HiddenField()
