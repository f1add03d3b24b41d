"""``sipas plan``: sample size, allocation to strata and expected interval widths from last year's figures.

Reads last year's per-stratum file (one row per stratum: its population, and
optionally last year's satisfaction estimate and design effect) and drives
:mod:`analysis.planning`. Needs neither the database nor the Flask app.
"""

from __future__ import annotations

import click

from survey.cli.data_files import check_output_path
from survey.cli.tables import (
    level_option,
    number_column,
    output_options,
    read_table,
    require_columns,
    unique_labels,
    write_table,
)
from survey.i18n import _

METHODS = ["proportional", "neyman", "equal"]


@click.command(
    "plan",
    help=_(
        "Lập kế hoạch mẫu từ tệp theo tầng của năm trước: cỡ mẫu, phân bổ cho các tầng "
        "(tỷ lệ hoặc Neyman) và độ rộng khoảng tin cậy dự kiến theo hiệu ứng thiết kế năm trước."
    ),
)
@click.argument("last_year", type=click.Path())
@click.option("--moe", type=float, help=_("Sai số biên mục tiêu của cả nước, điểm phần trăm (vd 2 = ±2 điểm)."))
@click.option("--n", "total", type=int, help=_("Tổng số phiếu hoàn thành cho sẵn (thay cho --moe)."))
@click.option(
    "--method",
    type=click.Choice(METHODS),
    default="proportional",
    show_default=True,
    help=_("Cách phân bổ: tỷ lệ theo quy mô, Neyman (theo độ phân tán năm trước) hoặc đều."),
)
@click.option("--minimum", type=click.IntRange(min=0), default=0, show_default=True, help=_("Số phiếu tối thiểu mỗi tầng."))
@level_option("--confidence")
@click.option(
    "--response-rate", type=float, default=1.0, show_default=True, help=_("Tỷ lệ trả lời dự kiến (số phiếu phát = n / tỷ lệ).")
)
@click.option("--stratum", "stratum_col", default="stratum", show_default=True, help=_("Cột tên tầng."))
@click.option("--population", "population_col", default="population", show_default=True, help=_("Cột quy mô tổng thể của tầng."))
@click.option(
    "--estimate",
    "estimate_col",
    default="estimate",
    show_default=True,
    help=_("Cột chỉ số năm trước (0–100); không có cột thì dùng 80."),
)
@click.option("--deff", "deff_col", default="deff", show_default=True, help=_("Cột hiệu ứng thiết kế năm trước; không có cột thì dùng 1."))
@output_options
def plan_command(
    last_year: str,
    moe: float | None,
    total: int | None,
    method: str,
    minimum: int,
    confidence: float,
    response_rate: float,
    stratum_col: str,
    population_col: str,
    estimate_col: str,
    deff_col: str,
    fmt: str,
    out: str | None,
) -> None:
    """Plan next year's sample from last year's per-stratum file."""
    # numpy, pandas and analysis are imported here so that `sipas --help` stays instant
    import numpy as np
    import pandas as pd

    from analysis.errors import AnalysisError
    from analysis.planning import (
        allocate,
        margin_of_error,
        sample_size_proportion,
        stratified_margin_of_error,
    )

    check_output_path(out)
    if (moe is None) == (total is None):
        raise click.UsageError(_("Cần đúng một trong --moe (sai số mục tiêu) hoặc --n (cỡ mẫu cho sẵn)."))
    if moe is not None and not 0 < moe < 100:
        raise click.BadParameter(_("phải nằm giữa 0 và 100 điểm phần trăm."), param_hint="--moe")
    if not 0 < response_rate <= 1:
        raise click.BadParameter(_("phải lớn hơn 0 và không quá 1."), param_hint="--response-rate")
    frame = read_table(last_year)
    require_columns(frame, last_year, stratum_col, population_col)
    strata = unique_labels(frame, last_year, stratum_col)
    population = number_column(frame, last_year, population_col, minimum=1)
    if np.any(population % 1 != 0):
        row = int(np.flatnonzero(population % 1 != 0)[0])
        raise click.ClickException(
            _("Tệp %(path)s, dòng %(line)s: quy mô tổng thể phải là số nguyên.", path=last_year, line=row + 2)
        )
    if estimate_col in frame.columns:
        estimate = number_column(frame, last_year, estimate_col)
        if np.any((estimate < 0) | (estimate > 100)):
            row = int(np.flatnonzero((estimate < 0) | (estimate > 100))[0])
            raise click.ClickException(
                _(
                    "Tệp %(path)s, dòng %(line)s, cột '%(column)s': chỉ số phải nằm trong 0–100.",
                    path=last_year,
                    line=row + 2,
                    column=estimate_col,
                )
            )
        p = estimate / 100
    else:
        p = np.full(len(strata), 0.8)
    deff = number_column(frame, last_year, deff_col, minimum=0) if deff_col in frame.columns else np.ones(len(strata))
    if np.any(deff <= 0):
        row = int(np.flatnonzero(deff <= 0)[0])
        raise click.ClickException(
            _("Tệp %(path)s, dòng %(line)s: hiệu ứng thiết kế phải lớn hơn 0.", path=last_year, line=row + 2)
        )
    share = population / population.sum()
    try:
        if total is None:
            assert moe is not None
            # one national proportion: the population-weighted p and deff of last year
            size = sample_size_proportion(
                moe / 100,
                confidence=confidence,
                p=float(np.clip(share @ p, 0.01, 0.99)),
                deff=float(share @ deff),
                population=float(population.sum()),
            )
            total = max(size.n_required, int(np.minimum(minimum, population).sum()))
        # Neyman on the spread each stratum really has: sqrt(deff p (1 - p))
        spread = np.sqrt(deff * p * (1 - p)) if method == "neyman" else None
        allocation = allocate(total, population, method=method, sd=spread, minimum=minimum, strata=strata)  # type: ignore[arg-type]
        n_h = allocation.n
        sampled = n_h >= 1
        stratum_moe = [
            margin_of_error(int(n), confidence=confidence, p=float(np.clip(ph, 0.01, 0.99)), deff=float(d), population=float(big))
            if n >= 1 else float("nan")
            for n, ph, d, big in zip(n_h, p, deff, population, strict=True)
        ]
        national = (
            stratified_margin_of_error(n_h, population, p, deff, confidence=confidence) if sampled.all() else float("nan")
        )
    except AnalysisError as exc:
        raise click.ClickException(_("Không lập được kế hoạch: %(error)s", error=exc)) from exc
    result = pd.DataFrame(
        {
            "stratum": strata,
            "population": population.astype(int),
            "estimate_last_year": p * 100,
            "deff_last_year": deff,
            "n": n_h,
            "n_issued": np.ceil(n_h / response_rate - 1e-9).astype(int),
            "moe": np.asarray(stratum_moe) * 100,
        }
    )
    result["ci_low"] = (result["estimate_last_year"] - result["moe"]).clip(lower=0)
    result["ci_high"] = (result["estimate_last_year"] + result["moe"]).clip(upper=100)
    headers = {
        "stratum": _("Tầng"),
        "population": _("Quy mô"),
        "estimate_last_year": _("Chỉ số năm trước"),
        "deff_last_year": _("Deff năm trước"),
        "n": _("Số phiếu cần"),
        "n_issued": _("Số phiếu phát"),
        "moe": _("Sai số biên (±điểm)"),
        "ci_low": _("KTC dự kiến từ"),
        "ci_high": _("KTC dự kiến đến"),
    }
    note = _(
        "Tổng %(n)s phiếu hoàn thành (%(issued)s phiếu phát), phân bổ %(method)s cho %(strata)s tầng; "
        "sai số biên dự kiến của cả nước ±%(moe)s điểm ở mức tin cậy %(level)s%%.",
        n=int(n_h.sum()),
        issued=int(result["n_issued"].sum()),
        method=_method_name(method),
        strata=len(strata),
        moe=f"{national * 100:.2f}",
        level=f"{confidence * 100:g}",
    )
    write_table(result, headers, fmt, out, note)


def _method_name(method: str) -> str:
    return {"proportional": _("tỷ lệ theo quy mô"), "neyman": _("Neyman"), "equal": _("đều")}[method]
