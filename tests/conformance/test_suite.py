"""Every conformance case agrees with its published value at the printed precision."""

from __future__ import annotations

import pytest

from .catalogue import ALL_CASES as CASES
from .suite import Case, check


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_agrees_with_published_value(case: Case) -> None:
    outcomes = check(case)
    wrong = [
        f"{o.quantity}: ours {o.ours!r}, published {o.published}" for o in outcomes if not o.agrees
    ]
    assert not wrong, f"{case.name} ({case.source}): {'; '.join(wrong)}"
