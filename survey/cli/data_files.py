"""Input and output files of the statistics commands: refused with a message that says what and where.

A DATA file (CSV or XLSX) that cannot be read as a table stops the command with
a Vietnamese message (English with ``SIPAS_LANG=en``) naming the file and, where
it applies, the line: missing, a folder, empty, binary, UTF-16 or Windows-1258
text, an XLSX named ``.csv`` or the reverse, JSON, a row with more or fewer
fields than the header. A CSV whose header is split by ``;`` is read with a
decimal comma, as Vietnamese Excel saves it. Results are written whole or not
at all, and an ``--out`` in a missing folder is refused before any computation.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from survey.i18n import _

if TYPE_CHECKING:
    import pandas as pd


class DataFileError(click.ClickException):
    """A file that cannot be read as a table; the message names the file and, where it applies, line and column."""


BOM = b"\xef\xbb\xbf"
ZIP_MAGIC = b"PK\x03\x04"  # an XLSX workbook is a ZIP archive
XLSX_SUFFIXES = (".xlsx", ".xlsm")


def _save_as_csv() -> str:
    return _("mở bằng Excel và lưu lại dạng 'CSV UTF-8 (phân cách bằng dấu phẩy)'")


def existing_file(path: str) -> Path:
    """The path of an input file that exists and is not a directory, or DataFileError."""
    file = Path(path)
    if file.is_dir():
        raise DataFileError(_("%(path)s là một thư mục, không phải tệp dữ liệu.", path=path))
    if not file.is_file():
        raise DataFileError(_("Không tìm thấy tệp %(path)s.", path=path))
    return file


def check_output_path(out: str | None) -> None:
    """Refuse, before any computation, an ``--out`` that is a directory or lies in a missing folder."""
    if out is None:
        return
    target = Path(out)
    if target.is_dir():
        raise DataFileError(_("--out %(path)s là một thư mục; cần tên tệp kết quả.", path=out))
    if not target.absolute().parent.is_dir():
        raise DataFileError(
            _("--out %(path)s: thư mục %(folder)s không tồn tại.", path=out, folder=str(target.absolute().parent))
        )


def write_output(out: str, content: bytes) -> None:
    """Write ``content`` to ``out`` whole or not at all: a temporary file beside it, then renamed over it."""
    import os  # (tempfile would import bz2, lzma and random into every statistics command)

    target = Path(out)
    check_output_path(out)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as fh:
            fh.write(content)
        os.replace(temporary, target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise DataFileError(_("Không ghi được tệp %(path)s: %(error)s", path=out, error=exc.strerror)) from exc


def read_frame(path: str) -> pd.DataFrame:
    """The rows of a CSV (UTF-8, BOM allowed; ``,`` or ``;`` with a decimal comma) or XLSX file.

    Raises DataFileError, naming the file and, where it applies, the line, for a
    missing, empty, binary, UTF-16 or Windows-1258 file, an XLSX named ``.csv``
    (or the reverse), a row with more or fewer fields than the header.
    """
    import pandas as pd

    file = existing_file(path)
    with open(file, "rb") as fh:
        head = fh.read(4096)
    _check_kind(head, file, path)
    try:
        if file.suffix.lower() in XLSX_SUFFIXES:
            frame = pd.read_excel(file)
        else:
            text = _utf8_text(file.read_bytes(), path)
            dialect = csv_dialect_of(text)
            _check_row_lengths(text, dialect.get("sep", ","), path)
            frame = pd.read_csv(file, encoding="utf-8-sig", **dialect)
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise DataFileError(
            _("Không đọc được tệp %(path)s (cần CSV UTF-8 hoặc XLSX): %(error)s", path=path, error=exc)
        ) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _check_kind(head: bytes, file: Path, path: str) -> None:
    """Refuse from its first bytes a file that is empty, binary, UTF-16, JSON or XLSX under the wrong name."""
    xlsx_name = file.suffix.lower() in XLSX_SUFFIXES
    if not head.removeprefix(BOM).strip():
        raise DataFileError(_("Tệp %(path)s trống (không có dòng tiêu đề).", path=path))
    if head.startswith(ZIP_MAGIC) != xlsx_name:
        if xlsx_name:
            raise DataFileError(
                _("Tệp %(path)s có đuôi %(suffix)s nhưng không phải tệp Excel (XLSX); nếu là CSV, hãy đổi đuôi thành .csv.",
                  path=path, suffix=file.suffix)
            )
        raise DataFileError(
            _("Tệp %(path)s là tệp Excel (XLSX) nhưng có đuôi '%(suffix)s'; hãy đổi đuôi thành .xlsx hoặc %(advice)s.",
              path=path, suffix=file.suffix, advice=_save_as_csv())
        )
    if xlsx_name:
        return
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataFileError(
            _("Tệp %(path)s được lưu bằng mã UTF-16 ('Unicode Text'); hãy %(advice)s.", path=path, advice=_save_as_csv())
        )
    if b"\x00" in head:
        raise DataFileError(_("Tệp %(path)s không phải tệp văn bản CSV (có byte nhị phân).", path=path))
    if head.removeprefix(BOM).lstrip()[:1] in (b"{", b"["):
        raise DataFileError(_("Tệp %(path)s là tệp JSON; lệnh này cần bảng CSV hoặc XLSX.", path=path))


def _utf8_text(raw: bytes, path: str) -> str:
    """The text of a CSV file in UTF-8, or DataFileError naming the line of the first byte that is not UTF-8."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataFileError(
            _("Tệp %(path)s, dòng %(line)d: không đọc được tệp vì không phải mã UTF-8 (có thể là Windows-1258/ANSI); hãy %(advice)s.",
              path=path, line=line, advice=_save_as_csv())
        ) from None


def csv_dialect_of(text: str) -> dict[str, str]:
    """``pandas.read_csv`` options of a CSV: ``;`` and a decimal comma when its header is split by ``;``."""
    header = text.split("\n", 1)[0]
    return {"sep": ";", "decimal": ","} if header.count(";") > header.count(",") else {}


def _check_row_lengths(text: str, separator: str, path: str) -> None:
    """Refuse the first row with more or fewer fields than the header (blank lines are skipped, as pandas does)."""
    import csv
    import io

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    header = next(reader, [])
    line = reader.line_num + 1
    for row in reader:
        if row and len(row) != len(header):
            raise DataFileError(
                _("Tệp %(path)s, dòng %(line)d: có %(count)d trường nhưng dòng tiêu đề có %(expected)d "
                  "(thiếu hoặc thừa dấu '%(separator)s', hoặc dấu ngoặc kép chưa đóng).",
                  path=path, line=line, count=len(row), expected=len(header), separator=separator)
            )
        line = reader.line_num + 1


def check_numbers(data: Any, path: str, columns: list[str]) -> None:
    """Stop at the first value of a number column that is not a finite number, naming the file, line and column."""
    import math

    import numpy as np

    for column in columns:
        try:
            values = data[column]
        except KeyError:
            continue  # reported as an unknown column by check_columns
        values = values.to_numpy() if hasattr(values, "to_numpy") else np.asarray(values)
        if values.dtype.kind in "fc":
            infinite = np.flatnonzero(np.isinf(values))
            if len(infinite):
                raise DataFileError(_("Tệp %(path)s, dòng %(line)d, cột %(column)s: '%(value)s' không phải là một số hữu hạn.",
                        path=path, line=int(infinite[0]) + 2, column=column, value=values[infinite[0]]))
        if values.dtype.kind != "O":
            continue
        for row, value in enumerate(values.tolist()):
            if not isinstance(value, str) or not value.strip():
                continue
            try:
                number = float(value)
            except ValueError:
                raise DataFileError(_("Tệp %(path)s, dòng %(line)d, cột %(column)s: '%(value)s' không phải là một số.",
                        path=path, line=row + 2, column=column, value=value))
            if not math.isfinite(number):
                raise DataFileError(_("Tệp %(path)s, dòng %(line)d, cột %(column)s: '%(value)s' không phải là một số hữu hạn.",
                        path=path, line=row + 2, column=column, value=value))


def check_columns(data: Any, path: str, columns: list[str]) -> None:
    """Stop at the first named column the DATA file lacks, listing its columns, or at a file without rows."""
    found = list(data.columns) if hasattr(data, "columns") else list(data)
    for column in columns:
        if column not in found:
            available = found if hasattr(data, "columns") else header_names(path)
            raise DataFileError(_("Tệp %(path)s thiếu cột '%(column)s' (các cột có: %(columns)s).",
                                  path=path, column=column, columns=", ".join(map(str, available))))
    n_rows = len(next(iter(data.values()), ())) if isinstance(data, dict) else len(data)
    if not n_rows:
        raise DataFileError(_("Tệp %(path)s không có dòng dữ liệu nào.", path=path))


def header_names(path: str) -> list[str]:
    """The column names of a plain CSV file's header line."""
    with open(path, "rb") as fh:
        header = fh.readline().removeprefix(BOM).decode("utf-8", errors="replace")
    return header.rstrip("\r\n").replace('"', "").split(",")


def check_weights(data: Any, path: str, column: str | None) -> None:
    """Stop at the first weight that is missing, zero or negative, naming the file, line and column."""
    import numpy as np

    if not column:
        return
    values = np.asarray(data[column], dtype=np.float64)  # numbers: check_numbers ran first
    bad = np.flatnonzero(~(values > 0))
    if len(bad):
        row = int(bad[0])
        where = {"path": path, "line": row + 2, "column": column}
        if np.isnan(values[row]):
            raise DataFileError(_("Tệp %(path)s, dòng %(line)d, cột %(column)s: trọng số để trống (cần một số lớn hơn 0 ở mọi dòng).",
                    **where))
        raise DataFileError(_("Tệp %(path)s, dòng %(line)d, cột %(column)s: trọng số '%(value)s' không hợp lệ "
                "(cần một số lớn hơn 0 ở mọi dòng).", value=f"{values[row]:g}", **where))


def check_compare_values(data: Any, path: str, compare: list[tuple[str, str, str]]) -> None:
    """Stop when a ``--compare COL=A:B`` names a value no row of the column has (an empty domain)."""
    import numpy as np

    for column, *values in compare:
        labels = np.asarray(data[column])
        if labels.dtype.kind in "fiub":
            present = {repr(v) for v in labels.astype(np.float64).tolist()}
            wanted = {value: _number_label(value) for value in values}
        else:
            present = {str(v) for v in labels}
            wanted = {value: value for value in values}
        for value, label in wanted.items():
            if label not in present:
                raise DataFileError(_("--compare: tệp %(path)s không có dòng nào có cột %(column)s = '%(value)s' (miền trống).",
                        path=path, column=column, value=value))


def _number_label(value: str) -> str:
    try:
        return repr(float(value))
    except ValueError:
        return value
