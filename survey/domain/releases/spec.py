"""What a release computes: its parameters and the questionnaire's index specification."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from analysis import AnalysisError, IndexSpec
from analysis.indices import GroupSpec
from survey.i18n import _
from survey.models import QuestionnaireVersion

Progress = Callable[[float, str], None]

CI_METHODS = ("logit", "wald", "beta", "wilson")
RANK_METHODS = ("kww", "simulation")
DEFAULT_PARAMETERS: dict[str, Any] = {
    "ci_method": "logit",
    "level": 0.95,
    "alpha": 0.05,
    "rank_method": "kww",
    "lonely_psu": "adjust",
    # df of a unit's interval from the PSUs holding its respondents (as R): a
    # unit resting on few PSUs gets the wider interval it needs
    "domain_df": "domain",
    "adjust_domain_lonely": False,
    "seed": 20260701,
}
DOMAIN_DF = ("domain", "design")
OTHER_ITEMS_GROUP = "_other_items"  # satisfaction items outside every group ("in general" items)


class ReleaseError(ValueError):
    """A release cannot be computed, published or discarded; the message says why."""


def no_progress(fraction: float, message: str) -> None:
    return None


def software_version() -> str:
    from survey import __version__

    return f"sipas {__version__}; numpy {np.__version__}"


def check_parameters(parameters: Mapping[str, Any] | None) -> dict[str, Any]:
    merged = {**DEFAULT_PARAMETERS, **(parameters or {})}
    if merged["ci_method"] not in CI_METHODS:
        raise ReleaseError(
            _("Phương pháp khoảng tin cậy không hợp lệ: %(value)s (chọn %(choices)s).",
              value=merged["ci_method"], choices=", ".join(CI_METHODS))
        )
    if merged["rank_method"] not in RANK_METHODS:
        raise ReleaseError(
            _("Phương pháp khoảng thứ hạng không hợp lệ: %(value)s (chọn %(choices)s).",
              value=merged["rank_method"], choices=", ".join(RANK_METHODS))
        )
    if merged["domain_df"] not in DOMAIN_DF:
        raise ReleaseError(
            _("Cách tính bậc tự do của miền không hợp lệ: %(value)s (chọn %(choices)s).",
              value=merged["domain_df"], choices=", ".join(DOMAIN_DF))
        )
    merged["adjust_domain_lonely"] = bool(merged["adjust_domain_lonely"])
    level = float(merged["level"])
    if not 0.5 <= level < 1:
        raise ReleaseError(_("Mức tin cậy phải từ 0,5 đến dưới 1."))
    merged["level"] = level
    merged["alpha"] = float(merged["alpha"])
    return merged


def design_conventions(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """The release parameters that go into the design: domain df and domain lonely PSUs."""
    return {
        "domain_df": parameters.get("domain_df", DEFAULT_PARAMETERS["domain_df"]),
        "adjust_domain_lonely": bool(parameters.get("adjust_domain_lonely", False)),
    }


def release_spec(version: QuestionnaireVersion) -> tuple[IndexSpec, list[str]]:
    """The questionnaire's index specification, plus a hidden group of the other satisfaction items.

    The "in general" items (a0, p0, ..., overall) are not in any group when
    groups are plain means, yet they are published item indices; they are
    computed in a group that enters nothing and is not stored. Returns the
    spec and the codes of those extra items.
    """
    block = (version.definition or {}).get("indices")
    if not block:
        raise ReleaseError(_("Bảng hỏi %(code)s không có khối chỉ số (indices).", code=version.code))
    try:
        spec = IndexSpec.from_dict(block)
    except AnalysisError as exc:
        raise ReleaseError(_("Khối chỉ số của bảng hỏi không hợp lệ: %(error)s", error=str(exc))) from exc
    used = set(spec.items())
    numeric = set(version.numeric_items)
    extra = []
    for section in version.definition.get("sections", []):
        for item in section.get("items", []):
            code = item.get("code")
            if item.get("type") == "satisfaction" and code in numeric and code not in used:
                extra.append(code)
    if extra:
        spec = replace(
            spec, groups=spec.groups + (GroupSpec(OTHER_ITEMS_GROUP, tuple(extra), in_overall=False),)
        )
    return spec, extra
