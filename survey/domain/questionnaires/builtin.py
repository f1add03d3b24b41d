"""Answer scales every questionnaire may use without declaring them."""

from __future__ import annotations

from typing import Any

NOT_EXPERIENCED_CODE = 9
NOT_EXPERIENCED_LABEL = {"vi": "Chưa trải qua", "en": "Not experienced"}


def _scale(label: dict[str, str], *options: tuple[int, str, str]) -> dict[str, Any]:
    return {
        "label": label,
        "options": [{"code": code, "label": {"vi": vi, "en": en}} for code, vi, en in options],
    }


BUILTIN_SCALES: dict[str, dict[str, Any]] = {
    "satisfaction5": _scale(
        {"vi": "Mức độ hài lòng (5 mức)", "en": "Satisfaction (5 points)"},
        (1, "Rất không hài lòng", "Very dissatisfied"),
        (2, "Không hài lòng", "Dissatisfied"),
        (3, "Bình thường", "Neither satisfied nor dissatisfied"),
        (4, "Hài lòng", "Satisfied"),
        (5, "Rất hài lòng", "Very satisfied"),
    ),
    "expectation4": _scale(
        {"vi": "Mức độ mong đợi (4 mức)", "en": "Expectation (4 points)"},
        (1, "Không mong đợi", "Not expected at all"),
        (2, "Ít mong đợi", "Slightly expected"),
        (3, "Khá mong đợi", "Fairly expected"),
        (4, "Rất mong đợi", "Strongly expected"),
    ),
    "interest4": _scale(
        {"vi": "Mức độ quan tâm (4 mức)", "en": "Interest (4 points)"},
        (1, "Không quan tâm", "Not interested"),
        (2, "Ít quan tâm", "Slightly interested"),
        (3, "Quan tâm", "Interested"),
        (4, "Rất quan tâm", "Very interested"),
    ),
    "yesno": _scale(
        {"vi": "Có / Không", "en": "Yes / No"},
        (1, "Có", "Yes"),
        (2, "Không", "No"),
    ),
}

# item type -> (default scale, required number of options or None)
SCALED_TYPES: dict[str, tuple[str | None, int | None]] = {
    "satisfaction": ("satisfaction5", 5),
    "scale4": (None, 4),
    "yesno": ("yesno", 2),
}
