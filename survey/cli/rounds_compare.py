"""``sipas compare``: change of every index between two rounds, from two ``sipas indices --format csv`` files.

Records are matched on index, level and domain; the two samples are taken as
independent (:func:`analysis.compare.compare_records`, Welch–Satterthwaite
degrees of freedom). Needs neither the database nor the Flask app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from survey.cli.data_files import check_output_path
from survey.cli.tables import (
    level_option,
    number_column,
    output_options,
    read_table,
    require_columns,
    write_table,
)
from survey.i18n import _

if TYPE_CHECKING:
    from analysis.indices import IndexRecord

COLUMNS = ("index", "level", "domain", "estimate", "se", "ci_low", "ci_high", "df", "n", "deff", "ci_method")


def read_records(path: str) -> dict[tuple[str, str, str], IndexRecord]:
    """The index records of a ``sipas indices --format csv`` file, keyed by (index, level, domain)."""
    import numpy as np

    from analysis.indices import IndexRecord
    from survey.domain.handover import header_keys

    frame = read_table(path)
    frame = frame.rename(columns=header_keys())  # files written with --lang vi|en
    require_columns(frame, path, *COLUMNS)
    if "statistic" in frame.columns:
        frame = frame[frame["statistic"].fillna("index") == "index"].reset_index(drop=True)
    numbers = {c: number_column(frame, path, c, blank_ok=True) for c in ("estimate", "ci_low", "ci_high")}
    numbers |= {c: number_column(frame, path, c, blank_ok=True, minimum=0) for c in ("se", "df", "n", "deff")}
    records: dict[tuple[str, str, str], IndexRecord] = {}
    for row, (index, level, domain) in enumerate(zip(frame["index"], frame["level"], frame["domain"], strict=True)):
        text = "" if not isinstance(domain, str) else domain.strip()
        key = (str(index), str(level), text)
        if key in records:
            raise click.ClickException(
                _("Tệp %(path)s, dòng %(line)s: chỉ số %(index)s (%(domain)s) lặp lại.",
                  path=path, line=row + 2, index=index, domain=text or _("cả mẫu"))
            )
        records[key] = IndexRecord(
            index=str(index),
            level=str(level),
            domain=_parse_domain(text),
            **{c: float(numbers[c][row]) for c in ("estimate", "se", "ci_low", "ci_high", "df", "deff")},
            n=int(np.nan_to_num(numbers["n"][row])),
            ci_method=str(frame["ci_method"][row]),
        )
    return records


def _parse_domain(text: str) -> dict[str, str] | None:
    if not text or text == "all":
        return None
    return dict(part.split("=", 1) if "=" in part else ("domain", part) for part in text.split(", "))


@click.command(
    "compare",
    help=_(
        "So sánh hai đợt khảo sát từ hai tệp kết quả của 'sipas indices --format csv': "
        "thay đổi của từng chỉ số, khoảng tin cậy và giá trị p (hai mẫu độc lập)."
    ),
)
@click.argument("now_file", type=click.Path())
@click.argument("before_file", type=click.Path())
@click.option("--labels", default="now,before", show_default=True, help=_("Tên hai đợt, cách nhau bằng dấu phẩy."))
@level_option()
@output_options
def compare_command(now_file: str, before_file: str, labels: str, level: float, fmt: str, out: str | None) -> None:
    """Change of every index between two rounds."""
    # pandas and analysis are imported here so that `sipas --help` stays instant
    import pandas as pd

    from analysis.compare import compare_records
    from analysis.errors import AnalysisError

    check_output_path(out)
    names = [part.strip() for part in labels.split(",")]
    if len(names) != 2 or not all(names) or names[0] == names[1]:
        raise click.BadParameter(_("cần hai tên khác nhau, vd 2026,2025."), param_hint="--labels")
    now, before = read_records(now_file), read_records(before_file)
    try:
        changes = compare_records(now, before, level=level, labels=(names[0], names[1]))
    except AnalysisError as exc:
        raise click.ClickException(_("Không so sánh được: %(error)s", error=exc)) from exc
    if not changes:
        raise click.ClickException(
            _("Hai tệp %(now)s và %(before)s không có chỉ số chung nào (cùng chỉ số, cấp và miền) để so sánh.",
              now=now_file, before=before_file)
        )
    rows = [
        {
            "index": key[0], "level": key[1], "domain": key[2] or "all",
            "now": now[key].estimate, "before": before[key].estimate,
            "difference": c.difference, "se": c.se, "ci_low": c.ci_low, "ci_high": c.ci_high,
            "p_value": c.p_value, "df": c.df, "significant": bool(c.p_value < 1 - level),
        }
        for key, c in changes.items()
    ]
    result = pd.DataFrame(rows)
    if fmt != "json":
        result["significant"] = result["significant"].map({True: _("có"), False: _("không")})
    headers = {
        "index": _("Chỉ số"), "level": _("Cấp"), "domain": _("Miền"),
        "now": names[0], "before": names[1], "difference": _("Chênh lệch"), "se": _("SE"),
        "ci_low": _("KTC từ"), "ci_high": _("KTC đến"), "p_value": _("Giá trị p"), "df": _("Bậc tự do"),
        "significant": _("Có ý nghĩa"),
    }
    dropped = len(now) - len(changes)
    note = _(
        "%(now)s so với %(before)s: %(count)s chỉ số so sánh được, %(significant)s thay đổi có ý nghĩa ở mức "
        "%(level)s%%; %(dropped)s bản ghi chỉ có ở một đợt hoặc không ước lượng được (SE 0 hoặc trống) nên bỏ qua.",
        now=names[0], before=names[1], count=len(rows), significant=sum(row["significant"] for row in rows),
        level=f"{level * 100:g}", dropped=dropped,
    )
    write_table(result, headers, fmt, out, note)
