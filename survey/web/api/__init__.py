"""JSON API (v1)."""

from survey.web.api import (
    releases,  # noqa: F401  (registers its routes)
    views,  # noqa: F401  (registers its routes)
)
from survey.web.api.blueprint import bp

__all__ = ["bp"]
