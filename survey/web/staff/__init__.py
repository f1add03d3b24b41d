"""Staff workspace: login, dashboards, computations and releases, API tokens, own account."""

from survey.web.staff import (
    account,  # noqa: F401  (registers its routes)
    decision766,  # noqa: F401  (registers its routes)
    imports,  # noqa: F401  (registers its routes)
    menu,  # noqa: F401  (gives templates the staff menu)
    questionnaires,  # noqa: F401  (registers its routes)
    releases,  # noqa: F401  (registers its routes)
    results,  # noqa: F401  (registers its routes)
    tokens,  # noqa: F401  (registers its routes)
    views,  # noqa: F401  (registers its routes)
)
from survey.web.staff.blueprint import bp

__all__ = ["bp"]
