"""Cells of exported CSV and Excel files that a spreadsheet never runs as a formula.

Text from users (comments, unit and round names, titles) can begin with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return, which Excel and LibreOffice
read as the start of a formula (``=HYPERLINK(...)`` sends the reader's data to
a stranger). In an Excel file such text is stored as a string cell with a
quote prefix; in CSV it gets a leading ``'`` (OWASP's rule for CSV injection).
Numbers are never changed: a negative number stays a number.
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """``value`` for a CSV cell; text a spreadsheet would take for a formula starts with ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def append_row(sheet: Any, values: list[Any]) -> None:
    """Append ``values`` to an openpyxl sheet as a row in which text is always text, never a formula."""
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
            cell.data_type = "s"
            cell.quotePrefix = True
