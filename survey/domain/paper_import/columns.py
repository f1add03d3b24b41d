"""Paper import: matching the file's columns to questionnaire items and special targets."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping

from survey.domain.paper_import.report import (
    IGNORE,
    SPECIAL_HEADERS,
    SPECIAL_LABELS,
    SPECIAL_TARGETS,
    UNIT,
    Column,
    Gettext,
    ImportProblem,
    ImportReport,
    Table,
    _header_key,
    _number,
    _vietnamese,
    cell_text,
    column_letter,
    fold,
)
from survey.domain.paper_import.values import OptionLabels
from survey.domain.questionnaires import QuestionnaireDefinition
from survey.domain.questionnaires.builtin import NOT_EXPERIENCED_CODE
from survey.domain.questionnaires.definition import CHOICE_TYPES

# --- mapping -----------------------------------------------------------------------


def target_label(target: str, questionnaire: QuestionnaireDefinition, gettext: Gettext = _vietnamese, lang: str = "vi") -> str:
    """What a mapping target is, for the mapping preview."""
    if target in SPECIAL_LABELS:
        return gettext(SPECIAL_LABELS[target])
    if target in questionnaire:
        return f"{target} – {questionnaire.item(target).label(lang)}"
    return target


def mapping_choices(questionnaire: QuestionnaireDefinition, lang: str = "vi", gettext: Gettext = _vietnamese) -> list[tuple[str, str]]:
    """Every target a column may map to: special columns, then the items in order."""
    return [(t, target_label(t, questionnaire, gettext, lang)) for t in SPECIAL_TARGETS] + [
        (item.code, target_label(item.code, questionnaire, gettext, lang)) for item in questionnaire.items
    ]


def guess_target(header: str, questionnaire: QuestionnaireDefinition) -> tuple[str | None, str]:
    """The target a header stands for, and how it was matched."""
    key = _header_key(header)
    if not key:
        return None, "none"
    codes = {item.code.casefold(): item.code for item in questionnaire.items}
    if header.strip().casefold() in codes:
        return codes[header.strip().casefold()], "code"
    if header.strip() in SPECIAL_TARGETS:
        return header.strip(), "special"
    for target, names in SPECIAL_HEADERS.items():
        if key in names:
            return target, "special"
    for item in questionnaire.items:
        if any(_header_key(label) == key for label in item.labels.values()):
            return item.code, "label"
    prefix = re.match(r"^\s*([A-Za-z][A-Za-z0-9_]*)\s*[.:)\-–]\s*\S", header)
    if prefix and prefix.group(1).casefold() in codes:
        return codes[prefix.group(1).casefold()], "prefix"
    return None, "none"


def map_columns(
    headers: list[str], questionnaire: QuestionnaireDefinition, mapping: Mapping[str, str] | None = None
) -> list[Column]:
    """Columns with their targets: the given mapping (by header) wins over the guess."""
    mapping = mapping or {}
    columns = []
    for index, header in enumerate(headers):
        if header in mapping:
            target = mapping[header] or None
            how = "user" if target else "ignored"
            target = target if target else IGNORE
        else:
            target, how = guess_target(header, questionnaire)
        columns.append(Column(index, column_letter(index), header, target, how))
    return columns


def _check_columns(report: ImportReport, table: Table, questionnaire: QuestionnaireDefinition, mapping: Mapping[str, str]) -> None:
    seen_headers: dict[str, str] = {}
    targets: dict[str, list[Column]] = defaultdict(list)
    for header in mapping:
        if header not in table.headers:
            report.add(ImportProblem("unknown_header_mapping", {"header": header}))
    for column in report.columns:
        has_data = any(column.index < len(cells) and cell_text(cells[column.index]) for _, cells in table.rows)
        if column.header:
            if column.header in seen_headers:
                report.add(ImportProblem(
                    "duplicate_header",
                    {"header": column.header, "first": seen_headers[column.header], "second": column.letter},
                    column=column.letter, header=column.header,
                ))
            seen_headers.setdefault(column.header, column.letter)
        elif has_data:
            report.add(ImportProblem("blank_header", column=column.letter))
            continue
        if column.target is None:
            if column.header and has_data:
                report.add(ImportProblem("unmapped_column", column=column.letter, header=column.header))
            continue
        if column.target == IGNORE:
            continue
        if column.target not in SPECIAL_TARGETS and column.target not in questionnaire:
            report.add(ImportProblem(
                "unknown_target", {"target": column.target}, column=column.letter, header=column.header
            ))
            continue
        targets[column.target].append(column)
    for target, columns in targets.items():
        if len(columns) > 1:
            report.add(ImportProblem(
                "mapped_twice",
                {"target": target, "columns": ", ".join(c.letter for c in columns)},
                column=columns[1].letter, header=columns[1].header,
            ))
    if UNIT not in targets:
        report.add(ImportProblem("no_unit_column"))
    for item in questionnaire.items:
        if item.required_on_paper and item.relevant is None and item.code not in targets:
            report.add(ImportProblem("missing_item_column", {"item": item.code}))


YES_NO_WORDS = frozenset({"co", "khong", "c", "k", "yes", "no", "y", "n"})


def scale_notices(report: ImportReport, table: Table, questionnaire: QuestionnaireDefinition) -> list[ImportProblem]:
    """Columns matched by their header to a choice item whose scale differs from what they hold.

    A warning, not an error: values beyond the item's scale (up to 7 in a column
    matched to a 1–5 item) or Có/Không in a column matched to a scale item.
    """
    notices = []
    for column in report.columns:
        if column.matched_by not in ("code", "label", "prefix") or column.target not in questionnaire:
            continue
        item = questionnaire.item(column.target)
        if item.type not in CHOICE_TYPES:
            continue
        texts = {cell_text(cells[column.index]) for _, cells in table.rows if column.index < len(cells)} - {""}
        numbers = [int(n) for n in map(_number, texts) if n is not None and n.is_integer()]
        params = {"column": column.letter, "header": column.header, "item": item.code, "options": OptionLabels(item)}
        where = {"column": column.letter, "header": column.header}
        labels = {fold(label) for _, labels in item.options for label in labels.values()}
        codes = item.option_codes
        scale = [c for c in codes if isinstance(c, int) and not (item.not_experienced and c == NOT_EXPERIENCED_CODE)]
        above = [n for n in numbers if scale and n > max(scale) and n not in codes]
        if above:
            notices.append(ImportProblem("scale_above", {**params, "max": max(above)}, **where))
        elif item.type != "yesno" and any(fold(t) in YES_NO_WORDS - labels for t in texts):
            notices.append(ImportProblem("scale_yesno", params, **where))
    return notices
