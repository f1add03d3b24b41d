"""Administration: units, devices, users, rounds."""

from survey.web.admin import (
    audit,  # noqa: F401  (registers its routes)
    rounds,  # noqa: F401  (registers its routes)
    staff,  # noqa: F401  (registers its routes)
    units,  # noqa: F401  (registers its routes)
    views,  # noqa: F401  (registers its routes)
)
from survey.web.admin.blueprint import bp

__all__ = ["bp"]
