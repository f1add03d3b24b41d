"""Files handed to others: CSV dialects, the language of headers, ``sipas indices`` tables.

* **Language.** :func:`export_language` fixes the language of the headers and
  labels written inside it (``--lang`` of the CLI, the page's language on the
  web); :func:`_` translates into it, else into the usual current language.
* **CSV dialects.** ``standard``: ``,`` between fields and a decimal point, what
  scripts and R read. ``excel-vn``: ``;`` between fields and a decimal comma,
  what Excel under Vietnamese regional settings opens into columns with a
  double click. Both are UTF-8 with a byte-order mark, so Excel shows the
  diacritics.
* **Index tables** (:func:`indices_csv`, :func:`indices_xlsx`): the records of
  ``sipas indices`` with headers in Vietnamese or English; in Excel the indices
  are numbers with the format ``0.00" %"`` (90,29 % in Vietnamese Excel), the
  standard errors in percentage points with two decimals, counts with
  thousands separators.

No database, Flask or pandas import here: ``sipas indices`` must start fast.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Literal

from survey.domain.spreadsheet_cells import append_row, csv_cell
from survey.i18n import catalog, current_language

CsvDialect = Literal["standard", "excel-vn"]
CSV_DIALECTS: tuple[str, ...] = ("standard", "excel-vn")
PERCENT_FORMAT = '0.00" %"'  # 90.29 -> "90,29 %" in Vietnamese Excel
POINTS_FORMAT = "0.00"
COUNT_FORMAT = "#,##0"
DF_FORMAT = "0"
P_FORMAT = "0.0000"
# statistics of ``sipas indices`` on the 0-100 percentage scale (mean scores keep their own scale)
PERCENT_STATISTICS = ("index", "share")

_language: ContextVar[str | None] = ContextVar("export_language", default=None)


@contextmanager
def export_language(lang: str | None) -> Iterator[None]:
    """Write headers and labels in ``lang`` (``vi``/``en``; None: the current language) inside the block."""
    token = _language.set(lang)
    try:
        yield
    finally:
        _language.reset(token)


def _(message: str, **variables: object) -> str:
    """``message`` (Vietnamese) in the export's language, with ``%(name)s`` variables filled in."""
    text = catalog(_language.get() or current_language()).gettext(message)
    return text % variables if variables else text


def check_dialect(dialect: str) -> CsvDialect:
    """``dialect`` if known, else a :class:`ValueError` naming the choices."""
    if dialect not in CSV_DIALECTS:
        raise ValueError(
            _("Kiểu CSV không hỗ trợ: %(dialect)s (chọn %(choices)s).", dialect=dialect, choices=", ".join(CSV_DIALECTS))
        )
    return dialect  # type: ignore[return-value]


def csv_number(value: Any, dialect: CsvDialect = "standard") -> Any:
    """A CSV cell: floats to at most 6 decimals (comma in ``excel-vn``), NaN blank, text guarded."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        text = f"{value:.6f}".rstrip("0").rstrip(".")
        text = "0" if text in ("-0", "") else text
        return text.replace(".", ",") if dialect == "excel-vn" else text
    return "" if value is None else csv_cell(value)


def csv_bytes(blocks: Sequence[tuple[Sequence[str], Sequence[Sequence[Any]]]], dialect: CsvDialect = "standard") -> bytes:
    """CSV (UTF-8 with BOM, CRLF) of one or more ``(header, rows)`` blocks, a blank line between blocks."""
    check_dialect(dialect)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if dialect == "excel-vn" else ",", lineterminator="\r\n")
    for k, (header, rows) in enumerate(blocks):
        if k:
            out.write("\r\n")
        writer.writerow([csv_cell(h) for h in header])
        for row in rows:
            writer.writerow([csv_number(v, dialect) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def set_column_widths(sheet: Any, headers: Sequence[str], rows: Sequence[Sequence[Any]], *, widest: int = 45) -> None:
    """Columns as wide as their header or longest value (numbers count 10), between 8 and ``widest``."""
    from openpyxl.utils import get_column_letter

    for j, header in enumerate(headers):
        longest = len(str(header))
        for row in rows:
            value = row[j] if j < len(row) else None
            size = 10 if isinstance(value, (int, float)) else len(str(value or ""))
            longest = max(longest, size)
        sheet.column_dimensions[get_column_letter(j + 1)].width = max(8, min(widest, longest + 2))


# --------------------------------------------------------------------------- sipas indices tables


def _reliability(value: str) -> str:
    return _("Ước lượng được") if value == "ok" else _("Không ước lượng được / không tin cậy")


def indices_columns() -> list[tuple[str, str, str | None]]:
    """(key, header, Excel number format) of an index record; ``None``: text, or by row (estimates)."""
    return [
        ("index", _("Mã chỉ số"), None),
        ("level", _("Cấp chỉ số"), None),
        ("domain", _("Miền ước lượng"), None),
        ("statistic", _("Loại thống kê"), None),
        ("code", _("Mã phương án"), None),
        ("estimate", _("Giá trị (%)"), None),
        ("se", _("Sai số chuẩn (điểm %)"), POINTS_FORMAT),
        ("ci_low", _("Cận dưới khoảng tin cậy (%)"), None),
        ("ci_high", _("Cận trên khoảng tin cậy (%)"), None),
        ("df", _("Bậc tự do"), DF_FORMAT),
        ("n", _("Số phiếu hợp lệ"), COUNT_FORMAT),
        ("deff", _("Hiệu ứng thiết kế"), POINTS_FORMAT),
        ("ci_method", _("Phương pháp khoảng tin cậy"), None),
        ("reliability", _("Độ tin cậy của ước lượng"), None),
    ]


def comparison_columns() -> list[tuple[str, str, str | None]]:
    """(key, header, Excel number format) of a comparison of two domains."""
    return [
        ("index", _("Mã chỉ số"), None),
        ("level", _("Cấp chỉ số"), None),
        ("a", _("Miền A"), None),
        ("b", _("Miền B"), None),
        ("difference", _("Chênh lệch A − B (điểm %)"), POINTS_FORMAT),
        ("se", _("Sai số chuẩn (điểm %)"), POINTS_FORMAT),
        ("ci_low", _("Cận dưới khoảng tin cậy (điểm %)"), POINTS_FORMAT),
        ("ci_high", _("Cận trên khoảng tin cậy (điểm %)"), POINTS_FORMAT),
        ("p_value", _("Giá trị p"), P_FORMAT),
        ("df", _("Bậc tự do"), DF_FORMAT),
    ]


def header_keys() -> dict[str, str]:
    """Every header of :func:`indices_columns` in Vietnamese and English, to its key (readers of these files)."""
    keys: dict[str, str] = {}
    for lang in ("vi", "en"):
        with export_language(lang):
            keys.update({header: key for key, header, _fmt in indices_columns()})
    return keys


def _domain_text(domain: dict[str, Any] | None) -> str:
    return "" if domain is None else ", ".join(f"{k}={v}" for k, v in domain.items())


def _number(value: Any) -> Any:
    if value is None:
        return None
    value = float(value)
    if not math.isfinite(value):
        return None
    return value


def index_rows(records: Sequence[Any]) -> list[list[Any]]:
    """Rows of index records in the order of :func:`indices_columns` (NaN as blank)."""
    rows = []
    for r in records:
        df = None if r.df is None or not math.isfinite(r.df) else (int(r.df) if float(r.df).is_integer() else r.df)
        rows.append([
            r.index, r.level, _domain_text(r.domain), r.statistic, r.code,
            _number(r.estimate), _number(r.se), _number(r.ci_low), _number(r.ci_high),
            df, int(r.n), _number(r.deff), r.ci_method, _reliability(r.reliability),
        ])
    return rows


def comparison_rows(comparisons: Sequence[Any]) -> list[list[Any]]:
    """Rows of comparison records in the order of :func:`comparison_columns`."""
    return [
        [c.index, c.level, _domain_text(c.a), _domain_text(c.b), _number(c.difference), _number(c.se),
         _number(c.ci_low), _number(c.ci_high), _number(c.p_value), _number(c.df)]
        for c in comparisons
    ]


def indices_csv(result: Any, *, lang: str | None = None, dialect: CsvDialect = "standard") -> bytes:
    """The records of ``sipas indices`` (then its comparisons, after a blank line) as CSV."""
    with export_language(lang):
        blocks: list[tuple[Sequence[str], Sequence[Sequence[Any]]]] = [
            ([h for _k, h, _f in indices_columns()], index_rows(result.records))
        ]
        if result.comparisons:
            blocks.append(([h for _k, h, _f in comparison_columns()], comparison_rows(result.comparisons)))
        return csv_bytes(blocks, dialect)


def _write_sheet(sheet: Any, columns: list[tuple[str, str, str | None]], rows: list[list[Any]],
                 row_formats: list[str] | None = None) -> None:
    from openpyxl.styles import Font

    headers = [h for _k, h, _f in columns]
    append_row(sheet, headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        append_row(sheet, row)
    by_row = {"estimate", "ci_low", "ci_high"}
    for j, (key, _h, fmt) in enumerate(columns, start=1):
        for i, (cell,) in enumerate(sheet.iter_rows(min_row=2, min_col=j, max_col=j)):
            if fmt:
                cell.number_format = fmt
            elif key in by_row and row_formats is not None:
                cell.number_format = row_formats[i]
    set_column_widths(sheet, headers, rows)
    sheet.freeze_panes = "D2"


def indices_xlsx(result: Any, *, lang: str | None = None, about: Sequence[tuple[str, Any]] = ()) -> bytes:
    """The records of ``sipas indices`` as an Excel workbook: indices, comparisons, and what was computed."""
    from openpyxl import Workbook

    with export_language(lang):
        workbook = Workbook()
        workbook.remove(workbook.active)
        formats = [PERCENT_FORMAT if r.statistic in PERCENT_STATISTICS else POINTS_FORMAT for r in result.records]
        _write_sheet(workbook.create_sheet(_("Chỉ số")), indices_columns(), index_rows(result.records), formats)
        _write_sheet(workbook.create_sheet(_("So sánh")), comparison_columns(), comparison_rows(result.comparisons))
        sheet = workbook.create_sheet(_("Thông tin"))
        for label, value in [
            (_("Mức tin cậy"), float(result.level)),
            (_("Bậc tự do của cả thiết kế"), int(result.design_df)),
            *about,
        ]:
            append_row(sheet, [label, value])
        sheet["B1"].number_format = "0%"
        sheet.column_dimensions["A"].width = 36
        sheet.column_dimensions["B"].width = 60
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()
