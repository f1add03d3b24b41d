"""Paper import: special targets, messages, problems, the report, and the text of cells."""

from __future__ import annotations

import math
import unicodedata
import uuid as uuid_module
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time
from typing import Any

from survey.models import (
    ImportBatch,
)
from survey.settings import DefaultConfig

MAX_BYTES = DefaultConfig.IMPORT_MAX_BYTES
MAX_ROWS = DefaultConfig.IMPORT_MAX_ROWS


@dataclass(frozen=True)
class FileLimits:
    """Bounds of an uploaded table: the IMPORT_MAX_* and XLSX_MAX_* settings of survey/settings.py."""

    max_bytes: int = DefaultConfig.IMPORT_MAX_BYTES
    max_rows: int = DefaultConfig.IMPORT_MAX_ROWS
    xlsx_unpacked: int = DefaultConfig.XLSX_MAX_UNPACKED_BYTES
    xlsx_shared_strings: int = DefaultConfig.XLSX_MAX_SHARED_STRINGS_BYTES
    xlsx_ratio: float = DefaultConfig.XLSX_MAX_RATIO
    xlsx_cells: int = DefaultConfig.XLSX_MAX_CELLS

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> FileLimits:
        """The limits an app's configuration sets (a key it lacks keeps the default)."""
        return cls(**{f.name: config.get(_LIMIT_KEYS[f.name], f.default) for f in fields(cls)})


_LIMIT_KEYS = {
    "max_bytes": "IMPORT_MAX_BYTES", "max_rows": "IMPORT_MAX_ROWS",
    "xlsx_unpacked": "XLSX_MAX_UNPACKED_BYTES", "xlsx_shared_strings": "XLSX_MAX_SHARED_STRINGS_BYTES",
    "xlsx_ratio": "XLSX_MAX_RATIO", "xlsx_cells": "XLSX_MAX_CELLS",
}
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
    "xlsx_unpacked": N_(
        "Tệp Excel %(file)s giải nén ra quá lớn: phần %(part)s là %(size)s MB, tối đa %(max)s MB. "
        "Hãy lưu lại tệp bằng Excel hoặc chia thành nhiều tệp."
    ),
    "xlsx_ratio": N_(
        "Tệp Excel %(file)s bị nén bất thường: phần %(part)s giải nén lớn gấp %(ratio)s lần, tối đa %(max)s lần. "
        "Hãy lưu lại tệp bằng Excel."
    ),
    "xlsx_too_many_cells": N_(
        "Tệp Excel %(file)s có hơn %(max)s ô (kể cả ô trống đến cột cuối của mỗi dòng; vượt ở dòng %(line)s). "
        "Hãy xoá các cột thừa hoặc chia thành nhiều tệp."
    ),
    "xlsx_entities": N_(
        "Tệp Excel %(file)s có khai báo DTD hay thực thể XML (%(part)s), không được phép vì lý do an toàn. "
        "Hãy lưu lại tệp bằng Excel."
    ),
    "no_sheet": N_("Tệp không có trang tính \"%(sheet)s\"; các trang tính: %(sheets)s."),
    "not_text": N_("Tệp không phải CSV hay XLSX (có byte nhị phân ở khoảng byte %(offset)s)."),
    "bad_encoding": N_(
        "Tệp không phải UTF-8 (byte lạ ở dòng %(line)s) và cũng không phải tiếng Việt Windows-1258; "
        "có thể là bảng mã cũ như TCVN3 hay VNI. Hãy lưu lại thành \"CSV UTF-8\"."
    ),
    "converted_cp1258": N_("Tệp được mã hoá Windows-1258 (CP1258); đã chuyển sang UTF-8 để đọc."),
    "bad_utf16": N_(
        "Tệp bắt đầu như UTF-16 nhưng bị hỏng hoặc bị cắt (byte lạ ở khoảng byte %(offset)s). "
        "Hãy lưu lại thành \"CSV UTF-8\"."
    ),
    "converted_utf16": N_("Tệp được mã hoá UTF-16; đã chuyển sang UTF-8 để đọc."),
    "bad_csv": N_("Lỗi định dạng CSV: %(reason)s"),
    "ragged_row": N_("Dòng có %(cells)s ô nhưng dòng tiêu đề chỉ có %(headers)s cột."),
    "already_imported": N_("Tệp này đã được nhập ngày %(date)s (lô %(batch)s); không lưu thêm gì."),
    "round_no_paper": N_("Đợt khảo sát %(round)s không nhận phiếu giấy."),
    "round_closed": N_("Đợt khảo sát %(round)s đã đóng."),
    "round_draft": N_("Đợt khảo sát %(round)s chưa mở: hãy mở đợt trước khi nhập phiếu."),
    # the columns
    "duplicate_header": N_("Tiêu đề \"%(header)s\" có ở cả cột %(first)s và cột %(second)s."),
    "blank_header": N_("Cột không có tiêu đề nhưng có dữ liệu."),
    "unmapped_column": N_(
        "Cột không khớp với câu hỏi nào của bảng hỏi; hãy chọn câu hỏi cho cột này hoặc chọn \"Bỏ qua\"."
    ),
    "unknown_target": N_("Bảng hỏi không có câu hỏi %(target)s."),
    "mapped_twice": N_("Câu hỏi %(target)s được gán cho nhiều cột: %(columns)s."),
    "no_unit_column": N_("Tệp không có cột mã đơn vị (bắt buộc)."),
    "missing_item_column": N_("Tệp không có cột cho câu hỏi %(item)s, câu bắt buộc trên phiếu giấy."),
    "scale_above": N_(
        "Lưu ý: cột %(column)s (\"%(header)s\") được ghép theo tiêu đề với câu %(item)s, thang %(options)s, "
        "nhưng cột có giá trị đến %(max)s; hãy kiểm tra cột này có đúng là câu %(item)s không."
    ),
    "scale_yesno": N_(
        "Lưu ý: cột %(column)s (\"%(header)s\") được ghép theo tiêu đề với câu %(item)s, thang %(options)s, "
        "nhưng cột ghi Có/Không; hãy kiểm tra cột này có đúng là câu %(item)s không."
    ),
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
    "not_an_option": N_("«%(value)s» không phải phương án của câu %(item)s; chọn %(options)s."),
    "no_not_experienced": N_(
        "Câu %(item)s không có phương án «Không trải nghiệm» (9), nên «%(value)s» không được nhận; "
        "chọn %(options)s, hoặc để trống."
    ),
    "not_a_number": N_("Câu hỏi %(item)s cần một số."),
    # answers, as the questionnaire judges them
    "required": N_("Thiếu câu trả lời cho câu %(item)s, câu bắt buộc trên phiếu giấy."),
    "empty_form": N_("Phiếu trống: dòng có mã đơn vị nhưng không có câu trả lời nào."),
    "wrong_type": N_("Câu trả lời không đúng kiểu cho câu hỏi %(item)s."),
    "unknown_option": N_("«%(value)s» không phải phương án của câu %(item)s; chọn %(options)s."),
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

    def where(self, gettext: Gettext = _vietnamese) -> str:
        """Where it is, as the operator finds it in Excel: ``Ô E7 (Câu 5)``, ``Dòng 7`` or ``Cột E (Câu 5)``."""
        header = f" ({self.header})" if self.header else ""
        if self.row is not None and self.column is not None:
            return gettext("Ô %(cell)s", cell=f"{self.column}{self.row}") + header
        if self.row is not None:
            return gettext("Dòng %(row)s", row=self.row)
        if self.column is not None:
            return gettext("Cột %(column)s", column=self.column) + header
        return ""

    def line(self, filename: str, gettext: Gettext = _vietnamese) -> str:
        """One line of the CLI report: ``FILE: Ô E7 (Câu 5): «6» không phải phương án; chọn …``."""
        where = self.where(gettext)
        shown = "%(value)s" in MESSAGES[self.key] or not self.value or self.row is None
        value = "" if shown else f" «{self.value}»"
        return f"{filename}: {where}{value}: {self.message(gettext)}" if where else f"{filename}: {self.message(gettext)}"


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
