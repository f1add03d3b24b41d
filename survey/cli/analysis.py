"""Statistician batch commands: ``sipas indices`` and ``sipas estimate``.

Both read a CSV (UTF-8, with or without BOM) or XLSX file, need neither a
database nor the Flask app, and report problems on stderr with exit code 2.
pandas and :mod:`analysis` are imported inside the commands, so ``--help``
and a mistyped option answer at once; both read a plain CSV file with numpy
alone (:mod:`survey.cli.csv_columns`) and load pandas only for other files.
"""

from __future__ import annotations

import sys
from dataclasses import fields, make_dataclass, replace
from typing import TYPE_CHECKING, Any

import click

from survey.cli.data_files import (
    XLSX_SUFFIXES,
    DataFileError,
    check_columns,
    check_compare_values,
    check_numbers,
    check_output_path,
    check_weights,
    existing_file,
    read_frame,
    write_output,
)
from survey.i18n import _

if TYPE_CHECKING:
    import pandas as pd

    from analysis import DesignSpec

CI_METHODS = ["logit", "wald", "beta", "wilson"]
LONELY = ["fail", "remove", "certainty", "adjust", "average"]
DOMAIN_DF = ["domain", "design"]


def _fail(message: str) -> None:
    click.echo(f"Lỗi / Error: {message}", err=True)
    sys.exit(2)


def analysis_message(exc: Exception, path: str) -> str:
    """The message of an error of :mod:`analysis` in the user's language, naming the DATA file."""
    from analysis.errors import LonelyPSUError, MissingDesignValueError

    if isinstance(exc, LonelyPSUError):
        if exc.stage == 1:
            return _("Tệp %(path)s: tầng %(stratum)s chỉ có một PSU nên không ước lượng được phương sai; "
                     "dùng --lonely-psu remove, certainty, adjust hoặc average.", path=path, stratum=exc.stratum)
        return _("Tệp %(path)s: PSU %(stratum)s chỉ có một đơn vị mẫu cấp 2 nên không ước lượng được phương sai; "
                 "dùng --lonely-psu remove, certainty, adjust hoặc average.", path=path, stratum=exc.stratum)
    if not isinstance(exc, MissingDesignValueError):
        return _("Tệp %(path)s: không tính được (%(error)s).", path=path, error=exc)
    where = {"path": path, "line": exc.row + 1, "column": exc.column}  # line 1 is the header
    if exc.stratum is None:
        return _("Tệp %(path)s, dòng %(line)d: cột %(column)s để trống; cột này cần giá trị ở mọi dòng.", **where)
    return _(
        "Tệp %(path)s, dòng %(line)d: cột %(column)s để trống (tầng %(stratum)s); cột này cần giá trị ở mọi dòng.",
        stratum=exc.stratum,
        **where,
    )


def json_text(document: Any) -> str:
    """A JSON document as the commands print it (json is imported here: CSV output never needs it)."""
    import json

    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def read_data(path: str) -> pd.DataFrame:
    """Read the DATA file (CSV or XLSX, :func:`read_frame`); a file that cannot be read stops the command."""
    try:
        return read_frame(path)
    except DataFileError as exc:
        _fail(exc.message)
    raise AssertionError("unreachable")


def read_columns(path: str, columns: list[str]) -> Any:
    """The named columns of the DATA file: a dict of numpy arrays from a plain CSV, else a pandas DataFrame."""
    from survey.cli.csv_columns import read_csv_columns

    try:
        p = existing_file(path)
    except DataFileError as exc:
        _fail(exc.message)
    if p.suffix.lower() not in XLSX_SUFFIXES:
        try:
            columns_read = read_csv_columns(p, columns)
        except OSError as exc:
            _fail(_("Không đọc được tệp %(path)s (cần CSV UTF-8 hoặc XLSX): %(error)s", path=path, error=exc.strerror))
        if columns_read is not None:
            return columns_read
    return read_data(path)


def needed_columns(spec: Any, design: DesignSpec, opts: dict[str, Any]) -> list[str]:
    """Every column of the DATA file ``sipas indices`` reads: items, design, domains, comparisons, margins."""
    names = [*spec.items(), *design.columns(), opts["by"]]
    names += [entry.split("=", 1)[0] for entry in opts["compare"]]
    for entry in (*(opts.get("poststrat") or ()), *(opts.get("rake") or ())):
        names += entry.split("=", 1)[0].split(",")
    return [name.strip() for name in dict.fromkeys(names) if name]


def load_indices_block(path: str) -> dict[str, Any]:
    """The ``indices`` block of a questionnaire YAML.

    Uses ``survey.domain.questionnaires.load_questionnaire`` when it is available and
    falls back to reading the YAML's top-level ``indices`` key.
    """
    try:
        from survey.domain.questionnaires import load_questionnaire
    except ImportError:
        load_questionnaire = None
    if load_questionnaire is not None:
        try:
            block = load_questionnaire(path).indices
        except Exception as exc:  # noqa: BLE001 - the loader's own error type lists every problem
            _fail(f"bảng hỏi không hợp lệ / invalid questionnaire {path}: {exc}")
    else:
        import yaml

        with open(path, encoding="utf-8") as fh:
            doc = yaml.safe_load(fh) or {}
        block = doc.get("indices") if isinstance(doc, dict) else None
    if not block:
        _fail(f"bảng hỏi không có khối 'indices' / questionnaire {path} has no 'indices' block")
    return dict(block)


def parse_codes(text: str | None, option: str) -> tuple[int, ...] | None:
    """``"4,5"`` or ``"1-5"`` (or a mix, ``"1-3,5"``) to a tuple of codes."""
    if text is None:
        return None
    codes: list[int] = []
    try:
        for part in text.split(","):
            part = part.strip()
            if "-" in part:
                lo, hi = (int(x) for x in part.split("-", 1))
                codes.extend(range(lo, hi + 1))
            elif part:
                codes.append(int(part))
    except ValueError:
        _fail(f"{option}: mã không hợp lệ / invalid codes '{text}' (e.g. 4,5 or 1-5)")
    if not codes:
        _fail(f"{option}: cần ít nhất một mã / needs at least one code")
    return tuple(codes)


def _items_spec(items: tuple[str, ...]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for entry in items:
        if "=" not in entry:
            _fail(f"--items '{entry}': dùng / use GROUP=COL,COL,...")
        code, cols = entry.split("=", 1)
        names = [c.strip() for c in cols.split(",") if c.strip()]
        if not code.strip() or not names:
            _fail(f"--items '{entry}': dùng / use GROUP=COL,COL,...")
        groups[code.strip()] = names
    return groups


def _design_spec(opts: dict[str, Any]) -> DesignSpec:
    from analysis.design import DesignSpec

    return DesignSpec(
        weight=opts["weight"],
        strata=opts["strata"],
        psu=opts["psu"],
        ssu=opts["ssu"],
        fpc=opts["fpc"],
        fpc2=opts["fpc2"],
        lonely_psu=opts["lonely_psu"],
        adjust_domain_lonely=opts["adjust_domain_lonely"],
        domain_df=opts["domain_df"],
    )


def _emit(text: str | bytes, out: str | None) -> None:
    if out is None:
        click.echo(text if isinstance(text, str) else text.decode(), nl=False)
        return
    try:
        write_output(out, text.encode("utf-8") if isinstance(text, str) else text)
    except DataFileError as exc:
        _fail(exc.message)


def design_options(func: Any) -> Any:
    """The design options shared by both commands."""
    options = [
        click.option("--weight", help="Cột trọng số / weight column"),
        click.option("--strata", help="Cột tầng / stratum column"),
        click.option("--psu", help="Cột đơn vị mẫu cấp 1 (cụm) / primary sampling unit column"),
        click.option("--ssu", help="Cột đơn vị mẫu cấp 2 / secondary sampling unit column"),
        click.option(
            "--fpc",
            help="Cột hiệu chỉnh tổng thể hữu hạn cấp 1 / stage-1 finite "
            "population correction column (population PSUs or fraction)",
        ),
        click.option(
            "--fpc2",
            help="Cột hiệu chỉnh tổng thể hữu hạn cấp 2 / stage-2 finite "
            "population correction column",
        ),
        click.option(
            "--lonely-psu",
            type=click.Choice(LONELY),
            default="fail",
            show_default=True,
            help="Xử lý tầng chỉ có một PSU (như R survey >= 4.4) / treatment of strata "
            "with one PSU (as R survey >= 4.4)",
        ),
        click.option(
            "--adjust-domain-lonely",
            is_flag=True,
            help="Áp dụng quy tắc --lonely-psu cho tầng chỉ có một PSU trong miền / apply "
            "the --lonely-psu rule to strata with one PSU inside a domain "
            "(R: survey.adjust.domain.lonely)",
        ),
        click.option(
            "--domain-df",
            type=click.Choice(DOMAIN_DF),
            default="domain",
            show_default=True,
            help="Bậc tự do của miền: 'domain' = số PSU có dữ liệu trong miền trừ số tầng "
            "(như R, thận trọng cho miền ít PSU), 'design' = của cả thiết kế (như Stata "
            "subpop) / df of domain intervals: 'domain' counts the PSUs with data in the "
            "domain (as R; conservative for domains on few PSUs), 'design' the whole "
            "design's (as Stata subpop)",
        ),
        click.option("--by", help="Cột miền ước lượng (đơn vị, tỉnh...) / domain column"),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def interval_options(ci_methods: list[str], ci_help: str) -> Any:
    """The ``--ci-method`` and ``--level`` options of both commands."""

    def apply(func: Any) -> Any:
        func = click.option(
            "--level",
            type=float,
            default=0.95,
            show_default=True,
            help="Mức tin cậy / confidence level",
        )(func)
        return click.option(
            "--ci-method",
            type=click.Choice(ci_methods),
            default="logit",
            show_default=True,
            help=ci_help,
        )(func)

    return apply


def output_options(formats: list[str], default: str = "json") -> Any:
    """The ``--format`` and ``--out`` options of the statistics commands."""

    def apply(func: Any) -> Any:
        func = click.option(
            "--out",
            type=click.Path(),
            help="Tệp kết quả (mặc định: màn hình) / output file (default: stdout)",
        )(func)
        return click.option(
            "--format",
            "fmt",
            type=click.Choice(formats),
            default=default,
            show_default=True,
            help="Định dạng kết quả / output format",
        )(func)

    return apply


def read_margin(entry: str, option: str) -> tuple[tuple[str, ...], dict[str, float]]:
    """``COL[,COL]=FILE``: population counts of a (crossed) margin from a CSV with a ``total`` column."""
    if "=" not in entry:
        _fail(_("%(option)s '%(entry)s': dùng COL[,COL]=FILE.csv", option=option, entry=entry))
    names, path = entry.split("=", 1)
    columns = tuple(c.strip() for c in names.split(",") if c.strip())
    table = read_data(path)
    total = next((c for c in ("total", "Freq") if c in table.columns), None)
    missing = [c for c in columns if c not in table.columns]
    if not columns or total is None or missing:
        _fail(_("%(option)s '%(entry)s': tệp %(path)s cần các cột %(columns)s và cột total",
                option=option, entry=entry, path=path, columns=", ".join(columns) or "COL"))
    import pandas as pd

    counts = pd.to_numeric(table[total], errors="coerce").to_numpy(dtype=float)  # text becomes NaN: refused
    bad = ~(counts >= 0) | (counts == float("inf"))
    if bad.any():
        row = int(bad.argmax()) + 2
        _fail(_("%(option)s: tệp %(path)s, dòng %(line)d: tổng không hợp lệ (cần một số không âm)",
                option=option, path=path, line=row))
    keys = table[list(columns)].astype(str).agg(":".join, axis=1)
    return columns, dict(zip(keys, counts))


def calibrated_design(design: Any, frame: pd.DataFrame, opts: dict[str, Any]) -> Any:
    """The design post-stratified (``--poststrat``) and/or raked (``--rake``), variance-aware."""
    if not (opts.get("poststrat") or opts.get("rake")):
        return design
    from analysis.weighting import calibrate_design, poststratify_design

    for entry in opts.get("poststrat") or ():
        columns, population = read_margin(entry, "--poststrat")
        design = poststratify_design(design, frame, list(columns), population)
    margins = dict(read_margin(entry, "--rake") for entry in opts.get("rake") or ())
    if margins:
        design, _report = calibrate_design(design, frame, margins)
    return design


def calibration_options(func: Any) -> Any:
    """``--rake`` and ``--poststrat``: population counts from CSV files."""
    func = click.option(
        "--poststrat",
        multiple=True,
        help=_("Hậu phân tầng theo số lượng tổng thể trong FILE: COL[,COL]=FILE.csv (cột total)."),
    )(func)
    return click.option(
        "--rake",
        multiple=True,
        help=_("Cân chỉnh (raking) theo một biên, có thể là biên chéo: COL[,COL]=FILE.csv (cột total), "
               "lặp lại cho nhiều biên; phương sai như calibrate() của R."),
    )(func)


def warn_not_estimable(records: Any) -> None:
    """A note on stderr for the domains whose interval is not informative."""
    bad = [r for r in records if not r.estimable]
    if bad:
        click.echo(
            f"Chú ý / Note: {len(bad)} ước lượng không tin cậy (df ≤ 1 hoặc SE = 0), cột reliability = "
            f"not_estimable / estimate(s) not estimable (df <= 1 or SE 0), e.g. {bad[0].index} "
            f"{'' if bad[0].domain is None else bad[0].domain}",
            err=True,
        )


@click.command("indices")
@click.argument("data", type=click.Path())
@click.option(
    "--questionnaire",
    type=click.Path(),
    help="Tệp YAML bảng hỏi (khối indices) / questionnaire YAML with an indices block",
)
@click.option(
    "--items",
    multiple=True,
    help="Nhóm câu hỏi GROUP=COL,COL,... (lặp lại) / item group, repeatable",
)
@design_options
@calibration_options
@click.option("--satisfied", help="Mã hài lòng, vd 4,5 / satisfied codes, e.g. 4,5")
@click.option("--valid", help="Mã hợp lệ, vd 1-5 / valid codes, e.g. 1-5")
@interval_options(CI_METHODS, "Phương pháp khoảng tin cậy / confidence interval method")
@click.option(
    "--compare",
    multiple=True,
    help="So sánh hai miền COL=A:B (lặp lại) / compare two domains, repeatable",
)
@output_options(["json", "csv", "xlsx"])
@click.option(
    "--lang",
    type=click.Choice(["vi", "en"]),
    default=None,
    help="Ngôn ngữ tiêu đề cột của csv/xlsx (không ghi: tiếng Việt cho xlsx và excel-vn, tên khoá JSON cho "
    "csv chuẩn để chương trình đọc) / language of csv/xlsx headers (none: Vietnamese for xlsx and excel-vn, "
    "the JSON keys for a standard csv, for scripts)",
)
@click.option(
    "--csv-dialect",
    type=click.Choice(["standard", "excel-vn"]),
    default="standard",
    show_default=True,
    help="CSV: 'standard' = dấu phẩy, dấu chấm thập phân; 'excel-vn' = dấu chấm phẩy và dấu phẩy "
    "thập phân như Excel tiếng Việt mở / 'standard' = comma and decimal point; 'excel-vn' = "
    "semicolon and decimal comma, as Vietnamese Excel opens it",
)
def indices_command(
    data: str,
    questionnaire: str | None,
    items: tuple[str, ...],
    fmt: str,
    out: str | None,
    lang: str | None,
    csv_dialect: str,
    **opts: Any,
) -> None:
    """Tính chỉ số hài lòng (SIPAS) / compute satisfaction indices with design-based CIs."""
    from analysis.design import build_design
    from analysis.errors import AnalysisError
    from analysis.indices import IndexSpec, compute_indices

    if bool(questionnaire) == bool(items):
        _fail(
            "cần đúng một trong --questionnaire hoặc --items / give either --questionnaire "
            "or --items"
        )
    if not 0 < opts["level"] < 1:
        _fail("--level phải trong (0, 1) / --level must be between 0 and 1")
    if fmt == "xlsx" and not out:
        _fail("--format xlsx cần --out / --format xlsx needs --out")
    try:
        check_output_path(out)
    except DataFileError as exc:
        _fail(exc.message)
    satisfied = parse_codes(opts["satisfied"], "--satisfied")
    valid = parse_codes(opts["valid"], "--valid")
    compare = []
    for entry in opts["compare"]:
        if "=" not in entry or ":" not in entry.split("=", 1)[1]:
            _fail(f"--compare '{entry}': dùng / use COL=A:B")
        col, pair = entry.split("=", 1)
        a, b = pair.split(":", 1)
        compare.append((col, a, b))
    try:
        if questionnaire:
            spec = IndexSpec.from_dict(load_indices_block(questionnaire))
        else:
            spec = IndexSpec.simple(_items_spec(items))
        if satisfied is not None:
            spec = replace(spec, satisfied=satisfied)
        if valid is not None:
            spec = replace(spec, valid=valid)
        spec = IndexSpec(**{f: getattr(spec, f) for f in spec.__dataclass_fields__})  # re-validate
        design_spec = _design_spec(opts)
        columns = needed_columns(spec, design_spec, opts)
        frame = read_columns(data, columns)
        check_columns(frame, data, columns)
        check_numbers(frame, data, [*spec.items(), *(c for c in (opts["weight"], opts["fpc"], opts["fpc2"]) if c)])
        check_weights(frame, data, opts["weight"])
        check_compare_values(frame, data, compare)
        design = calibrated_design(build_design(frame, design_spec), frame, opts)
        result = compute_indices(
            frame,
            spec,
            design,
            by=opts["by"],
            ci_method=opts["ci_method"],
            level=opts["level"],
            compare=compare,
        )
    except AnalysisError as exc:
        _fail(analysis_message(exc, data))
        return
    except DataFileError as exc:
        _fail(exc.message)
        return
    warn_not_estimable(result.records)
    options = [(f"--{k.replace('_', '-')}", str(v)) for k, v in sorted(opts.items()) if v not in (None, (), False)]
    write_indices(result, fmt, out, lang, csv_dialect, about=[("DATA", data), *options])


def write_indices(
    result: Any, fmt: str, out: str | None, lang: str | None, dialect: str, about: list[tuple[str, str]]
) -> None:
    """The results of ``sipas indices`` as JSON, CSV (UTF-8 with BOM in a file) or an Excel workbook."""
    from survey.domain.handover import indices_csv, indices_xlsx

    if fmt == "json":
        _emit(json_text(result.to_dict()), out)
        return
    if fmt == "xlsx":
        _emit(indices_xlsx(result, lang=lang or "vi", about=about), out)
        return
    if lang is None and dialect == "standard":  # the machine form: JSON keys as headers
        text = result.to_csv()
        if result.comparisons:
            text += "\n" + result.comparisons_csv()
        content = ("\ufeff" + text).encode("utf-8")
    else:
        content = indices_csv(result, lang=lang or "vi", dialect=dialect)  # type: ignore[arg-type]
    _emit(content if out else content.decode("utf-8-sig"), out)


@click.command("estimate")
@click.argument("data", type=click.Path())
@click.option("--mean", "means", multiple=True, help="Trung bình của cột / mean of a column")
@click.option("--total", "totals", multiple=True, help="Tổng của cột / total of a column")
@click.option("--ratio", "ratios", multiple=True, help="Tỷ số NUM/DEN / ratio NUM/DEN")
@click.option(
    "--proportion",
    "proportions",
    multiple=True,
    help="Tỷ lệ COL=VALUE / proportion of rows with COL=VALUE",
)
@design_options
@click.option(
    "--variance",
    type=click.Choice(["taylor", "jk1", "jkn", "bootstrap"]),
    default="taylor",
    show_default=True,
    help="Phương pháp phương sai / variance method",
)
@interval_options(
    CI_METHODS + ["likelihood"], "Khoảng tin cậy cho tỷ lệ / interval for proportions"
)
@output_options(["json", "csv"])
def estimate_command(
    data: str,
    means: tuple[str, ...],
    totals: tuple[str, ...],
    ratios: tuple[str, ...],
    proportions: tuple[str, ...],
    fmt: str,
    out: str | None,
    **opts: Any,
) -> None:
    """Ước lượng trung bình, tổng, tỷ số, tỷ lệ / design-based means, totals, ratios, proportions."""
    from analysis.design import build_design
    from analysis.errors import AnalysisError
    from analysis.estimators import Mean, Proportion, Ratio, Total, estimate
    from analysis.results import EstimateRecord, records_csv

    stats: list[Any] = [Mean(c) for c in means] + [Total(c) for c in totals]
    for r in ratios:
        if "/" not in r:
            _fail(f"--ratio '{r}': dùng / use NUM/DEN")
        stats.append(Ratio(*r.split("/", 1)))
    for p in proportions:
        if "=" not in p:
            _fail(f"--proportion '{p}': dùng / use COL=VALUE")
        stats.append(Proportion(*p.split("=", 1)))
    if not stats:
        _fail("cần ít nhất một --mean/--total/--ratio/--proportion / give at least one statistic")
    if opts["variance"] != "taylor" and (opts["adjust_domain_lonely"] or opts["domain_df"] != "domain"):
        _fail(
            "--adjust-domain-lonely và --domain-df chỉ dùng với --variance taylor; trọng số lặp "
            "có bậc tự do riêng / --adjust-domain-lonely and --domain-df apply to --variance "
            "taylor only; replicate weights have their own df"
        )
    try:
        check_output_path(out)
    except DataFileError as exc:
        _fail(exc.message)
    numbers = [
        getattr(s, name)
        for s in stats
        if not isinstance(s, Proportion)
        for name in ("variable", "numerator", "denominator")
        if hasattr(s, name)
    ]
    numbers += [opts[option] for option in ("weight", "fpc", "fpc2") if opts[option]]
    names = [*(p.variable for p in stats if isinstance(p, Proportion)), *numbers]
    names += [opts[option] for option in ("by", "strata", "psu", "ssu")]
    columns = [name for name in dict.fromkeys(names) if name]
    frame = read_columns(data, columns)
    try:
        check_columns(frame, data, columns)
        check_numbers(frame, data, [name for name in dict.fromkeys(numbers) if name])
        check_weights(frame, data, opts["weight"])
    except DataFileError as exc:
        _fail(exc.message)
    try:
        design = build_design(frame, _design_spec(opts))
        result = estimate(
            frame,
            design,
            stats,
            by=opts["by"],
            level=opts["level"],
            ci_method=opts["ci_method"],
            variance=opts["variance"],
        )
    except AnalysisError as exc:
        _fail(analysis_message(exc, data))
        return
    # a row is the record without the settings every row shares
    keys = [f.name for f in fields(EstimateRecord) if f.name not in ("level", "variance")]
    rows = []
    for rec in result.records:
        d = rec.to_dict()
        if d["domain"] is not None:
            d["domain"] = {k: str(v) for k, v in d["domain"].items()}
        rows.append({k: d[k] for k in keys})
    if fmt == "json":
        conventions = {"domain_df": opts["domain_df"], "design_df": design.degf}
        document = {"estimates": rows, "conventions": conventions}
        _emit(json_text(document), out)
    else:  # records_csv writes pandas' CSV of these rows without pandas (domains as COL=value text)
        row_class = make_dataclass("EstimateRow", keys, frozen=True)
        _emit(records_csv(tuple(row_class(**row) for row in rows), row_class), out)
