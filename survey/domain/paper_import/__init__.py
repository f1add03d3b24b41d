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

Modules: :mod:`.report` (targets, messages, the report), :mod:`.reading`
(CSV/XLSX), :mod:`.columns` (matching headers), :mod:`.values` (cells),
:mod:`.checking` (rows, storing), :mod:`.template` (the file to fill in).

Paper as it really arrives: a blank cell is item nonresponse (stored as missing)
unless the item is ``required_on_paper``; a row with no answer at all is refused;
"not experienced" is 9, "KTN", "Không trải nghiệm" or the option's label where
the item offers it. Every row and column is checked in one pass, messages name
options by their labels, and a column matched by its header to an item of
another scale gets a notice.
"""

from __future__ import annotations

from survey.domain.paper_import.checking import (
    check_import,
    run_import,
)
from survey.domain.paper_import.columns import (
    guess_target,
    map_columns,
    mapping_choices,
    target_label,
)
from survey.domain.paper_import.reading import (
    file_sha256,
    read_table,
)
from survey.domain.paper_import.report import (
    DATE,
    DESIGN_TARGETS,
    FORM,
    IGNORE,
    MAX_BYTES,
    MAX_PROBLEMS,
    MAX_ROWS,
    MESSAGES,
    N_,
    PAPER_FORM_NAMESPACE,
    PSU,
    SPECIAL_HEADERS,
    SPECIAL_LABELS,
    SPECIAL_TARGETS,
    SSU,
    STRATUM,
    UNIT,
    WEIGHT,
    Column,
    ConcurrentImportError,
    FileLimits,
    Gettext,
    ImportFileError,
    ImportProblem,
    ImportReport,
    Table,
    cell_text,
    column_letter,
    fold,
)
from survey.domain.paper_import.template import (
    TEMPLATE_FORMATS,
    build_template,
    template_filename,
    template_headers,
)
from survey.domain.paper_import.values import (
    paper_uuid,
    parse_answer,
    parse_day,
)

__all__ = [
    "DATE",
    "DESIGN_TARGETS",
    "FORM",
    "IGNORE",
    "MAX_BYTES",
    "MAX_PROBLEMS",
    "MAX_ROWS",
    "MESSAGES",
    "N_",
    "PAPER_FORM_NAMESPACE",
    "PSU",
    "SPECIAL_HEADERS",
    "SPECIAL_LABELS",
    "SPECIAL_TARGETS",
    "SSU",
    "STRATUM",
    "TEMPLATE_FORMATS",
    "UNIT",
    "WEIGHT",
    "Column",
    "ConcurrentImportError",
    "FileLimits",
    "Gettext",
    "ImportFileError",
    "ImportProblem",
    "ImportReport",
    "Table",
    "build_template",
    "cell_text",
    "check_import",
    "column_letter",
    "file_sha256",
    "fold",
    "guess_target",
    "map_columns",
    "mapping_choices",
    "paper_uuid",
    "parse_answer",
    "parse_day",
    "read_table",
    "run_import",
    "target_label",
    "template_filename",
    "template_headers",
]
