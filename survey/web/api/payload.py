"""Reading a submission body: JSON, field types and formats (before any database lookup).

Every problem is reported with the field it concerns; all field problems are
collected and reported together.
"""

from __future__ import annotations

import json
import math
import uuid as uuid_module
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from survey.models import Channel
from survey.web.errors import BAD_CHARACTERS, ApiError, field_error

FIELDS = ("uuid", "questionnaire", "version", "unit", "device_token", "channel", "submitted_at", "answers")
MAX_ANSWERS = 500
MAX_CHOICES = 200
MAX_NUMBER = 1e12  # scores are float32; anything larger is a typing error, not an answer


def too_large(limit: int) -> ApiError:
    """The refusal of a body longer than ``MAX_CONTENT_LENGTH``."""
    return ApiError(413, [field_error("", _("Nội dung yêu cầu quá lớn (tối đa %(n)d byte).", n=limit), "too_large")])


@dataclass(frozen=True)
class Submission:
    """A syntactically valid submission."""

    uuid: uuid_module.UUID
    questionnaire: str
    version: str
    unit: str | None
    device_token: str | None
    channel: Channel
    submitted_at: datetime | None
    answers: dict[str, Any]


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def parse_body(data: bytes) -> Any:
    """The JSON document of a request body; ApiError 400 when it is not JSON."""
    try:
        return json.loads(data, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise ApiError(400, [field_error("", _("Nội dung yêu cầu không phải JSON hợp lệ."), "invalid_json")]) from None


def _clean_text(value: Any, field: str, errors: list, max_length: int) -> str | None:
    if not isinstance(value, str):
        errors.append(field_error(field, _("Phải là một chuỗi ký tự."), "wrong_type"))
        return None
    if not value.strip():
        errors.append(field_error(field, _("Trường này là bắt buộc."), "required"))
        return None
    if len(value) > max_length:
        errors.append(field_error(field, _("Giá trị quá dài (tối đa %(n)d ký tự).", n=max_length), "too_long"))
        return None
    if BAD_CHARACTERS.search(value):
        errors.append(field_error(field, _("Văn bản chứa ký tự không hợp lệ."), "invalid_characters"))
        return None
    return value


def _parse_uuid(value: Any, errors: list) -> uuid_module.UUID | None:
    if isinstance(value, str) and len(value) <= 45:
        try:
            return uuid_module.UUID(value)
        except ValueError:
            pass
    errors.append(field_error("uuid", _("Phải là một UUID, ví dụ 0f8fad5b-d9cb-469f-a165-70867728950e."), "invalid_uuid"))
    return None


def _parse_time(value: Any, errors: list) -> datetime | None:
    parsed = None
    if isinstance(value, str) and len(value) <= 40:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
    if parsed is None or parsed.tzinfo is None or parsed.year < 2000:
        errors.append(
            field_error(
                "submitted_at",
                _("Phải là thời điểm ISO 8601 có múi giờ, ví dụ 2025-07-01T09:30:00+07:00."),
                "invalid_datetime",
            )
        )
        return None
    return parsed


def _scalar_problem(value: Any) -> str | None:
    """Why an answer scalar cannot be stored, or None."""
    if isinstance(value, str):
        return "invalid_characters" if BAD_CHARACTERS.search(value) else None
    if isinstance(value, float) and not math.isfinite(value):
        return "wrong_type"
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) > MAX_NUMBER:
        return "too_large"
    if value is None or isinstance(value, (bool, int, float)):
        return None
    return "wrong_type"


def _answer_message(problem: str) -> str:
    if problem == "too_large":
        return _("Giá trị quá lớn.")
    if problem == "invalid_characters":
        return _("Văn bản chứa ký tự không hợp lệ.")
    return _("Câu trả lời không đúng kiểu.")


def _check_answers(value: Any, errors: list) -> dict[str, Any] | None:
    """Answers shaped as the questionnaire expects: item code → scalar or flat list of scalars."""
    if not isinstance(value, dict):
        errors.append(
            field_error("answers", _("Phải là một đối tượng JSON: mã câu hỏi → câu trả lời."), "wrong_type")
        )
        return None
    if len(value) > MAX_ANSWERS:
        errors.append(field_error("answers", _("Quá nhiều câu trả lời."), "too_many"))
        return None
    found = False
    for code, answer in value.items():
        if BAD_CHARACTERS.search(code):
            errors.append(field_error("answers", _answer_message("invalid_characters"), "invalid_characters"))
            found = True
            continue
        if isinstance(answer, list):
            if len(answer) > MAX_CHOICES:
                problem: str | None = "wrong_type"
            else:
                problems = ("wrong_type" if v is None else _scalar_problem(v) for v in answer)
                problem = next((p for p in problems if p is not None), None)
        else:
            problem = _scalar_problem(answer)
        if problem is not None:
            errors.append(field_error(f"answers.{code}", _answer_message(problem), problem))
            found = True
    return None if found else value


def parse_submission(document: Any) -> Submission:
    """A :class:`Submission` from a decoded JSON body; ApiError 400/422 listing every problem."""
    if not isinstance(document, dict):
        raise ApiError(400, [field_error("", _("Nội dung yêu cầu phải là một đối tượng JSON."), "not_an_object")])
    errors: list[dict[str, str]] = []
    for name in document:
        if name not in FIELDS:
            errors.append(field_error(str(name), _("Trường không được hỗ trợ."), "unknown_field"))
    for name in ("uuid", "questionnaire", "version", "answers"):
        if document.get(name) is None:
            errors.append(field_error(name, _("Trường này là bắt buộc."), "required"))

    response_uuid = _parse_uuid(document["uuid"], errors) if document.get("uuid") is not None else None
    questionnaire = None
    if document.get("questionnaire") is not None:
        questionnaire = _clean_text(document["questionnaire"], "questionnaire", errors, 64)
    version = document.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and 0 <= version < 10**9:
        version = str(version)
    elif version is not None:
        version = _clean_text(version, "version", errors, 32)

    unit = document.get("unit")
    token = document.get("device_token")
    if unit is not None and token is not None:
        errors.append(field_error("device_token", _("Chỉ gửi một trong hai trường unit hoặc device_token."), "conflicting_fields"))
    elif unit is None and token is None:
        errors.append(
            field_error("unit", _("Cần trường unit (mã đơn vị) hoặc device_token (mã máy tính bảng)."), "required")
        )
    if unit is not None:
        unit = _clean_text(unit, "unit", errors, 32)
    if token is not None:
        token = _clean_text(token, "device_token", errors, 128)

    channel_value = document.get("channel")
    channel = None
    if channel_value is None:
        if token is None and document.get("device_token") is None:
            errors.append(field_error("channel", _("Trường này là bắt buộc."), "required"))
        else:
            channel = Channel.COUNTER
    else:
        try:
            channel = Channel(channel_value) if isinstance(channel_value, str) else None
        except ValueError:
            channel = None
        if channel is None:
            choices = ", ".join(c.value for c in Channel)
            errors.append(field_error("channel", _("Kênh không hợp lệ; chọn một trong: %(choices)s.", choices=choices), "invalid_choice"))
        elif document.get("device_token") is not None and channel is not Channel.COUNTER:
            errors.append(field_error("channel", _("Máy tính bảng tại quầy chỉ gửi phiếu kênh counter."), "invalid_choice"))

    submitted_at = None
    if document.get("submitted_at") is not None:
        submitted_at = _parse_time(document["submitted_at"], errors)

    answers = _check_answers(document["answers"], errors) if document.get("answers") is not None else None

    if errors:
        raise ApiError(422, errors)
    assert response_uuid is not None and questionnaire is not None and version is not None
    assert channel is not None and answers is not None
    return Submission(
        uuid=response_uuid,
        questionnaire=questionnaire,
        version=version,
        unit=unit,
        device_token=token,
        channel=channel,
        submitted_at=submitted_at,
        answers=answers,
    )
