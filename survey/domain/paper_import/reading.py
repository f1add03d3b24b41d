"""Paper import: reading CSV (UTF-8, UTF-16, Windows-1258) and XLSX files into a table.

:func:`read_table` is the one reader of uploaded tables in SIPAS (paper import,
units, the sample frame). An XLSX file is a ZIP of XML parts, so a small upload
can unpack to gigabytes or expand XML entities (billion laughs): before openpyxl
parses anything the archive's unpacked sizes and ratios are bounded
(:func:`check_xlsx_archive`); openpyxl parses through defusedxml (a dependency),
which refuses entity declarations; and the cells read, empty ones padded up to
each row's last column included, are counted. The bounds are :class:`FileLimits`, from the
IMPORT_MAX_* and XLSX_MAX_* settings.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import unicodedata
import warnings
import zipfile
from dataclasses import replace
from pathlib import PurePath
from typing import Any

from defusedxml import DefusedXmlException

from survey.domain.paper_import.report import (
    FileLimits,
    ImportFileError,
    ImportProblem,
    Table,
    cell_text,
    fold,
)

_MB = 1024 * 1024

# --- reading files ---------------------------------------------------------------


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_table(
    data: bytes, filename: str, sheet: str | None = None, *, max_bytes: int | None = None,
    max_rows: int | None = None, limits: FileLimits | None = None,
) -> Table:
    """Read a CSV or XLSX file within ``limits`` (``max_bytes``/``max_rows`` override theirs);
    raises :class:`ImportFileError` for a file that cannot be read."""
    limits = limits or FileLimits()
    limits = replace(limits, max_bytes=max_bytes or limits.max_bytes, max_rows=max_rows or limits.max_rows)
    if len(data) > limits.max_bytes:
        raise ImportFileError(
            "too_large", size=f"{len(data) / 1048576:.1f}", max=f"{limits.max_bytes / 1048576:g}"
        )
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data, filename, sheet, limits)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError("old_xls")
    if PurePath(filename).suffix.lower() in (".xlsx", ".xlsm"):
        raise ImportFileError("bad_xlsx", reason="not a ZIP (XLSX) file")
    text, notices = _decode(data)
    table = _read_csv(text, limits.max_rows)
    table.notices = notices + table.notices
    return table


def _decode(data: bytes) -> tuple[str, list[ImportProblem]]:
    if data.startswith(codecs.BOM_UTF8):
        return _decoded_utf8(data[len(codecs.BOM_UTF8):]), []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), [ImportProblem("converted_utf16")]
        except UnicodeDecodeError as exc:  # a BOM, then an odd byte or a lone surrogate: damaged or cut short
            raise ImportFileError("bad_utf16", offset=exc.start) from None
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


def check_xlsx_archive(archive: zipfile.ZipFile, filename: str, limits: FileLimits) -> None:
    """Refuse an XLSX whose parts unpack too large or too densely, before anything is unpacked.

    The sizes are those the ZIP declares; Python's zipfile never unpacks more
    than the declared size of a part (and checks its CRC), so they hold.
    """
    total = 0
    most = limits.xlsx_unpacked
    for info in archive.infolist():
        total += info.file_size
        part_limit = limits.xlsx_shared_strings if info.filename.endswith("sharedStrings.xml") else most
        if info.file_size > part_limit or total > most:
            raise ImportFileError(
                "xlsx_unpacked", file=filename, part=info.filename,
                size=f"{max(info.file_size, total) / _MB:.0f}",
                max=f"{(part_limit if info.file_size > part_limit else most) / _MB:g}",
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _MB and ratio > limits.xlsx_ratio:
            raise ImportFileError("xlsx_ratio", file=filename, part=info.filename, ratio=f"{ratio:.0f}",
                                  max=f"{limits.xlsx_ratio:g}")


def _open_workbook(data: bytes, filename: str, limits: FileLimits):
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_xlsx_archive(archive, filename, limits)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and data validation it drops
            return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ImportFileError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise _unreadable(exc, filename, "workbook") from None


def _unreadable(exc: BaseException, filename: str, part: str) -> ImportFileError:
    """The error for a file openpyxl cannot read; defusedxml's refusal may hide behind openpyxl's own error."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, DefusedXmlException):
            return ImportFileError("xlsx_entities", file=filename, part=part)
        cause = cause.__cause__ or cause.__context__
    return ImportFileError("bad_xlsx", reason=str(exc) or type(exc).__name__)


def _read_xlsx(data: bytes, filename: str, sheet: str | None, limits: FileLimits) -> Table:
    workbook = _open_workbook(data, filename, limits)
    try:
        if sheet:
            if sheet not in workbook.sheetnames:
                raise ImportFileError("no_sheet", sheet=sheet, sheets=", ".join(workbook.sheetnames))
            worksheet = workbook[sheet]
        else:
            worksheet = workbook.worksheets[0]
        worksheet.reset_dimensions()  # a forged dimension (A1:XFD1048576) would pad every row
        headers, rows = _sheet_rows(worksheet, filename, limits)
    except ImportFileError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise _unreadable(exc, filename, sheet or "sheet") from None
    finally:
        workbook.close()
    if headers is not None:
        width = max([len(headers), *(len(cells) for _, cells in rows)])
        headers = headers + [None] * (width - len(headers))
    return _finish(headers, rows)


def _sheet_rows(worksheet, filename: str, limits: FileLimits) -> tuple[list[Any] | None, list[tuple[int, list[Any]]]]:
    """The header row and the data rows of a sheet, within the row and cell bounds."""
    max_rows, max_cells = limits.max_rows, limits.xlsx_cells
    headers: list[Any] | None = None
    rows: list[tuple[int, list[Any]]] = []
    cell_count = 0
    for row in worksheet.iter_rows():
        cells = [c for c in row if getattr(c, "row", None) is not None]
        if not cells:
            continue
        number = cells[0].row
        if number > max_rows + 1:
            raise ImportFileError("too_many_rows", max=max_rows)
        width = max(c.column for c in cells)
        cell_count += width
        if cell_count > max_cells:
            raise ImportFileError("xlsx_too_many_cells", file=filename, max=f"{max_cells:,}".replace(",", "."),
                                  line=number)
        values: list[Any] = [None] * width
        for c in cells:
            values[c.column - 1] = c.value
        if number == 1:
            headers = values
            continue
        if headers is None:
            headers = []
        rows.append((number, values))
    return headers, rows
