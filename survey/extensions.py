"""Flask extensions, created unbound and bound in create_app()."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from survey.models import Base

db = SQLAlchemy(model_class=Base)
csrf = CSRFProtect()
babel = Babel()
login = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
