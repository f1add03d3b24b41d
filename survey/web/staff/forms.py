"""Forms of the staff workspace: login, computation, publication, API tokens, own password, questionnaire upload."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


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


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Mật khẩu hiện tại"), validators=[DataRequired(), Length(max=256)])
    new_password = PasswordField(_l("Mật khẩu mới"), validators=[DataRequired(), Length(max=256)],
                                 description=_l("Ít nhất 10 ký tự, khác tên đăng nhập, không phải mật khẩu phổ biến."))
    new_password_again = PasswordField(
        _l("Nhập lại mật khẩu mới"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("Hai lần nhập mật khẩu mới không giống nhau."))],
    )


def show_error(form: FlaskForm, error: Exception, field: str | None) -> None:
    """Show a refused change's message beside its field (``form.form_errors`` when none fits)."""
    target = getattr(form, field, None) if field else None
    if target is None:
        form.form_errors.append(str(error))
    else:
        target.errors = [*target.errors, str(error)]


class QuestionnaireUploadForm(FlaskForm):
    file = FileField(_l("Tệp bảng hỏi (YAML)"), validators=[FileRequired(_l("Hãy chọn một tệp."))])


class QuestionnairePublishForm(FlaskForm):
    """The checked file travels back with the button; publishing checks it again."""

    filename = HiddenField()
    source = HiddenField()
