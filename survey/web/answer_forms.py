"""WTForms built from a questionnaire, shared by the online form and the kiosk.

WTForms parses and type-checks each field; the questionnaire (the server) is the
judge of what is required and relevant.
"""

from __future__ import annotations

import uuid as uuid_module
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    Field,
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import Length, Optional

try:  # WTForms ≥ 3.3 wants choice objects; older versions take (value, label) pairs
    from wtforms.fields.choices import SelectChoice as _Choice
except ImportError:  # pragma: no cover
    def _Choice(value: str, label: str) -> tuple[str, str]:  # type: ignore[misc]
        return (value, label)

from survey.domain.questionnaires import QuestionnaireDefinition

CHOICE_TYPES = {"satisfaction", "scale4", "yesno", "single"}


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class AnswerFormBase(FlaskForm):
    class Meta:
        csrf = False  # public, anonymous forms: protected by one-use UUIDs and rate limits

    response_uuid = HiddenField()
    # Honeypot: hidden from people, filled by bots.
    website = StringField(_l("Để trống ô này"), validators=[Optional()])


def _option_key(code: Any) -> str:
    return str(code)


def _field_for(item: Any, lang: str) -> Field:
    label = item.label(lang)
    if item.type in CHOICE_TYPES:
        choices = [_Choice(_option_key(code), labels.get(lang) or labels["vi"]) for code, labels in item.options]
        return RadioField(label, choices=choices, validators=[Optional()], validate_choice=True)
    if item.type == "multiple":
        choices = [_Choice(_option_key(code), labels.get(lang) or labels["vi"]) for code, labels in item.options]
        return MultiCheckboxField(label, choices=choices, validators=[Optional()])
    if item.type == "number":
        return DecimalField(label, validators=[Optional()])
    return TextAreaField(label, validators=[Optional(), Length(max=4000)])


def build_answer_form(questionnaire: QuestionnaireDefinition, lang: str) -> type[AnswerFormBase]:
    """A form class with one field per item of ``questionnaire``."""
    attrs = {item.code: _field_for(item, lang) for item in questionnaire.items}
    return type("AnswerForm", (AnswerFormBase,), attrs)


def _coerce_option(item: Any, key: str) -> Any:
    for code, _labels in item.options:
        if _option_key(code) == key:
            return code
    return key


def collect_answers(form: AnswerFormBase, questionnaire: QuestionnaireDefinition) -> dict[str, Any]:
    """Answers typed back to the questionnaire's option codes; empty answers left out.

    Answers to questions that are not relevant (hidden by the conditions) are
    dropped, as the browser would hide them; the server decides relevance.
    """
    answers: dict[str, Any] = {}
    for item in questionnaire.items:
        data = form[item.code].data
        if data in (None, "", []):
            continue
        if item.type in CHOICE_TYPES:
            answers[item.code] = _coerce_option(item, data)
        elif item.type == "multiple":
            answers[item.code] = [_coerce_option(item, key) for key in data]
        elif item.type == "number":
            answers[item.code] = int(data) if data == data.to_integral_value() else float(data)
        else:
            text = str(data).strip()
            if text:
                answers[item.code] = text
    return questionnaire.relevant_answers(answers)


def answer_problem_text(problem: str) -> str:
    """A questionnaire answer problem in the user's language."""
    key = getattr(problem, "key", None)
    params = getattr(problem, "params", {})
    messages = {
        "required": _("Vui lòng trả lời câu hỏi này."),
        "wrong_type": _("Câu trả lời không đúng kiểu."),
        "unknown_option": _("Lựa chọn không có trong danh sách."),
        "not_integer": _("Vui lòng nhập số nguyên."),
        "below_min": _("Giá trị phải từ %(min)s trở lên.", min=params.get("min")),
        "above_max": _("Giá trị không được lớn hơn %(max)s.", max=params.get("max")),
        "too_long": _("Nội dung quá dài (tối đa %(n)s ký tự).", n=params.get("max_length")),
        "too_few_choices": _("Vui lòng chọn ít nhất %(n)s mục.", n=params.get("min")),
        "too_many_choices": _("Chỉ được chọn tối đa %(n)s mục.", n=params.get("max")),
        "duplicate_choice": _("Một lựa chọn bị chọn hai lần."),
        "exclusive_choice": _("Lựa chọn này không đi cùng các lựa chọn khác."),
        "not_relevant": _("Câu hỏi này không áp dụng với câu trả lời của bạn."),
        "unknown_item": _("Câu hỏi không có trong phiếu."),
        "empty_form": _("Phiếu trống: không có câu trả lời nào."),
    }
    return messages.get(key, str(problem))


def attach_errors(form: AnswerFormBase, errors: dict[str, str]) -> None:
    """Show the questionnaire's verdict next to each question."""
    for code, problem in errors.items():
        if code in form:
            form[code].errors = [answer_problem_text(problem)]


def response_uuid(form: AnswerFormBase) -> uuid_module.UUID:
    """The form's UUID (made when the page was shown), or a new one if it is missing or bad."""
    try:
        return uuid_module.UUID(form.response_uuid.data or "")
    except ValueError:
        return uuid_module.uuid4()
