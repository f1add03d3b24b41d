"""Counter tablets (kiosk mode)."""

from survey.web.kiosk import views  # noqa: F401  (registers its routes)
from survey.web.kiosk.blueprint import bp

__all__ = ["bp"]
