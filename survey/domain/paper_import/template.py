"""Paper import: the template file of a round, XLSX (with the option codes) or CSV, that imports as it is.

The first sheet has one header row: the special columns (``@unit``, ``@form``,
``@date``, and ``@stratum``/``@psu``/``@ssu``/``@weight`` when the round's
sampling design names them), then one column per item headed ``code – short
label`` (matched back by its code prefix). The second sheet, "Mã phương án",
lists every column with its options and whether it is required on paper.
"""

from __future__ import annotations

import codecs
import csv
import io
from typing import Any

from survey.domain.paper_import.report import (
    DATE,
    FORM,
    PSU,
    SPECIAL_LABELS,
    SSU,
    STRATUM,
    UNIT,
    WEIGHT,
    column_letter,
)
from survey.domain.questionnaires import Item, QuestionnaireDefinition
from survey.domain.questionnaires.definition import CHOICE_TYPES
from survey.i18n import _, current_language
from survey.models import SurveyRound

TEMPLATE_FORMATS = ("xlsx", "csv")
DATA_SHEET = "Phiếu"
OPTIONS_SHEET = "Mã phương án"
SHORT_LABEL = 40  # characters of the item's label in its header
VALIDATED_ROWS = 5000  # rows below the header with the drop-down lists of option codes

# The keys of a round's sampling design that call for a design column.
DESIGN_KEYS = {STRATUM: ("strata", "stratum"), PSU: ("psu",), SSU: ("ssu",), WEIGHT: ("weights", "weight")}


def template_filename(survey_round: SurveyRound, file_format: str) -> str:
    return f"mau-nhap-phieu-{survey_round.code}.{file_format}"


def special_columns(survey_round: SurveyRound) -> list[str]:
    """The special columns of a round's template: unit, form number, date, and those its design needs."""
    design = survey_round.sampling_design or {}
    return [UNIT, FORM, DATE] + [t for t, keys in DESIGN_KEYS.items() if any(design.get(k) for k in keys)]


def item_header(item: Item) -> str:
    """``a1 – Short label``: the import matches it back to the item by the code before the dash."""
    label = " ".join(item.label("vi").split())
    short = label if len(label) <= SHORT_LABEL else label[:SHORT_LABEL - 1].rstrip() + "…"
    return f"{item.code} – {short}"


def template_headers(survey_round: SurveyRound, questionnaire: QuestionnaireDefinition) -> list[str]:
    return special_columns(survey_round) + [item_header(item) for item in questionnaire.items]


def build_template(survey_round: SurveyRound, questionnaire: QuestionnaireDefinition, file_format: str) -> bytes:
    """The template file's bytes; ``file_format`` is ``xlsx`` or ``csv`` (UTF-8 with BOM, for Excel)."""
    if file_format not in TEMPLATE_FORMATS:
        raise ValueError(f"unknown template format {file_format!r}")
    headers = template_headers(survey_round, questionnaire)
    if file_format == "csv":
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerow(headers)
        return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")
    return _xlsx(survey_round, questionnaire, headers)


def _xlsx(survey_round: SurveyRound, questionnaire: QuestionnaireDefinition, headers: list[str]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET
    sheet.append(headers)
    sheet.freeze_panes = "A2"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    specials = special_columns(survey_round)
    for index, header in enumerate(headers):
        letter = column_letter(index)
        cell = sheet.cell(row=1, column=index + 1)
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[letter].width = 14 if index < len(specials) else min(max(len(header), 12), 30)
    sheet.row_dimensions[1].height = 45
    sheet.column_dimensions["A"].number_format = "@"  # unit codes keep their leading zeros
    sheet.column_dimensions["B"].number_format = "@"
    for index, item in enumerate(questionnaire.items, start=len(specials)):
        if item.type in CHOICE_TYPES and item.options:
            codes = ",".join(str(code) for code in item.option_codes)
            validation = DataValidation(
                type="list", formula1=f'"{codes}"', allow_blank=True, showErrorMessage=True, errorStyle="warning",
                errorTitle=item.code[:32], error=_("Hãy ghi mã của một phương án: %(codes)s.", codes=codes)[:255],
            )
            letter = column_letter(index)
            validation.add(f"{letter}2:{letter}{VALIDATED_ROWS + 1}")
            sheet.add_data_validation(validation)
    _options_sheet(workbook.create_sheet(OPTIONS_SHEET), survey_round, questionnaire, bold)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _options_sheet(sheet: Any, survey_round: SurveyRound, questionnaire: QuestionnaireDefinition, bold: Any) -> None:
    lang = current_language()
    sheet.append([_("Cột"), _("Tiêu đề"), _("Câu hỏi hoặc thông tin"), _("Mã"), _("Phương án"),
                  _("Bắt buộc trên phiếu giấy")])
    for cell in sheet[1]:
        cell.font = bold
    sheet.freeze_panes = "A2"
    specials = special_columns(survey_round)
    yes, no = _("Có"), _("Không")
    for index, target in enumerate(specials):
        sheet.append([column_letter(index), target, _(SPECIAL_LABELS[target]), None, _special_help(target),
                      yes if target == UNIT else no])
    for index, item in enumerate(questionnaire.items, start=len(specials)):
        required = yes if item.required_on_paper else no
        first = [column_letter(index), item.code, item.label(lang)]
        if not item.options:
            sheet.append([*first, None, _item_help(item), required])
            continue
        for code, labels in item.options:
            sheet.append([*first, code, labels.get(lang) or labels["vi"], required])
            first = [None, None, None]
    for letter, width in zip("ABCDEF", (6, 16, 60, 8, 40, 12)):
        sheet.column_dimensions[letter].width = width


def _special_help(target: str) -> str:
    return {
        UNIT: _("Mã đơn vị (định dạng Văn bản để giữ số 0 ở đầu)"),
        FORM: _("Số phiếu in trên phiếu giấy"),
        DATE: _("Ngày điền phiếu, dạng ngày/tháng/năm"),
        STRATUM: _("Tầng của thiết kế mẫu"),
        PSU: _("Đơn vị mẫu cấp 1"),
        SSU: _("Đơn vị mẫu cấp 2"),
        WEIGHT: _("Trọng số cơ sở, một số dương"),
    }[target]


def _item_help(item: Item) -> str:
    if item.type == "number":
        return _("Một số")
    return _("Văn bản")
