"""Dossier intake API for one-stop-shop systems (Decision 766): a batch of portal events per request."""

from survey.web.dossiers import views  # noqa: F401  (registers its routes)
from survey.web.dossiers.blueprint import bp
from survey.web.dossiers.rating import rating_bp

__all__ = ["bp", "rating_bp"]
