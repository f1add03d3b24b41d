"""The one shape of a problem found in an imported CSV/XLSX file (units, dossier events, procedures, unit codes).

Shown as ``FILE:ROW:COLUMN: message`` (row 1 is the header, as in Excel) on the
command line and as a table row on the import pages. The message is kept as its
Vietnamese source text with ``%(name)s`` variables and translated when shown,
so the same report reads in the language of whoever looks at it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from survey.i18n import _


@dataclass(frozen=True)
class FileProblem:
    """One problem (or notice) of a file, with its Excel row, column letter and header where known."""

    key: str  # what kind of problem, for code that reacts to it (e.g. "ignored_column")
    text: str  # the Vietnamese message (marked with N_), translated by :meth:`message`
    params: dict[str, Any] = field(default_factory=dict)
    row: int | None = None
    column: str | None = None  # column letter
    header: str | None = None

    def message(self, gettext: Callable[..., str] = _) -> str:
        return gettext(self.text, **self.params)

    def line(self, filename: str, gettext: Callable[..., str] = _) -> str:
        """``FILE:ROW:COLUMN: message`` as far as row and column are known."""
        where = "".join(f":{part}" for part in (self.row, self.column) if part is not None)
        return f"{filename}{where}: {self.message(gettext)}"
