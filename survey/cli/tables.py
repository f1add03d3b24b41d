"""Per-stratum and per-area tables of the planning commands: read a CSV/XLSX, check columns, write results.

Every problem stops the command with a Vietnamese message (English with
``SIPAS_LANG=en``) that names the file, the column and, for a bad value, the
line. pandas is imported by the callers' command bodies, not at start-up.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

import click

from survey.cli.analysis import output_options as analysis_output_options
from survey.cli.data_files import read_frame, write_output
from survey.i18n import _

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

FORMATS = ["text", "csv", "json"]


def read_table(path: str) -> pd.DataFrame:
    """The rows of a CSV (UTF-8, BOM allowed; ``,`` or ``;`` with a decimal comma) or XLSX file, or the command stops."""
    frame = read_frame(path)
    if frame.empty:
        raise click.ClickException(_("Tệp %(path)s không có dòng dữ liệu nào.", path=path))
    return frame


def require_columns(frame: pd.DataFrame, path: str, *columns: str) -> None:
    """Stop with the first missing column and the columns the file has."""
    for column in columns:
        if column not in frame.columns:
            raise click.ClickException(
                _(
                    "Tệp %(path)s thiếu cột '%(column)s' (các cột có: %(columns)s).",
                    path=path,
                    column=column,
                    columns=", ".join(frame.columns),
                )
            )


def number_column(
    frame: pd.DataFrame, path: str, column: str, *, blank_ok: bool = False, minimum: float | None = None
) -> np.ndarray:
    """A column as floats; a text, a blank (unless allowed) or a value below ``minimum`` stops the command."""
    import numpy as np
    import pandas as pd

    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    raw = frame[column].to_numpy()
    for row, (value, given) in enumerate(zip(values, raw, strict=True)):
        blank = given is None or (isinstance(given, float) and math.isnan(given)) or str(given).strip() == ""
        if np.isinf(value):
            raise click.ClickException(
                _("Tệp %(path)s, dòng %(line)s, cột '%(column)s': '%(value)s' không phải là số hữu hạn.",
                  path=path, line=row + 2, column=column, value=given)
            )
        if np.isnan(value) and not (blank and blank_ok):
            raise click.ClickException(
                _(
                    "Tệp %(path)s, dòng %(line)s, cột '%(column)s': '%(value)s' không phải là số.",
                    path=path,
                    line=row + 2,
                    column=column,
                    value="" if blank else given,
                )
            )
        if minimum is not None and not np.isnan(value) and value < minimum:
            raise click.ClickException(
                _(
                    "Tệp %(path)s, dòng %(line)s, cột '%(column)s': %(value)s nhỏ hơn %(minimum)s.",
                    path=path,
                    line=row + 2,
                    column=column,
                    value=given,
                    minimum=minimum,
                )
            )
    return values


def unique_labels(frame: pd.DataFrame, path: str, column: str) -> list[str]:
    """The labels of a key column as text; a blank or a repeated label stops the command."""
    labels = ["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip() for v in frame[column]]
    seen: dict[str, int] = {}
    for row, label in enumerate(labels):
        if not label:
            raise click.ClickException(
                _("Tệp %(path)s, dòng %(line)s: cột '%(column)s' trống.", path=path, line=row + 2, column=column)
            )
        if label in seen:
            raise click.ClickException(
                _(
                    "Tệp %(path)s: '%(label)s' lặp lại ở dòng %(first)s và %(line)s (cột '%(column)s').",
                    path=path,
                    label=label,
                    first=seen[label] + 2,
                    line=row + 2,
                    column=column,
                )
            )
        seen[label] = row
    return labels


def output_options(func: Any) -> Any:
    """``--format text|csv|json`` (CSV in UTF-8 with a BOM, which Excel opens) and ``--out FILE``."""
    return analysis_output_options(FORMATS, default="text")(func)


def level_option(name: str = "--level") -> Any:
    """A confidence level strictly between 0 and 1, 0.95 unless given."""
    return click.option(
        name,
        type=click.FloatRange(0, 1, min_open=True, max_open=True),
        default=0.95,
        show_default=True,
        help=_("Mức tin cậy."),
    )


def write_table(frame: pd.DataFrame, headers: dict[str, str], fmt: str, out: str | None, note: str = "") -> None:
    """Write a result table: ``headers`` maps its columns to the (translated) headers of text and CSV."""
    if fmt == "json":
        records = json.loads(frame.to_json(orient="records", force_ascii=False))
        text = json.dumps({"note": note, "rows": records} if note else {"rows": records}, ensure_ascii=False, indent=2)
        text += "\n"
    else:
        shown = frame[list(headers)].rename(columns=headers)
        if fmt == "csv":
            text = shown.to_csv(index=False, float_format="%.6g")
        else:
            text = shown.to_string(index=False, float_format=lambda v: f"{v:.2f}") + "\n"
            if note:
                text = note + "\n\n" + text
    if out is None:
        click.echo(text, nl=False)
        return
    # the BOM makes Excel open a CSV as UTF-8 (Vietnamese headers and unit names)
    write_output(out, text.encode("utf-8-sig" if fmt == "csv" else "utf-8"))
    click.echo(_("Đã ghi %(path)s.", path=out), err=True)
