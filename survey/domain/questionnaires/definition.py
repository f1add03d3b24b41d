"""The validated, immutable questionnaire and the server-side check of submitted answers."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Self

from .expressions import Expression, is_missing

__all__ = ["EMPTY_FORM", "ITEM_TYPES", "NUMERIC_TYPES", "AnswerProblem", "Item", "QuestionnaireDefinition", "Section"]

ITEM_TYPES = ("satisfaction", "scale4", "yesno", "single", "multiple", "number", "text")
CHOICE_TYPES = frozenset({"satisfaction", "scale4", "yesno", "single"})
NUMERIC_TYPES = CHOICE_TYPES | {"number"}
EMPTY_FORM = "_form"  # the key of validate_answers' verdict on a paper form with no answer at all


class AnswerProblem(str):
    """An English message about one answer that also carries a message id and its parameters."""

    key: str
    params: dict[str, Any]

    def __new__(cls, key: str, message: str, **params: Any) -> Self:
        obj = super().__new__(cls, message)
        obj.key = key
        obj.params = params
        return obj


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _codes_text(codes: list[Any]) -> str:
    return ", ".join(str(c) for c in codes)


@dataclass(frozen=True)
class Item:
    """One question; `options` holds (code, label dict) pairs for choice items."""

    code: str
    type: str
    labels: dict[str, str]
    section: str
    required: bool = False
    required_on_paper: bool = False
    relevant: str | None = None
    options: list[tuple[Any, dict[str, str]]] = field(default_factory=list)
    help: dict[str, str] | None = None
    scale: str | None = None
    not_experienced: bool = False
    min: float | None = None
    max: float | None = None
    integer: bool = False
    unit: dict[str, str] | None = None
    max_length: int | None = None
    multiline: bool = False
    min_choices: int | None = None
    max_choices: int | None = None
    exclusive: frozenset[Any] = frozenset()
    expression: Expression | None = field(default=None, compare=False, repr=False)

    def label(self, lang: str = "vi") -> str:
        return self.labels.get(lang) or self.labels["vi"]

    @property
    def option_codes(self) -> list[Any]:
        return [code for code, _ in self.options]

    def option_label(self, code: Any, lang: str = "vi") -> str:
        for option_code, label in self.options:
            if option_code == code and type(option_code) is type(code):
                return label.get(lang) or label["vi"]
        raise KeyError(code)

    @property
    def is_numeric(self) -> bool:
        return self.type in NUMERIC_TYPES

    def check_answer(self, value: Any) -> AnswerProblem | None:
        """Check a present answer's type and range; None when it is acceptable."""
        if self.type in CHOICE_TYPES:
            if not isinstance(value, int) or isinstance(value, bool):
                return AnswerProblem("wrong_type", "expected one option code (an integer)")
            if value not in self.option_codes:
                return AnswerProblem(
                    "unknown_option",
                    f"{value} is not an option of this item (options: {_codes_text(self.option_codes)})",
                    value=value,
                )
            return None
        if self.type == "multiple":
            return self._check_choices(value)
        if self.type == "number":
            if not _is_number(value) or not math.isfinite(value):
                return AnswerProblem("wrong_type", "expected a number")
            if self.integer and value != int(value):
                return AnswerProblem("not_integer", "expected a whole number")
            if self.min is not None and value < self.min:
                return AnswerProblem("below_min", f"must be at least {self.min}", min=self.min)
            if self.max is not None and value > self.max:
                return AnswerProblem("above_max", f"must be at most {self.max}", max=self.max)
            return None
        if self.type == "text":
            if not isinstance(value, str):
                return AnswerProblem("wrong_type", "expected text")
            if self.max_length is not None and len(value) > self.max_length:
                return AnswerProblem(
                    "too_long",
                    f"text is too long ({len(value)} characters; at most {self.max_length})",
                    length=len(value),
                    max_length=self.max_length,
                )
            return None
        raise AssertionError(f"unknown item type {self.type!r}")

    def _check_choices(self, value: Any) -> AnswerProblem | None:
        if not isinstance(value, (list, tuple)):
            return AnswerProblem("wrong_type", "expected a list of option codes")
        codes = self.option_codes
        seen: list[Any] = []
        for choice in value:
            known = not isinstance(choice, bool) and any(
                choice == c and type(choice) is type(c) for c in codes
            )
            if not known:
                return AnswerProblem(
                    "unknown_option",
                    f"{choice!r} is not an option of this item (options: {_codes_text(codes)})",
                    value=choice,
                )
            if choice in seen:
                return AnswerProblem(
                    "duplicate_choice", f"option {choice!r} is chosen twice", value=choice
                )
            seen.append(choice)
        if self.min_choices is not None and len(seen) < self.min_choices:
            return AnswerProblem(
                "too_few_choices", f"choose at least {self.min_choices}", min=self.min_choices
            )
        if self.max_choices is not None and len(seen) > self.max_choices:
            return AnswerProblem(
                "too_many_choices", f"choose at most {self.max_choices}", max=self.max_choices
            )
        exclusive = [c for c in seen if c in self.exclusive]
        if exclusive and len(seen) > 1:
            return AnswerProblem(
                "exclusive_choice",
                f"option {exclusive[0]!r} cannot be combined with other options",
                value=exclusive[0],
            )
        return None


@dataclass(frozen=True)
class Section:
    code: str
    titles: dict[str, str]
    items: tuple[str, ...]

    def title(self, lang: str = "vi") -> str:
        return self.titles.get(lang) or self.titles["vi"]


def _item_from_definition(data: Mapping[str, Any], section: str) -> Item:
    options = [(opt["code"], dict(opt["label"])) for opt in data.get("options", [])]
    exclusive = frozenset(opt["code"] for opt in data.get("options", []) if opt.get("exclusive"))
    relevant = data.get("relevant")
    expression = None
    if relevant is not None:
        ast = data.get("relevant_ast")
        expression = Expression.from_dict(ast) if ast is not None else None
        if expression is not None:
            expression = Expression(expression.root, relevant)
        else:
            from .expressions import parse_expression

            expression = parse_expression(relevant)
    return Item(
        code=data["code"],
        type=data["type"],
        labels=dict(data["label"]),
        section=section,
        required=bool(data.get("required", False)),
        required_on_paper=bool(data.get("required_on_paper", False)),
        relevant=relevant,
        options=options,
        help=data.get("help"),
        scale=data.get("scale"),
        not_experienced=bool(data.get("not_experienced", False)),
        min=data.get("min"),
        max=data.get("max"),
        integer=bool(data.get("integer", False)),
        unit=data.get("unit"),
        max_length=data.get("max_length"),
        multiline=bool(data.get("multiline", False)),
        min_choices=data.get("min_choices"),
        max_choices=data.get("max_choices"),
        exclusive=exclusive,
        expression=expression,
    )


class QuestionnaireDefinition:
    """A validated questionnaire version; build it with load_questionnaire/parse_questionnaire."""

    def __init__(
        self, definition: dict[str, Any], filename: str = "<definition>", source: str | None = None
    ):
        self.definition = definition
        self.filename = filename
        self.source = source
        self.id: str = definition["id"]
        self.version: str = str(definition["version"])
        self.languages: tuple[str, ...] = tuple(definition["languages"])
        self.sections: list[Section] = []
        self.items: list[Item] = []
        for section in definition["sections"]:
            items = [_item_from_definition(raw, section["code"]) for raw in section["items"]]
            self.sections.append(
                Section(section["code"], dict(section["title"]), tuple(i.code for i in items))
            )
            self.items.extend(items)
        self._by_code = {item.code: item for item in self.items}
        self.numeric_items: list[str] = [item.code for item in self.items if item.is_numeric]
        self.indices: dict[str, Any] = definition.get("indices", {})
        self._canonical = json.dumps(
            definition, sort_keys=True, ensure_ascii=False, separators=(",", ":")
        )
        self.content_hash: str = hashlib.sha256(self._canonical.encode("utf-8")).hexdigest()

    @classmethod
    def from_definition(cls, definition: Mapping[str, Any] | str) -> QuestionnaireDefinition:
        """Rebuild from a stored canonical definition (a dict or its JSON); it is trusted as validated."""
        if isinstance(definition, str):
            definition = json.loads(definition)
        return cls(json.loads(json.dumps(definition)))

    def canonical_json(self) -> str:
        return self._canonical

    def title(self, lang: str = "vi") -> str:
        titles = self.definition["title"]
        return titles.get(lang) or titles["vi"]

    def item(self, code: str) -> Item:
        try:
            return self._by_code[code]
        except KeyError:
            raise KeyError(f"questionnaire {self.id!r} has no item {code!r}") from None

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def relevance(self, answers: Mapping[str, Any]) -> dict[str, bool]:
        """Item code -> whether it applies; answers to items that do not apply count as missing."""
        effective: dict[str, Any] = {}
        result: dict[str, bool] = {}
        for item in self.items:
            applies = item.expression is None or item.expression.evaluate(effective)
            result[item.code] = applies
            if applies and item.code in answers:
                effective[item.code] = answers[item.code]
        return result

    def is_relevant(self, code: str, answers: Mapping[str, Any]) -> bool:
        self.item(code)
        return self.relevance(answers)[code]

    def relevant_answers(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """The answers without those to unknown items or to items that do not apply."""
        relevance = self.relevance(answers)
        return {
            code: value
            for code, value in answers.items()
            if relevance.get(code) and not is_missing(value)
        }

    def validate_answers(self, answers: Mapping[str, Any], *, on_paper: bool = False) -> dict[str, str]:
        """Item code -> problem for a submitted answers dict; an empty dict means it is valid.

        ``on_paper``: a blank is item nonresponse unless the item is ``required_on_paper``
        (``required`` is for the forms that can insist), and a form with no answer at all
        is refused under the key :data:`EMPTY_FORM` alone.
        """
        if not isinstance(answers, Mapping):
            raise TypeError("answers must be a mapping of item code to answer")
        if on_paper and all(is_missing(value) for value in answers.values()):
            return {EMPTY_FORM: AnswerProblem("empty_form", "the form has no answer at all")}  # not one per item
        errors: dict[str, str] = {}
        for code in answers:
            if code not in self._by_code:
                errors[str(code)] = AnswerProblem("unknown_item", f"unknown item {code!r}")
        relevance = self.relevance(answers)
        for item in self.items:
            value = answers.get(item.code)
            if is_missing(value):
                required = item.required_on_paper if on_paper else item.required
                if required and relevance[item.code]:
                    errors[item.code] = AnswerProblem("required", "an answer is required")
                continue
            if not relevance[item.code]:
                errors[item.code] = AnswerProblem(
                    "not_relevant", f"this item does not apply (condition: {item.relevant})"
                )
                continue
            problem = item.check_answer(value)
            if problem is not None:
                errors[item.code] = problem
        return errors

    def __repr__(self) -> str:
        return f"<Questionnaire {self.id} v{self.version} ({len(self.items)} items)>"
