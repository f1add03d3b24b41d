"""``sipas sae``: Fay–Herriot small-area estimates from a per-area file of direct estimates.

Drives :func:`analysis.sae.fay_herriot`; areas with zero or one PSU get a
smoothed sampling variance (:func:`analysis.sae.smoothed_variance`), areas
without a sample the synthetic (regression) estimate. Needs neither the
database nor the Flask app.
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


@click.command(
    "sae",
    help=_(
        "Ước lượng cho địa bàn nhỏ (Fay–Herriot) từ tệp ước lượng trực tiếp theo địa bàn; địa bàn có "
        "0 hoặc 1 PSU dùng phương sai làm trơn, địa bàn không có mẫu dùng ước lượng hồi quy."
    ),
)
@click.argument("direct_file", type=click.Path())
@click.option("--area", "area_col", default="area", show_default=True, help=_("Cột tên địa bàn."))
@click.option("--estimate", "estimate_col", default="estimate", show_default=True, help=_("Cột ước lượng trực tiếp (trống: không có mẫu)."))
@click.option("--se", "se_col", default="se", show_default=True, help=_("Cột sai số chuẩn trực tiếp."))
@click.option("--n", "n_col", default="n", show_default=True, help=_("Cột số người trả lời."))
@click.option("--psu", "psu_col", default="psu", show_default=True, help=_("Cột số PSU có mẫu trong địa bàn."))
@click.option("--covariate", "covariates", multiple=True, help=_("Cột biến phụ trợ biết cho mọi địa bàn (lặp lại được)."))
@click.option(
    "--method", type=click.Choice(["REML", "ML", "FH", "PR"]), default="REML", show_default=True,
    help=_("Cách ước lượng phương sai mô hình."),
)
@click.option(
    "--scale", type=click.Choice(["percent", "mean"]), default="percent", show_default=True,
    help=_("Thang của ước lượng: chỉ số 0–100 hoặc điểm trung bình (cho việc làm trơn phương sai)."),
)
@level_option()
@output_options
def sae_command(
    direct_file: str,
    area_col: str,
    estimate_col: str,
    se_col: str,
    n_col: str,
    psu_col: str,
    covariates: tuple[str, ...],
    method: str,
    scale: str,
    level: float,
    fmt: str,
    out: str | None,
) -> None:
    """Fay–Herriot estimates per area."""
    # numpy, pandas and analysis are imported here so that `sipas --help` stays instant
    import numpy as np
    import pandas as pd

    from analysis.errors import AnalysisError
    from analysis.sae import fay_herriot, smoothed_variance

    check_output_path(out)
    path = direct_file
    frame = read_table(path)
    require_columns(frame, path, area_col, estimate_col, se_col, n_col, psu_col, *covariates)
    areas = unique_labels(frame, path, area_col)
    estimate = number_column(frame, path, estimate_col, blank_ok=True)
    se = number_column(frame, path, se_col, blank_ok=True, minimum=0)
    n = number_column(frame, path, n_col, blank_ok=True, minimum=0)
    psu = number_column(frame, path, psu_col, blank_ok=True, minimum=0)
    x = np.column_stack([number_column(frame, path, c) for c in covariates]) if covariates else None
    sampled = np.isfinite(estimate)
    reliable = sampled & (np.nan_to_num(psu) >= 2) & np.isfinite(se) & (np.nan_to_num(se) > 0)
    try:
        variance = smoothed_variance(estimate, se, np.nan_to_num(n), reliable, scale=scale)  # type: ignore[arg-type]
        fit = fay_herriot(
            estimate, variance, x, method=method, areas=areas, covariate_names=list(covariates)  # type: ignore[arg-type]
        )
        low, high = fit.interval(level)
    except AnalysisError as exc:
        raise click.ClickException(_("Không ước lượng được (tệp %(path)s): %(error)s", path=path, error=exc)) from exc
    source = np.where(reliable, "direct", np.where(sampled, "smoothed", "none"))
    result = pd.DataFrame(
        {
            "area": areas,
            "psu": psu,
            "direct": estimate,
            "direct_se": se,
            "variance_source": source,
            "estimate": fit.estimate,
            "rmse": fit.rmse,
            "ci_low": low,
            "ci_high": high,
            "gamma": fit.gamma,
            "kind": np.where(sampled, "eblup", "synthetic"),
        }
    )
    words = {"direct": _("trực tiếp"), "smoothed": _("làm trơn"), "none": _("không có mẫu"),
             "eblup": _("EBLUP"), "synthetic": _("hồi quy")}
    shown = result.replace({"variance_source": words, "kind": words}) if fmt != "json" else result
    headers = {
        "area": _("Địa bàn"),
        "psu": _("Số PSU"),
        "direct": _("Ước lượng trực tiếp"),
        "direct_se": _("SE trực tiếp"),
        "variance_source": _("Phương sai dùng"),
        "estimate": _("Ước lượng địa bàn nhỏ"),
        "rmse": _("RMSE"),
        "ci_low": _("KTC từ"),
        "ci_high": _("KTC đến"),
        "gamma": _("Trọng số trực tiếp"),
        "kind": _("Loại ước lượng"),
    }
    note = _(
        "Fay–Herriot (%(method)s): %(areas)s địa bàn, %(smoothed)s dùng phương sai làm trơn (0–1 PSU), "
        "%(unsampled)s không có mẫu; phương sai mô hình %(sigma2)s; khoảng tin cậy %(level)s%%.",
        method=method,
        areas=len(areas),
        smoothed=int((source == "smoothed").sum()),
        unsampled=int((~sampled).sum()),
        sigma2=f"{fit.sigma2_v:.4g}",
        level=f"{level * 100:g}",
    )
    write_table(shown, headers, fmt, out, note)
