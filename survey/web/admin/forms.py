"""Admin forms (Flask-WTF, with CSRF)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class DeviceForm(FlaskForm):
    unit_code = StringField(_l("Mã đơn vị"), validators=[DataRequired(), Length(max=32)])
    counter_label = StringField(_l("Tên quầy"), validators=[DataRequired(), Length(max=64)])


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token."""
