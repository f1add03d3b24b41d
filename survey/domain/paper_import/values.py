"""Paper import: reading a cell's answer, day, unit code and form number; the round's units."""

from __future__ import annotations

import uuid as uuid_module
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Self

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.domain.paper_import.report import (
    PAPER_FORM_NAMESPACE,
    _number,
    _plain_number,
    cell_text,
    fold,
)
from survey.domain.questionnaires.builtin import NOT_EXPERIENCED_CODE
from survey.domain.questionnaires.definition import CHOICE_TYPES, Item
from survey.i18n import current_language
from survey.models import (
    SurveyRound,
    Unit,
    round_units,
)

# --- values --------------------------------------------------------------------------


class _ValueProblem(ValueError):
    def __init__(self, key: str, **params: Any):
        self.key = key
        self.params = params


# How operators write "not experienced" besides the code 9 and the option's label (folded).
NOT_EXPERIENCED_WORDS = frozenset({"ktn", "khong trai nghiem", "chua trai qua", "chua trai nghiem", "not experienced"})
NE_SCALED_TYPES = frozenset({"satisfaction", "scale4"})  # the types that may offer code 9


class OptionLabels(tuple):
    """An item's options for a message, "1 = Rất không hài lòng, 2 = …", labelled in the language shown."""

    MAX_LISTED = 12

    def __new__(cls, item: Item) -> Self:
        return super().__new__(cls, item.options)

    def __str__(self) -> str:
        language = current_language()
        listed = [f"{code} = {labels.get(language) or labels['vi']}" for code, labels in self[:self.MAX_LISTED]]
        return ", ".join(listed) + (", …" if len(self) > self.MAX_LISTED else "")


def _option_codes_text(item: Item) -> OptionLabels:
    return OptionLabels(item)


def _not_experienced(item: Item, text: str, number: float | None) -> bool:
    """Whether the cell says "not experienced"; raises where the item does not offer it."""
    said = fold(text) in NOT_EXPERIENCED_WORDS or (number == NOT_EXPERIENCED_CODE and item.type in NE_SCALED_TYPES)
    if said and not item.not_experienced:
        raise _ValueProblem("no_not_experienced", item=item.code, value=text, options=_option_codes_text(item))
    return said


def _match_option(item: Item, text: str, *, positional: bool) -> Any:
    """The option code written as a code, a 1-based position (multiple choice) or a label."""
    number = _number(text)
    codes = item.option_codes
    if _not_experienced(item, text, number):
        return NOT_EXPERIENCED_CODE
    if number is not None and number.is_integer():
        if int(number) in codes:
            return int(number)
        if item.type in CHOICE_TYPES:
            return int(number)  # the questionnaire reports the unknown option
        if positional and all(isinstance(c, str) for c in codes) and 1 <= number <= len(codes):
            return codes[int(number) - 1]
    for code in codes:
        if str(code).casefold() == text.casefold():
            return code
    exact = [code for code, labels in item.options if any(label.casefold() == text.casefold() for label in labels.values())]
    if len(exact) == 1:
        return exact[0]
    folded = [code for code, labels in item.options if any(fold(label) == fold(text) for label in labels.values())]
    if len(folded) == 1:
        return folded[0]
    raise _ValueProblem("not_an_option", item=item.code, value=text, options=_option_codes_text(item))


def parse_answer(item: Item, value: Any) -> Any:
    """A cell as the answer the questionnaire expects; None for a blank cell."""
    text = cell_text(value)
    if not text:
        return None
    if item.type in CHOICE_TYPES:
        return _match_option(item, text, positional=False)
    if item.type == "multiple":
        parts = [p.strip() for p in text.split(";") if p.strip()]
        return [_match_option(item, part, positional=True) for part in parts] or None
    if item.type == "number":
        number = _number(value)
        if number is None:
            raise _ValueProblem("not_a_number", item=item.code)
        return _plain_number(number)
    return text


_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")


def parse_day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise _ValueProblem("bad_date")


def _form_number(value: Any) -> str:
    text = cell_text(value)
    return str(int(text)) if text.isdigit() else text


def _unit_code(value: Any) -> str:
    return cell_text(value)


def paper_uuid(round_id: int, unit_code: str, form_number: str) -> uuid_module.UUID:
    """The UUID of one paper form: the same form imported twice is one response."""
    return uuid_module.uuid5(PAPER_FORM_NAMESPACE, f"{round_id}:{unit_code}:{form_number}")


def _row_uuid(round_id: int, sha256: str, row: int) -> uuid_module.UUID:
    return uuid_module.uuid5(PAPER_FORM_NAMESPACE, f"{round_id}:file:{sha256}:{row}")


# --- units ---------------------------------------------------------------------------


class _Units:
    """The units named in a file and the round's scope, loaded once."""

    def __init__(self, session: Session, survey_round: SurveyRound, codes: Iterable[str]):
        self.by_code: dict[str, list[Unit]] = defaultdict(list)
        codes = sorted(set(codes))
        for start in range(0, len(codes), 500):
            for unit in session.scalars(select(Unit).where(Unit.code.in_(codes[start:start + 500]))):
                self.by_code[unit.code].append(unit)
        children: dict[int | None, list[int]] = defaultdict(list)
        for unit_id, parent_id in session.execute(select(Unit.id, Unit.parent_id)):
            children[parent_id].append(unit_id)
        roots = session.scalars(select(round_units.c.unit_id).where(round_units.c.round_id == survey_round.id)).all()
        self.scope: set[int] = set(roots)
        frontier = list(roots)
        while frontier:
            frontier = [c for parent in frontier for c in children.get(parent, []) if c not in self.scope]
            self.scope.update(frontier)
        self._all_codes: set[str] | None = None
        self._session = session

    def suggestion(self, code: str) -> str | None:
        """A stored code that differs only by leading zeros lost in Excel."""
        if not code.isdigit() or len(code) >= 5:
            return None
        for width in (2, 5):
            padded = code.zfill(width)
            if padded != code and self._session.scalar(select(Unit.id).where(Unit.code == padded).limit(1)):
                return padded
        return None
