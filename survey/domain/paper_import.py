"""Importing paper questionnaires typed in by operators (CSV or XLSX), all or nothing.

Reading: CSV in UTF-8 (with or without BOM), UTF-16 (converted, with a notice)
and Windows-1258 (converted when the text is plainly Vietnamese, refused
otherwise); XLSX (the first sheet or a named one). The header is row 1, as the
operator sees it in Excel, and every problem names the row, the column letter
and header, the value and what is wrong.

Mapping: column header → item code, or one of the special targets below
(``@unit`` is required). By default headers are matched to item codes
(case-insensitive), to the special columns' usual names, then to item labels
(diacritics-insensitive).

Idempotency: the file's SHA-256 per round (:class:`ImportBatch` is unique), and
each response's UUID is ``uuid5(PAPER_FORM_NAMESPACE, "<round id>:<unit
code>:<form number>")`` when the file has a form number column, so that the
same paper form typed into another file is not stored twice. Such a form is a
*duplicate*, reported and skipped, not an error, when its stored answers are
the same; when they differ it is an error (two different forms with one number).
Without a form number column the UUID comes from the file's hash and row.

Nothing here commits: :func:`run_import` flushes and the caller commits once.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import math
import re
import unicodedata
import uuid as uuid_module
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import PurePath
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey.domain.questionnaires import QuestionnaireDefinition
from survey.domain.questionnaires.definition import CHOICE_TYPES, Item
from survey.domain.responses import prepare_response, questionnaire_for, store_responses
from survey.i18n import LOCAL_TZ, format_local_date
from survey.models import (
    Channel,
    ImportBatch,
    Response,
    ResponseDesign,
    RoundStatus,
    StaffUser,
    SurveyRound,
    Unit,
    round_units,
    utcnow,
)
from survey.settings import DefaultConfig

MAX_BYTES = DefaultConfig.IMPORT_MAX_BYTES
MAX_ROWS = DefaultConfig.IMPORT_MAX_ROWS
MAX_PROBLEMS = 5_000  # kept for the report; the count goes on
PAPER_FORM_NAMESPACE = uuid_module.UUID("5b0c6f0e-6f7a-5c1e-9a53-51a5a5000001")

UNIT = "@unit"
FORM = "@form"
DATE = "@date"
STRATUM = "@stratum"
PSU = "@psu"
SSU = "@ssu"
WEIGHT = "@weight"
IGNORE = ""
SPECIAL_TARGETS = (UNIT, FORM, DATE, STRATUM, PSU, SSU, WEIGHT)
DESIGN_TARGETS = {STRATUM: "stratum", PSU: "psu", SSU: "ssu", WEIGHT: "base_weight"}


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated when shown."""
    return message


SPECIAL_LABELS = {
    UNIT: N_("Mã đơn vị"),
    FORM: N_("Số phiếu"),
    DATE: N_("Ngày điền phiếu"),
    STRATUM: N_("Tầng (thiết kế mẫu)"),
    PSU: N_("Đơn vị mẫu cấp 1 (PSU)"),
    SSU: N_("Đơn vị mẫu cấp 2 (SSU)"),
    WEIGHT: N_("Trọng số cơ sở"),
}

# Usual headers of the special columns, folded (lower case, no diacritics).
SPECIAL_HEADERS = {
    UNIT: {"unit", "unit code", "unit_code", "ma don vi", "don vi", "ma dv", "ma co quan"},
    FORM: {"form", "form number", "form_number", "form no", "so phieu", "ma phieu", "phieu so"},
    DATE: {
        "date", "submitted", "submitted date", "submitted_at", "ngay", "ngay khao sat",
        "ngay tra loi", "ngay dien phieu", "ngay phong van",
    },
    STRATUM: {"stratum", "strata", "tang", "tang mau", "tang (thiet ke mau)"},
    PSU: {"psu", "don vi mau cap 1", "don vi mau cap 1 (psu)"},
    SSU: {"ssu", "don vi mau cap 2", "don vi mau cap 2 (ssu)"},
    WEIGHT: {"weight", "base weight", "base_weight", "trong so", "trong so co so", "quyen so"},
}

MESSAGES: dict[str, str] = {
    # the file
    "empty_file": N_("Tệp trống: không có dòng tiêu đề."),
    "no_rows": N_("Tệp chỉ có dòng tiêu đề, không có phiếu nào."),
    "too_large": N_("Tệp quá lớn (%(size)s MB); tối đa %(max)s MB. Hãy chia thành nhiều tệp."),
    "too_many_rows": N_("Tệp có hơn %(max)s dòng; hãy chia thành nhiều tệp."),
    "old_xls": N_("Tệp Excel 97-2003 (.xls) không được hỗ trợ; hãy lưu lại thành .xlsx hoặc CSV UTF-8."),
    "bad_xlsx": N_("Không đọc được tệp Excel (.xlsx): %(reason)s"),
    "no_sheet": N_("Tệp không có trang tính \"%(sheet)s\"; các trang tính: %(sheets)s."),
    "not_text": N_("Tệp không phải CSV hay XLSX (có byte nhị phân ở khoảng byte %(offset)s)."),
    "bad_encoding": N_(
        "Tệp không phải UTF-8 (byte lạ ở dòng %(line)s) và cũng không phải tiếng Việt Windows-1258; "
        "có thể là bảng mã cũ như TCVN3 hay VNI. Hãy lưu lại thành \"CSV UTF-8\"."
    ),
    "converted_cp1258": N_("Tệp được mã hoá Windows-1258 (CP1258); đã chuyển sang UTF-8 để đọc."),
    "converted_utf16": N_("Tệp được mã hoá UTF-16; đã chuyển sang UTF-8 để đọc."),
    "bad_csv": N_("Lỗi định dạng CSV: %(reason)s"),
    "ragged_row": N_("Dòng có %(cells)s ô nhưng dòng tiêu đề chỉ có %(headers)s cột."),
    "already_imported": N_("Tệp này đã được nhập ngày %(date)s (lô %(batch)s); không lưu thêm gì."),
    "round_no_paper": N_("Đợt khảo sát %(round)s không nhận phiếu giấy."),
    "round_closed": N_("Đợt khảo sát %(round)s đã đóng."),
    # the columns
    "duplicate_header": N_("Tiêu đề \"%(header)s\" có ở cả cột %(first)s và cột %(second)s."),
    "blank_header": N_("Cột không có tiêu đề nhưng có dữ liệu."),
    "unmapped_column": N_(
        "Cột không khớp với câu hỏi nào của bảng hỏi; hãy chọn câu hỏi cho cột này hoặc chọn \"Bỏ qua\"."
    ),
    "unknown_target": N_("Bảng hỏi không có câu hỏi %(target)s."),
    "mapped_twice": N_("Câu hỏi %(target)s được gán cho nhiều cột: %(columns)s."),
    "no_unit_column": N_("Tệp không có cột mã đơn vị (bắt buộc)."),
    "missing_item_column": N_("Tệp không có cột cho câu hỏi bắt buộc %(item)s."),
    "unknown_header_mapping": N_("Tệp không có cột \"%(header)s\"."),
    # the rows
    "unit_missing": N_("Thiếu mã đơn vị."),
    "unit_unknown": N_("Không có đơn vị nào mang mã %(code)s."),
    "unit_unknown_zeros": N_(
        "Không có đơn vị nào mang mã %(code)s; có phải là %(suggestion)s? Excel bỏ số 0 ở đầu "
        "khi ô là kiểu số: hãy định dạng cột là Văn bản."
    ),
    "unit_not_valid": N_("Đơn vị %(code)s không còn hiệu lực vào ngày %(day)s."),
    "unit_out_of_scope": N_("Đơn vị %(code)s không thuộc phạm vi của đợt khảo sát %(round)s."),
    "bad_date": N_("Ngày không hợp lệ; hãy ghi theo dạng ngày/tháng/năm, ví dụ 15/03/2025."),
    "date_outside_round": N_("Ngày %(day)s nằm ngoài thời gian của đợt khảo sát (%(start)s – %(end)s)."),
    "date_in_future": N_("Ngày %(day)s ở trong tương lai."),
    "bad_weight": N_("Trọng số phải là một số dương."),
    "too_long_design": N_("Giá trị quá dài (tối đa %(max)s ký tự)."),
    "form_repeated": N_("Phiếu số %(form)s của đơn vị %(unit)s đã có ở dòng %(row)s."),
    "form_conflict": N_(
        "Phiếu số %(form)s của đơn vị %(unit)s đã được nhập trước đó với câu trả lời khác."
    ),
    "duplicate_form": N_("Phiếu số %(form)s của đơn vị %(unit)s đã được nhập trước đó; bỏ qua."),
    "not_an_option": N_(
        "Không phải mã hay tên của một lựa chọn của câu hỏi %(item)s (các mã: %(options)s)."
    ),
    "not_a_number": N_("Câu hỏi %(item)s cần một số."),
    # answers, as the questionnaire judges them
    "required": N_("Thiếu câu trả lời cho câu hỏi bắt buộc %(item)s."),
    "wrong_type": N_("Câu trả lời không đúng kiểu cho câu hỏi %(item)s."),
    "unknown_option": N_(
        "%(value)s không phải là lựa chọn của câu hỏi %(item)s (các mã: %(options)s)."
    ),
    "not_integer": N_("Câu hỏi %(item)s cần một số nguyên."),
    "below_min": N_("Câu trả lời cho câu hỏi %(item)s phải từ %(min)s trở lên."),
    "above_max": N_("Câu trả lời cho câu hỏi %(item)s không được lớn hơn %(max)s."),
    "too_long": N_("Câu trả lời quá dài (%(length)s ký tự; tối đa %(max_length)s)."),
    "too_few_choices": N_("Câu hỏi %(item)s cần chọn ít nhất %(min)s mục."),
    "too_many_choices": N_("Câu hỏi %(item)s chỉ được chọn tối đa %(max)s mục."),
    "duplicate_choice": N_("Lựa chọn %(value)s bị ghi hai lần."),
    "exclusive_choice": N_("Lựa chọn %(value)s không đi cùng các lựa chọn khác."),
    "not_relevant": N_(
        "Câu hỏi %(item)s không áp dụng cho phiếu này (điều kiện: %(condition)s); hãy để trống."
    ),
    "unknown_item": N_("Câu hỏi %(item)s không có trong bảng hỏi."),
}

Gettext = Callable[..., str]


def _vietnamese(message: str, **variables: Any) -> str:
    return message % variables if variables else message


# --- results ---------------------------------------------------------------------


@dataclass(frozen=True)
class ImportProblem:
    """One problem (or notice) with where it is: Excel row (header = 1), column, value."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)
    row: int | None = None
    column: str | None = None  # column letter, as in Excel
    header: str | None = None
    value: str | None = None

    def message(self, gettext: Gettext = _vietnamese) -> str:
        """The message in the language of ``gettext`` (flask_babel's or the CLI's)."""
        return gettext(MESSAGES[self.key], **self.params)

    def where(self, filename: str = "") -> str:
        """``FILE:row N, column C (header)`` as far as it is known."""
        parts = []
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column}" + (f" ({self.header})" if self.header else ""))
        return f"{filename}:" + ", ".join(parts) if parts else filename

    def line(self, filename: str, gettext: Gettext = _vietnamese) -> str:
        """One line of the CLI report."""
        value = f" value '{self.value}':" if self.value is not None and self.row is not None else ""
        return f"{self.where(filename)}:{value} {self.message(gettext)}"


class ConcurrentImportError(RuntimeError):
    """A row's response was stored by another import between checking and storing; nothing is kept."""

    def __init__(self, row: int):
        super().__init__(f"row {row}: its form was stored by another import meanwhile")
        self.row = row


class ImportFileError(ValueError):
    """The file cannot be read at all; ``problem`` says what and where."""

    def __init__(self, key: str, *, row: int | None = None, **params: Any):
        self.problem = ImportProblem(key, params, row=row)
        super().__init__(self.problem.message())


@dataclass
class Table:
    """A read file: headers and data rows with their Excel row numbers."""

    headers: list[str]
    rows: list[tuple[int, list[Any]]]
    notices: list[ImportProblem] = field(default_factory=list)


@dataclass(frozen=True)
class Column:
    index: int
    letter: str
    header: str
    target: str | None  # None: not mapped (a problem unless the column is empty)
    matched_by: str  # code | special | label | prefix | user | none


@dataclass
class ImportReport:
    """What an import found and did; ``ok`` when nothing is wrong."""

    filename: str
    sha256: str
    round_code: str
    columns: list[Column] = field(default_factory=list)
    rows: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    problem_count: int = 0
    notices: list[ImportProblem] = field(default_factory=list)
    duplicates: list[ImportProblem] = field(default_factory=list)
    already_imported: ImportBatch | None = None
    batch: ImportBatch | None = None
    created: int = 0
    designs: int = 0
    prepared: list[dict] = field(default_factory=list, repr=False)
    prepared_designs: list[dict | None] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    @property
    def mapping(self) -> dict[str, str]:
        return {c.header: c.target or IGNORE for c in self.columns if c.header}

    def add(self, problem: ImportProblem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)


# --- text helpers ----------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case without Vietnamese diacritics and extra spaces: 'Giới  tính' → 'gioi tinh'."""
    text = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().split())


def _header_key(text: str) -> str:
    return fold(text).rstrip(" .:?*")


def column_letter(index: int) -> str:
    """Excel column letter of a 0-based index: 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_text(value: Any) -> str:
    """A cell as the operator typed it (for the report)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")  # Vietnamese decimal comma
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _plain_number(number: float) -> int | float:
    return int(number) if number.is_integer() else number


def _format_number(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# --- reading files ---------------------------------------------------------------


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_table(
    data: bytes, filename: str, sheet: str | None = None, *, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS
) -> Table:
    """Read a CSV or XLSX file; raises :class:`ImportFileError` for a file that cannot be read."""
    if len(data) > max_bytes:
        raise ImportFileError(
            "too_large", size=f"{len(data) / 1048576:.1f}", max=f"{max_bytes / 1048576:g}"
        )
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data, sheet, max_rows)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError("old_xls")
    if PurePath(filename).suffix.lower() in (".xlsx", ".xlsm"):
        raise ImportFileError("bad_xlsx", reason="not a ZIP (XLSX) file")
    text, notices = _decode(data)
    table = _read_csv(text, max_rows)
    table.notices = notices + table.notices
    return table


def _decode(data: bytes) -> tuple[str, list[ImportProblem]]:
    if data.startswith(codecs.BOM_UTF8):
        return _decoded_utf8(data[len(codecs.BOM_UTF8):]), []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), [ImportProblem("converted_utf16")]
    head = data[:400]
    if len(head) >= 4 and head.count(0) * 3 >= len(head):
        zeros_at_odd = head[1::2].count(0) > head[0::2].count(0)
        try:
            return data.decode("utf-16-le" if zeros_at_odd else "utf-16-be"), [ImportProblem("converted_utf16")]
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        raise ImportFileError("not_text", offset=data.index(b"\x00"))
    try:
        return _decoded_utf8(data), []
    except ImportFileError as utf8_error:
        text = unicodedata.normalize("NFC", data.decode("cp1258", errors="replace"))
        if "\ufffd" not in text and _looks_vietnamese(text):
            return text, [ImportProblem("converted_cp1258")]
        raise utf8_error from None


def _decoded_utf8(data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ImportFileError("bad_encoding", line=data[: exc.start].count(b"\n") + 1) from None
    return unicodedata.normalize("NFC", text)


_ALLOWED_SYMBOLS = set("“”‘’–—…•°«»€\u00a0")


def _looks_vietnamese(text: str) -> bool:
    """Every non-ASCII character is a Vietnamese letter (legacy TCVN3/VNI text is not)."""
    for ch in set(text):
        if ch.isascii() and (ch.isprintable() or ch in "\t\r\n"):
            continue
        if ch in _ALLOWED_SYMBOLS:
            continue
        if unicodedata.combining(ch) or not ch.isalpha():
            return False
        if fold(ch) not in "aeiouyd":
            return False
    return True


def _read_csv(text: str, max_rows: int) -> Table:
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count) if first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers: list[str] | None = None
    rows: list[tuple[int, list[Any]]] = []
    row_number = 0
    try:
        for record in reader:
            row_number += 1
            if headers is None:
                headers = [h.strip() for h in record]
                continue
            if row_number - 1 > max_rows:
                raise ImportFileError("too_many_rows", max=max_rows)
            rows.append((row_number, record))
    except csv.Error as exc:
        raise ImportFileError("bad_csv", reason=str(exc), row=row_number + 1) from None
    return _finish(headers, rows)


def _finish(headers: list[str] | None, rows: list[tuple[int, list[Any]]]) -> Table:
    if headers is None or not any(cell_text(h) for h in headers):
        raise ImportFileError("empty_file")
    while headers and not cell_text(headers[-1]) and all(
        len(cells) < len(headers) or not cell_text(cells[len(headers) - 1]) for _, cells in rows
    ):
        headers.pop()
    rows = [(n, cells) for n, cells in rows if any(cell_text(c) for c in cells)]
    if not rows:
        raise ImportFileError("no_rows")
    return Table(headers=[cell_text(h) for h in headers], rows=rows)


def _read_xlsx(data: bytes, sheet: str | None, max_rows: int) -> Table:
    import warnings

    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and data validation it drops
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ImportFileError("bad_xlsx", reason=str(exc) or type(exc).__name__) from None
    try:
        if sheet:
            if sheet not in workbook.sheetnames:
                raise ImportFileError("no_sheet", sheet=sheet, sheets=", ".join(workbook.sheetnames))
            worksheet = workbook[sheet]
        else:
            worksheet = workbook.worksheets[0]
        headers: list[Any] | None = None
        rows: list[tuple[int, list[Any]]] = []
        for row in worksheet.iter_rows():
            cells = [c for c in row if getattr(c, "row", None) is not None]
            if not cells:
                continue
            number = cells[0].row
            values: list[Any] = [None] * (max(c.column for c in cells))
            for c in cells:
                values[c.column - 1] = c.value
            if number == 1:
                headers = values
                continue
            if headers is None:
                headers = []
            if len(rows) >= max_rows:
                raise ImportFileError("too_many_rows", max=max_rows)
            rows.append((number, values))
    finally:
        workbook.close()
    if headers is not None:
        width = max([len(headers), *(len(cells) for _, cells in rows)])
        headers = headers + [None] * (width - len(headers))
    return _finish(headers, rows)


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
        if item.required and item.relevant is None and item.code not in targets:
            report.add(ImportProblem("missing_item_column", {"item": item.code}))


# --- values --------------------------------------------------------------------------


class _ValueProblem(Exception):
    def __init__(self, key: str, **params: Any):
        self.key = key
        self.params = params


def _option_codes_text(item: Item) -> str:
    return ", ".join(str(code) for code in item.option_codes)


def _match_option(item: Item, text: str, *, positional: bool) -> Any:
    """The option code written as a code, a 1-based position (multiple choice) or a label."""
    number = _number(text)
    codes = item.option_codes
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
    raise _ValueProblem("not_an_option", item=item.code, options=_option_codes_text(item))


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


# --- checking and importing ----------------------------------------------------------


def _reference_day(survey_round: SurveyRound) -> date:
    return min(max(date.today(), survey_round.starts_on), survey_round.ends_on)


def _fmt_day(day: date) -> str:
    return format_local_date(day, "vi")  # a message parameter: the same digits in every language


def check_import(
    session: Session,
    survey_round: SurveyRound,
    data: bytes,
    filename: str,
    *,
    mapping: Mapping[str, str] | None = None,
    sheet: str | None = None,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> ImportReport:
    """Read and validate a file without storing anything; the report says what is wrong."""
    sha256 = file_sha256(data)
    report = ImportReport(filename=filename, sha256=sha256, round_code=survey_round.code)
    if Channel.PAPER.value not in survey_round.channels:
        report.add(ImportProblem("round_no_paper", {"round": survey_round.code}))
        return report
    if survey_round.status == RoundStatus.CLOSED:
        report.add(ImportProblem("round_closed", {"round": survey_round.code}))
        return report
    try:
        table = read_table(data, filename, sheet, max_bytes=max_bytes, max_rows=max_rows)
    except ImportFileError as exc:
        report.add(exc.problem)
        return report
    report.notices.extend(table.notices)
    report.rows = len(table.rows)
    questionnaire = questionnaire_for(survey_round.questionnaire_version)
    report.columns = map_columns(table.headers, questionnaire, mapping)
    previous = session.scalar(
        select(ImportBatch).where(ImportBatch.round_id == survey_round.id, ImportBatch.file_sha256 == sha256)
    )
    if previous is not None:
        report.already_imported = previous
        report.notices.append(ImportProblem(
            "already_imported", {"date": _fmt_day(previous.created_at), "batch": previous.id}
        ))
        return report
    _check_columns(report, table, questionnaire, mapping or {})
    if not report.ok:
        return report
    _check_rows(session, report, survey_round, questionnaire, table)
    return report


def _check_rows(
    session: Session, report: ImportReport, survey_round: SurveyRound, questionnaire: QuestionnaireDefinition, table: Table
) -> None:
    checker = _RowChecker(session, report, survey_round, questionnaire, table)
    for row, cells in table.rows:
        problems, prepared, design = checker.check(row, cells)
        for problem in problems:
            report.add(problem)
        if report.ok and prepared is not None:  # all or nothing: stop preparing once something is wrong
            report.prepared.append(prepared)
            report.prepared_designs.append(design or None)
    if report.ok:
        _find_stored_duplicates(session, report)
    else:
        report.prepared.clear()
        report.prepared_designs.clear()


class _RowChecker:
    """Checks one row at a time against the round, its units and its questionnaire."""

    def __init__(
        self, session: Session, report: ImportReport, survey_round: SurveyRound, questionnaire: QuestionnaireDefinition,
        table: Table,
    ):
        self.report = report
        self.round = survey_round
        self.questionnaire = questionnaire
        self.columns = {c.target: c for c in report.columns if c.target}
        unit_column = self.columns[UNIT]
        self.units = _Units(
            session, survey_round,
            (_unit_code(cells[unit_column.index]) for _, cells in table.rows if unit_column.index < len(cells)),
        )
        self.item_columns = [(questionnaire.item(t), c) for t, c in self.columns.items() if t in questionnaire]
        self.item_column = {item.code: c for item, c in self.item_columns}
        self.numeric_items = list(survey_round.questionnaire_version.numeric_items)
        self.reference_day = _reference_day(survey_round)
        self.today = date.today()
        self.now = utcnow()
        self.seen_forms: dict[tuple[str, str], int] = {}
        self.width = len(table.headers)
        # per row
        self.row = 0
        self.cells: list[Any] = []
        self.problems: list[ImportProblem] = []

    def cell(self, column: Column | None) -> Any:
        return self.cells[column.index] if column is not None and column.index < len(self.cells) else None

    def problem(self, key: str, column: Column | None, raw: Any = None, /, **params: Any) -> None:
        self.problems.append(ImportProblem(
            key, params, row=self.row,
            column=column.letter if column else None, header=column.header if column else None,
            value=cell_text(raw) if column is not None else None,
        ))

    def check(self, row: int, cells: list[Any]) -> tuple[list[ImportProblem], dict | None, dict[str, Any]]:
        """The row's problems, and the response row and design values when it has none."""
        self.row, self.cells, self.problems = row, cells, []
        if len(cells) > self.width and any(cell_text(c) for c in cells[self.width:]):
            self.problems.append(ImportProblem("ragged_row", {"cells": len(cells), "headers": self.width}, row=row))
        day = self.check_day()
        code = _unit_code(self.cell(self.columns[UNIT]))
        unit = self.check_unit(code, day)
        form = self.check_form(code)
        design = self.check_design()
        answers = self.check_answers()
        if self.problems:
            return self.problems, None, design
        assert unit is not None
        response_uuid = (
            paper_uuid(self.round.id, code, form) if form else _row_uuid(self.round.id, self.report.sha256, row)
        )
        response = prepare_response(
            questionnaire=self.questionnaire,
            numeric_items=self.numeric_items,
            version_id=self.round.questionnaire_version_id,
            round_id=self.round.id,
            unit_id=unit.id,
            channel=Channel.PAPER,
            answers=answers,
            response_uuid=response_uuid,
            submitted_at=min(datetime.combine(day, time(12), LOCAL_TZ), self.now),
            now=self.now,
            answers_checked=True,  # check_answers reported every problem with its cell
        )
        prepared = {**response, "_row": row, "_form": form, "_unit_code": code}
        return [], prepared, design

    def check_day(self) -> date:
        column = self.columns.get(DATE)
        raw = self.cell(column)
        if column is None or not cell_text(raw):
            return self.reference_day
        try:
            day = parse_day(raw)
        except _ValueProblem as exc:
            self.problem(exc.key, column, raw, **exc.params)
            return self.reference_day
        if day > self.today:
            self.problem("date_in_future", column, raw, day=_fmt_day(day))
        elif not self.round.starts_on <= day <= self.round.ends_on:
            self.problem("date_outside_round", column, raw, day=_fmt_day(day),
                         start=_fmt_day(self.round.starts_on), end=_fmt_day(self.round.ends_on))
        return day

    def check_unit(self, code: str, day: date) -> Unit | None:
        column = self.columns[UNIT]
        if not code:
            self.problem("unit_missing", column, "")
            return None
        if code not in self.units.by_code:
            suggestion = self.units.suggestion(code)
            if suggestion:
                self.problem("unit_unknown_zeros", column, code, code=code, suggestion=suggestion)
            else:
                self.problem("unit_unknown", column, code, code=code)
            return None
        valid = [u for u in self.units.by_code[code] if u.is_valid_on(day)]
        in_scope = [u for u in valid if u.id in self.units.scope]
        if not valid:
            self.problem("unit_not_valid", column, code, code=code, day=_fmt_day(day))
        elif not in_scope:
            self.problem("unit_out_of_scope", column, code, code=code, round=self.round.code)
        else:
            return max(in_scope, key=lambda u: u.valid_from or date.min)
        return None

    def check_form(self, code: str) -> str | None:
        column = self.columns.get(FORM)
        if column is None:
            return None
        form = _form_number(self.cell(column)) or None
        if form is not None and code:
            first = self.seen_forms.setdefault((code, form), self.row)
            if first != self.row:
                self.problem("form_repeated", column, self.cell(column), form=form, unit=code, row=first)
        return form

    def check_design(self) -> dict[str, Any]:
        design: dict[str, Any] = {}
        for target, attribute in DESIGN_TARGETS.items():
            column = self.columns.get(target)
            raw = self.cell(column)
            text = cell_text(raw)
            if column is None or not text:
                continue
            if target == WEIGHT:
                weight = _number(raw)
                if weight is None or weight <= 0:
                    self.problem("bad_weight", column, raw)
                design[attribute] = weight
            elif len(text) > 64:
                self.problem("too_long_design", column, raw, max=64)
            else:
                design[attribute] = text
        return design

    def check_answers(self) -> dict[str, Any]:
        answers: dict[str, Any] = {}
        unreadable: set[str] = set()
        for item, column in self.item_columns:
            raw = self.cell(column)
            try:
                value = parse_answer(item, raw)
            except _ValueProblem as exc:
                self.problem(exc.key, column, raw, **exc.params)
                unreadable.add(item.code)
                continue
            if value is not None:
                answers[item.code] = value
        for item_code, verdict in self.questionnaire.validate_answers(answers).items():
            if item_code in unreadable:
                continue  # already reported; "required" would only repeat it
            column = self.item_column.get(item_code)
            self.problem(getattr(verdict, "key", "wrong_type"), column, self.cell(column),
                         **_answer_params(self.questionnaire, item_code, verdict))
        return answers




def _answer_params(questionnaire: QuestionnaireDefinition, item_code: str, verdict: Any) -> dict[str, Any]:
    params = {k: _format_number(v) for k, v in getattr(verdict, "params", {}).items()}
    params["item"] = item_code
    if item_code in questionnaire:
        item = questionnaire.item(item_code)
        params["options"] = _option_codes_text(item)
        params["condition"] = item.relevant or ""
    params.setdefault("value", "")
    for key in ("min", "max", "length", "max_length"):
        params.setdefault(key, "")
    return params


def _find_stored_duplicates(session: Session, report: ImportReport) -> None:
    """Forms stored before (from another file): the same answers are skipped, others are errors."""
    by_uuid = {row["uuid"]: i for i, row in enumerate(report.prepared)}
    uuids = list(by_uuid)
    stored: dict[uuid_module.UUID, dict] = {}
    for start in range(0, len(uuids), 500):
        for uuid_value, answers in session.execute(
            select(Response.uuid, Response.answers).where(Response.uuid.in_(uuids[start:start + 500]))
        ):
            stored[uuid_value] = answers
    if not stored:
        return
    skip = set()
    for uuid_value, answers in stored.items():
        i = by_uuid[uuid_value]
        row = report.prepared[i]
        params = {"form": row["_form"], "unit": row["_unit_code"]}
        if answers == row["answers"]:
            report.duplicates.append(ImportProblem("duplicate_form", params, row=row["_row"]))
            skip.add(i)
        else:
            report.add(ImportProblem("form_conflict", params, row=row["_row"]))
    report.duplicates.sort(key=lambda p: p.row or 0)
    if not report.ok:
        report.prepared.clear()
        report.prepared_designs.clear()
        return
    report.prepared = [r for i, r in enumerate(report.prepared) if i not in skip]
    report.prepared_designs = [d for i, d in enumerate(report.prepared_designs) if i not in skip]


def run_import(
    session: Session,
    survey_round: SurveyRound,
    data: bytes,
    filename: str,
    *,
    mapping: Mapping[str, str] | None = None,
    sheet: str | None = None,
    user: StaffUser | None = None,
    dry_run: bool = False,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> ImportReport:
    """Check a file and, when nothing is wrong, store all its responses (flush only).

    Stores nothing when any row has a problem, when the file was imported into
    this round before, or with ``dry_run``. The caller commits.
    """
    report = check_import(
        session, survey_round, data, filename, mapping=mapping, sheet=sheet, max_bytes=max_bytes, max_rows=max_rows
    )
    if not report.ok or report.already_imported is not None or dry_run:
        return report
    batch = ImportBatch(
        round_id=survey_round.id,
        user_id=user.id if user is not None else None,
        filename=PurePath(filename).name[:255] or "-",
        file_sha256=report.sha256,
        mapping=report.mapping,
        rows=report.rows,
    )
    try:
        with session.begin_nested():
            session.add(batch)
    except IntegrityError:
        # Another import of the same file won the race.
        previous = session.scalar(
            select(ImportBatch).where(ImportBatch.round_id == survey_round.id, ImportBatch.file_sha256 == report.sha256)
        )
        if previous is None:
            raise
        report.already_imported = previous
        report.notices.append(ImportProblem(
            "already_imported", {"date": _fmt_day(previous.created_at), "batch": previous.id}
        ))
        return report
    ids = store_responses(session, report.prepared)
    if None in ids:
        # A form checked as new was stored meanwhile (another import of it): all or nothing.
        raise ConcurrentImportError(report.prepared[ids.index(None)]["_row"])
    designs = [{"response_id": i, **d} for i, d in zip(ids, report.prepared_designs) if d]
    if designs:
        session.execute(insert(ResponseDesign), designs)
    session.flush()
    report.batch = batch
    report.created = len(ids)
    report.designs = len(designs)
    report.prepared = []
    report.prepared_designs = []
    return report
