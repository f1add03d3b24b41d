"""Online surveys: unit links and invitations."""

from survey.web.online import views  # noqa: F401  (registers its routes)
from survey.web.online.blueprint import bp

__all__ = ["bp"]
