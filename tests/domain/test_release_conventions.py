"""Release settings of the statistics conventions: domain df and lonely PSUs within domains."""

from __future__ import annotations

import pytest

from survey.domain.releases.spec import ReleaseError, check_parameters, design_conventions


def test_release_defaults_state_domain_df_and_domain_lonely() -> None:
    merged = check_parameters(None)
    assert merged["domain_df"] == "domain"
    assert merged["adjust_domain_lonely"] is False
    assert design_conventions(merged) == {"domain_df": "domain", "adjust_domain_lonely": False}


def test_release_takes_design_df() -> None:
    merged = check_parameters({"domain_df": "design", "adjust_domain_lonely": True})
    assert design_conventions(merged) == {"domain_df": "design", "adjust_domain_lonely": True}


def test_release_refuses_unknown_domain_df_in_vietnamese() -> None:
    with pytest.raises(ReleaseError, match="bậc tự do của miền không hợp lệ: subpop"):
        check_parameters({"domain_df": "subpop"})
