"""Staff workspace: login, dashboards, computations and releases, API tokens."""

from survey.web.staff import (
    imports,  # noqa: F401  (registers its routes)
    questionnaires,  # noqa: F401  (registers its routes)
    releases,  # noqa: F401  (registers its routes)
    results,  # noqa: F401  (registers its routes)
    tokens,  # noqa: F401  (registers its routes)
    views,  # noqa: F401  (registers its routes)
)
from survey.web.staff.blueprint import bp

__all__ = ["bp"]
