"""Exports of a release: Excel workbook, CSV, SPSS/Stata microdata, printable unit report.

* ``xlsx``: one sheet per level (overall, groups, items), the reasons cited by
  low ratings when the questionnaire asks them, and a sheet saying what the
  release is made of; indices are numbers on the 0–100 scale with
  the format ``0.00" %"``, which Excel shows as 90,29 % under Vietnamese
  regional settings (and 90.29 % under English ones).
* ``csv``: the same table, UTF-8 with a byte-order mark so that Excel shows
  the Vietnamese diacritics; in the ``standard`` dialect plain numbers with a
  decimal point, in ``excel-vn`` a decimal comma and ``;`` between fields
  (:mod:`survey.domain.handover`).
* ``sav``/``dta``: the answers behind the release (one row per response, with
  unit, province, weight, stratum and PSU), item labels and value labels; the
  "not experienced" answer 9 is declared user-missing (SPSS missing value 9,
  Stata extended missing ``.a``), so both programs leave it out of means and
  percentages as the release does. A published release's come from the copy
  frozen at publication (:mod:`survey.domain.releases.microdata`), with unit
  and province names as they were; a draft's are read live and refused when
  the data no longer match its fingerprint.

Headers and labels are written in ``lang`` (:func:`survey.domain.handover.export_language`).
* ``html``: a printable report for one unit (or the nation) with print CSS; print
  it to PDF from the browser. Server-side PDF would need Pango (WeasyPrint),
  a system library the project does not install.
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.domain.handover import _, check_dialect, csv_bytes, export_language, set_column_widths
from survey.domain.questionnaires.builtin import NOT_EXPERIENCED_CODE
from survey.domain.releases import OTHER_ITEMS_GROUP, ReleaseError, UnitTree
from survey.domain.releases.microdata import Microdata, release_microdata_arrays
from survey.domain.releases.records import index_record
from survey.domain.spreadsheet_cells import append_row
from survey.i18n import local_time
from survey.models import Release, ReleaseIndex, ReleaseStatus, Unit, UnitKind

FORMATS = ("xlsx", "csv", "sav", "dta", "html")
MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "sav": "application/x-spss-sav",
    "dta": "application/x-stata-dta",
    "html": "text/html; charset=utf-8",
}
PERCENT_FORMAT = '0.00" %"'  # 90.29 -> "90,29 %" in Vietnamese Excel
POINTS_FORMAT = "0.00"
COUNT_FORMAT = "#,##0"
DATE_FORMAT = "dd/mm/yyyy"  # 03/12/2026, as Vietnamese readers write a day
P_FORMAT = "0.0000"
LEVELS = ("overall", "group", "item")


class ExportError(ValueError):
    """A release cannot be exported in the requested form; the message says why."""


@dataclass(frozen=True)
class Export:
    """An exported file: ``data`` (a file object for ``send_file``), its type and name."""

    data: io.BytesIO
    mimetype: str
    filename: str

    def getvalue(self) -> bytes:
        return self.data.getvalue()


def _level_names() -> dict[str, str]:
    return {"overall": _("Chỉ số chung"), "group": _("Nhóm chỉ số"), "item": _("Câu hỏi")}


def _kind_names() -> dict[UnitKind | None, str]:
    return {
        None: _("Toàn quốc"),
        UnitKind.MINISTRY: _("Bộ, ngành"),
        UnitKind.PROVINCE: _("Tỉnh, thành phố"),
        UnitKind.DEPARTMENT: _("Sở, ban, ngành"),
        UnitKind.COMMUNE: _("Xã, phường"),
        UnitKind.SERVICE_CENTRE: _("Trung tâm phục vụ hành chính công"),
        UnitKind.COUNTER: _("Quầy"),
    }


def _flag_names() -> dict[str | None, str]:
    return {
        "above": _("Cao hơn"),
        "below": _("Thấp hơn"),
        "none": _("Không khác biệt"),
        "not_estimable": _("Không ước lượng được / không tin cậy"),
        None: "",
    }


def index_labels(release: Release, lang: str = "vi") -> dict[tuple[str, str], str]:
    """Readable names of the release's indices: ``(level, code) -> label``."""
    definition = release.questionnaire_version.definition or {}

    def text(label: Any, fallback: str) -> str:
        if isinstance(label, dict):
            return str(label.get(lang) or label.get("vi") or fallback)
        return str(label) if label else fallback

    labels: dict[tuple[str, str], str] = {("overall", "overall"): _("Chỉ số hài lòng chung")}
    for group in (definition.get("indices") or {}).get("groups", []):
        labels[("group", group["code"])] = text(group.get("label"), group["code"])
    for section in definition.get("sections", []):
        for item in section.get("items", []):
            labels[("item", item["code"])] = text(item.get("label"), item["code"])
    return labels


def _units(session: Session, unit_ids: set[int]) -> dict[int, Unit]:
    if not unit_ids:
        return {}
    return {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(unit_ids)))}


def release_table(
    session: Session, release: Release, *, unit_ids: set[int] | None = None, lang: str = "vi"
) -> list[dict[str, Any]]:
    """The release's results as rows (nation first, then units by hierarchy and code).

    ``unit_ids`` limits the units (a manager's scope); the national rows stay.
    """
    query = select(ReleaseIndex).where(ReleaseIndex.release_id == release.id)
    rows = list(session.scalars(query))
    if unit_ids is not None:
        rows = [r for r in rows if r.unit_id is None or r.unit_id in unit_ids]
    units = _units(session, {r.unit_id for r in rows if r.unit_id is not None})
    tree = UnitTree(session)
    parents = _units(session, {p for u in units.values() if (p := u.parent_id) is not None} - set(units))
    parents.update(units)
    labels = index_labels(release, lang)
    kinds, flags, reliability_names = _kind_names(), _flag_names(), _reliability_names()
    level_rank = {level: i for i, level in enumerate(LEVELS)}

    def unit_key(unit_id: int | None) -> tuple:
        if unit_id is None:
            return ((),)
        return (tuple(parents[a].code if a in parents else str(a) for a in tree.chain(unit_id)),)

    item_order = {code: i for i, code in enumerate(release.questionnaire_version.numeric_items)}
    group_order = {g["code"]: i for i, g in enumerate((release.parameters.get("spec") or {}).get("groups", []))}

    def index_key(r: ReleaseIndex) -> tuple:
        order = item_order if r.level == "item" else group_order
        return (level_rank.get(r.level, 9), order.get(r.index_code, 999), r.index_code)

    rows.sort(key=lambda r: (unit_key(r.unit_id), index_key(r)))
    table = []
    for r in rows:
        unit = units.get(r.unit_id) if r.unit_id is not None else None
        parent = parents.get(unit.parent_id) if unit is not None and unit.parent_id else None
        record = index_record(r)
        table.append(
            {
                "unit_code": unit.code if unit else "",
                "unit_name": unit.name if unit else _("Toàn quốc"),
                "unit_kind": kinds.get(unit.kind if unit else None, ""),
                "parent_code": parent.code if parent else "",
                **record,
                "index_name": labels.get((r.level, r.index_code), r.index_code),
                "reliability": reliability_names[record["reliability"]],
                "flag": flags.get(r.flag, r.flag or ""),
            }
        )
    return table


def _reliability_names() -> dict[str, str]:
    return {"ok": _("Ước lượng được"), "not_estimable": _("Không ước lượng được / không tin cậy")}


def _columns() -> list[tuple[str, str, str | None]]:
    """(key, header, Excel number format) of the exported table."""
    return [
        ("unit_code", _("Mã đơn vị"), None),
        ("unit_name", _("Đơn vị"), None),
        ("unit_kind", _("Cấp"), None),
        ("parent_code", _("Mã đơn vị cấp trên"), None),
        ("index_code", _("Mã chỉ số"), None),
        ("index_name", _("Chỉ số"), None),
        ("estimate", _("Giá trị (%)"), PERCENT_FORMAT),
        ("se", _("Sai số chuẩn (điểm %)"), POINTS_FORMAT),
        ("ci_low", _("Cận dưới khoảng tin cậy (%)"), PERCENT_FORMAT),
        ("ci_high", _("Cận trên khoảng tin cậy (%)"), PERCENT_FORMAT),
        ("n", _("Số phiếu hợp lệ"), COUNT_FORMAT),
        ("deff", _("Hiệu ứng thiết kế"), POINTS_FORMAT),
        ("reliability", _("Độ tin cậy của ước lượng"), None),
        ("reference_difference", _("Chênh lệch với cấp trên (điểm %)"), POINTS_FORMAT),
        ("reference_p_adjusted", _("p hiệu chỉnh Holm"), P_FORMAT),
        ("flag", _("So với cấp trên"), None),
        ("rank_low", _("Hạng cao nhất"), COUNT_FORMAT),
        ("rank_high", _("Hạng thấp nhất"), COUNT_FORMAT),
        ("previous_estimate", _("Kỳ trước (%)"), PERCENT_FORMAT),
        ("change", _("Thay đổi (điểm %)"), POINTS_FORMAT),
        ("change_p", _("p của thay đổi"), P_FORMAT),
    ]


def _about_rows(release: Release) -> list[tuple[str, Any]]:
    params = release.parameters or {}
    return [
        (_("Đợt khảo sát"), f"{release.round.code} — {release.round.name}"),
        (_("Bản kết quả số"), release.number),
        (_("Tiêu đề"), release.title),
        (_("Trạng thái"), _("Đã công bố") if release.status == ReleaseStatus.PUBLISHED else _("Bản nháp")),
        (_("Kỳ khảo sát"), f"{release.round.starts_on:%d/%m/%Y} – {release.round.ends_on:%d/%m/%Y}"),
        (_("Ngày tính"), local_time(release.created_at).date() if release.created_at else ""),
        (_("Ngày công bố"), local_time(release.published_at).date() if release.published_at else ""),
        (_("Bảng hỏi"), f"{release.questionnaire_version.code} v{release.questionnaire_version.version}"),
        (_("Số phiếu"), release.n_responses),
        (_("Bộ trọng số"), release.weight_set_id or _("trọng số bằng nhau")),
        (_("Khoảng tin cậy"), f"{params.get('ci_method')} {float(params.get('level', 0.95)):.0%}"),
        (_("Dấu vân tay dữ liệu (SHA-256)"), release.data_fingerprint),
        (_("Phiên bản phần mềm"), release.software_version),
        (_("Thay thế bản"), release.supersedes_id or ""),
    ]


def release_xlsx(session: Session, release: Release, *, unit_ids: set[int] | None = None, lang: str = "vi") -> bytes:
    """The release as an Excel workbook: one sheet per level and an "about" sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    table = release_table(session, release, unit_ids=unit_ids, lang=lang)
    columns = _columns()
    workbook = Workbook()
    workbook.remove(workbook.active)
    names = _level_names()
    for level in LEVELS:
        sheet = workbook.create_sheet(names[level][:31])
        append_row(sheet, [header for _key, header, _fmt in columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        rows = [[row[key] for key, _header, _fmt in columns] for row in table if row["level"] == level]
        for values in rows:
            append_row(sheet, values)
        set_column_widths(sheet, [header for _key, header, _fmt in columns], rows)
        for j, (_key, _header, fmt) in enumerate(columns, start=1):
            if fmt:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.number_format = fmt
        sheet.freeze_panes = "G2"
    reasons = release_reasons(session, release, unit_ids=unit_ids, lang=lang)
    if reasons is not None:
        _reasons_sheet(workbook.create_sheet(_("Lý do đánh giá thấp")[:31]), *reasons)
    about = workbook.create_sheet(_("Thông tin")[:31])
    for label, value in _about_rows(release):
        append_row(about, [label, value])
        if isinstance(value, date):
            about.cell(about.max_row, 2).number_format = DATE_FORMAT
    about.column_dimensions["A"].width = 32
    about.column_dimensions["B"].width = 70
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def release_reasons(
    session: Session, release: Release, *, unit_ids: set[int] | None = None, lang: str = "vi"
) -> tuple[list[str], list[list]] | None:
    """Low ratings and the reasons they cite, by unit then in total, from the release's microdata.

    None when the questionnaire asks no reasons. A published release counts its
    frozen copy; a draft the round's answers as computed (refused if changed).
    """
    from survey.domain.reasons import (
        Reason,
        ReasonBreakdown,
        ReasonGroup,
        breakdown_table,
        reason_items,
    )
    from survey.domain.responses import questionnaire_for

    if reason_items(questionnaire_for(release.questionnaire_version)) is None:
        return None
    microdata = _release_microdata(session, release)
    reasons = microdata.reasons
    if reasons is None:
        return None
    keep = reasons.low & (True if unit_ids is None else np.isin(microdata.data.unit_ids, list(unit_ids)))
    units, inverse = np.unique(microdata.data.unit_ids[keep], return_inverse=True)
    chosen = reasons.chosen[keep]
    low = np.bincount(inverse, minlength=len(units))
    explained = np.bincount(inverse, weights=chosen.any(axis=1), minlength=len(units))
    cited = [np.bincount(inverse, weights=chosen[:, j], minlength=len(units)) for j in range(chosen.shape[1])]
    groups = []
    for k, unit in enumerate(units):
        group = ReasonGroup(unit_name=microdata.units[int(unit)][1], low=int(low[k]), explained=int(explained[k]))
        group.counts.update({code: int(n[k]) for (code, _labels), n in zip(reasons.options, cited)})
        groups.append(group)
    total = ReasonGroup(low=int(low.sum()), explained=int(explained.sum()))
    total.counts.update({code: int(n.sum()) for (code, _labels), n in zip(reasons.options, cited)})
    breakdown = ReasonBreakdown(
        reasons=[Reason(code, labels) for code, labels in reasons.options],
        total=total,
        groups=sorted(groups, key=lambda g: g.unit_name),
        by="unit",
        start=release.round.starts_on,
        end=release.round.ends_on,
    )
    return breakdown_table(breakdown, lang)


def _reasons_sheet(sheet: Any, header: list[str], rows: list[list]) -> None:
    from openpyxl.styles import Font

    append_row(sheet, header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in rows:
        append_row(sheet, values)
    set_column_widths(sheet, header, rows)
    # unit, low ratings, with a reason, then a count and a share (points of 100) per reason
    for j in range(2, len(header) + 1):
        fmt = POINTS_FORMAT if j > 3 and j % 2 == 1 else COUNT_FORMAT
        for (cell,) in sheet.iter_rows(min_row=2, min_col=j, max_col=j):
            cell.number_format = fmt
    sheet.freeze_panes = "B2"


def release_csv(
    session: Session,
    release: Release,
    *,
    unit_ids: set[int] | None = None,
    lang: str = "vi",
    dialect: str = "standard",
) -> bytes:
    """The release as CSV, UTF-8 with BOM; a ``level`` column tells overall, group and item rows apart."""
    table = release_table(session, release, unit_ids=unit_ids, lang=lang)
    columns = _columns()
    names = _level_names()
    header = [_("Cấp chỉ số")] + [header for _key, header, _fmt in columns]
    rows = [[names.get(row["level"], row["level"])] + [row[key] for key, _h, _f in columns] for row in table]
    return csv_bytes([(header, rows)], check_dialect(dialect))


# --------------------------------------------------------------------------- microdata


def _stata_name(code: str, taken: set[str]) -> str:
    name = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in code)[:32] or "v"
    if name[0].isdigit():
        name = ("v" + name)[:32]
    base, k = name, 1
    while name in taken:
        k += 1
        name = f"{base[: 32 - len(str(k)) - 1]}_{k}"
    taken.add(name)
    return name


def _release_microdata(session: Session, release: Release) -> Microdata:
    """A published release's frozen microdata; a draft's (or an older release's) read again, if unchanged."""
    try:
        microdata = release_microdata_arrays(session, release)
    except ReleaseError as exc:
        raise ExportError(str(exc)) from exc
    if microdata.source != "frozen" and microdata.data.fingerprint() != release.data_fingerprint:
        raise ExportError(
            _("Dữ liệu của đợt đã thay đổi sau khi tính bản kết quả #%(id)d (dấu vân tay khác): hãy tính bản mới "
              "trước khi xuất dữ liệu gốc.", id=release.id)
        )
    return microdata


def release_microdata(
    session: Session, release: Release, fmt: str, *, unit_ids: set[int] | None = None, lang: str = "vi"
) -> bytes:
    """The answers behind the release as SPSS (``sav``) or Stata (``dta``), with value labels."""
    import pandas as pd

    microdata = _release_microdata(session, release)
    data = microdata.data
    keep = np.ones(data.n, dtype=bool) if unit_ids is None else np.isin(data.unit_ids, list(unit_ids))
    uniq = np.unique(data.unit_ids[keep])
    position = np.searchsorted(uniq, data.unit_ids[keep])
    names = [microdata.units[int(u)] for u in uniq]  # code, name, province code, province name
    frame: dict[str, Any] = {
        key: np.array([row[k] for row in names], dtype=object)[position]
        for k, key in enumerate(("unit_code", "unit_name", "province_code", "province_name"))
    }
    frame["weight"] = data.weights[keep]
    labels = {
        "unit_code": _("Mã đơn vị"),
        "unit_name": _("Tên đơn vị"),
        "province_code": _("Mã tỉnh, thành phố"),
        "province_name": _("Tên tỉnh, thành phố"),
        "weight": _("Trọng số"),
    }
    if data.strata is not None:
        frame["stratum"] = data.strata[keep]
        labels["stratum"] = _("Tầng")
    if data.psu is not None:
        frame["psu"] = data.psu[keep]
        labels["psu"] = _("Đơn vị mẫu cấp 1 (PSU)")
    from survey.domain.responses import questionnaire_for

    questionnaire = questionnaire_for(release.questionnaire_version)
    taken = set(frame)
    value_labels: dict[str, dict[Any, str]] = {}
    not_experienced: list[str] = []  # items whose 9 is "not experienced": user-missing
    for j, code in enumerate(data.items):
        name = _stata_name(code, taken)
        frame[name] = data.scores[keep, j].astype(np.float64)
        item = questionnaire.item(code)
        labels[name] = item.label(lang)[:80]
        options = {}
        for option in item.option_codes or []:
            if isinstance(option, (int, float)) and not isinstance(option, bool):
                options[float(option)] = item.option_label(option, lang)[:80]
        if options:
            value_labels[name] = options
        if item.not_experienced and NOT_EXPERIENCED_CODE in (item.option_codes or []):
            not_experienced.append(name)
    return _write_microdata(fmt, pd.DataFrame(frame), labels, value_labels, not_experienced)


def _write_microdata(
    fmt: str, table: Any, labels: dict[str, str], value_labels: dict[str, dict[Any, str]], not_experienced: list[str]
) -> bytes:
    """SPSS or Stata bytes; 9 of the ``not_experienced`` columns declared user-missing (Stata: ``.a``)."""
    import pyreadstat

    code = float(NOT_EXPERIENCED_CODE)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"data.{fmt}"
        if fmt == "sav":
            pyreadstat.write_sav(table, str(path), column_labels=labels, variable_value_labels=value_labels,
                                 missing_ranges={name: [code] for name in not_experienced})
        else:
            for name in not_experienced:  # Stata keeps user-missing codes as extended missing values
                column = table[name].astype(object)
                column[table[name] == code] = "a"
                table[name] = column
                value_labels[name] = {("a" if k == code else k): v for k, v in value_labels[name].items()}
            pyreadstat.write_dta(table, str(path), column_labels=labels, variable_value_labels=value_labels,
                                 missing_user_values={name: ["a"] for name in not_experienced})
        return path.read_bytes()


# --------------------------------------------------------------------------- printable report


def _format_number(value: float | None, digits: int, lang: str) -> str:
    if value is None or not np.isfinite(value):
        return "–"
    text = f"{value:,.{digits}f}"
    if lang == "vi":
        text = text.replace(",", "\u202f").replace(".", ",").replace("\u202f", ".")
    return text


def unit_report_html(session: Session, release: Release, unit: Unit | None = None, *, lang: str = "vi") -> str:
    """A printable HTML report of one unit (None: the nation) in a release."""
    from flask import current_app, has_request_context, render_template

    rows = list(
        session.scalars(
            select(ReleaseIndex).where(
                ReleaseIndex.release_id == release.id,
                ReleaseIndex.unit_id.is_(None) if unit is None else ReleaseIndex.unit_id == unit.id,
            )
        )
    )
    if not rows:
        raise ExportError(_("Bản kết quả không có số liệu của đơn vị này."))
    labels = index_labels(release, lang)
    by_key = {(r.level, r.index_code): r for r in rows}
    groups = [
        by_key[("group", g["code"])]
        for g in (release.parameters.get("spec") or {}).get("groups", [])
        if ("group", g["code"]) in by_key and g["code"] != OTHER_ITEMS_GROUP
    ]
    items = sorted(
        (r for r in rows if r.level == "item"),
        key=lambda r: release.questionnaire_version.numeric_items.index(r.index_code)
        if r.index_code in release.questionnaire_version.numeric_items
        else 999,
    )
    children = list(
        session.execute(
            select(ReleaseIndex, Unit)
            .join(Unit, ReleaseIndex.unit_id == Unit.id)
            .where(
                ReleaseIndex.release_id == release.id,
                ReleaseIndex.level == "overall",
                Unit.parent_id.is_(None) if unit is None else Unit.parent_id == unit.id,
            )
            .order_by(ReleaseIndex.estimate.desc(), Unit.code)
        ).all()
    )
    parent = session.get(Unit, unit.parent_id) if unit is not None and unit.parent_id else None

    def pct(value: float | None) -> str:
        text = _format_number(value, 2, lang)
        return text if text == "–" else text + (" %" if lang == "vi" else "%")

    def points(value: float | None) -> str:
        if value is None or not np.isfinite(value):
            return "–"
        return ("+" if value > 0 else "") + _format_number(value, 2, lang)

    context = {
        "release": release,
        "unit": unit,
        "parent": parent,
        "overall": by_key.get(("overall", "overall")),
        "groups": groups,
        "items": items,
        "children": children,
        "labels": labels,
        "flags": _flag_names(),
        "pct": pct,
        "points": points,
        "number": lambda v: _format_number(v, 0, lang),
        "lang": lang,
    }
    from flask_babel import force_locale

    if has_request_context():
        with force_locale(lang):
            return render_template("reports/unit.html", **context)
    with current_app.test_request_context(f"/?lang={lang}"), force_locale(lang):  # pages' locale needs a request
        return render_template("reports/unit.html", **context)


def export_release(
    session: Session,
    release: Release,
    fmt: str,
    *,
    unit_ids: set[int] | None = None,
    unit: Unit | None = None,
    lang: str = "vi",
    decimal_comma: bool = False,
    dialect: str | None = None,
) -> Export:
    """Export a release in one of :data:`FORMATS`; ``unit_ids`` limits the units (a manager's scope).

    ``html`` is the report of ``unit`` (default: the nation). ``dialect`` is the CSV's
    (``standard`` or ``excel-vn``; ``decimal_comma=True`` is ``excel-vn``). Headers
    and labels are in ``lang``.
    """
    with export_language(lang):
        return _export(session, release, fmt, unit_ids=unit_ids, unit=unit, lang=lang,
                       dialect=dialect or ("excel-vn" if decimal_comma else "standard"))


def _export(
    session: Session, release: Release, fmt: str, *, unit_ids: set[int] | None, unit: Unit | None, lang: str,
    dialect: str,
) -> Export:
    if fmt not in FORMATS:
        raise ExportError(_("Định dạng không hỗ trợ: %(fmt)s (chọn %(choices)s).", fmt=fmt, choices=", ".join(FORMATS)))
    stem = f"{release.round.code}-ban-{release.number}"
    if fmt == "xlsx":
        content = release_xlsx(session, release, unit_ids=unit_ids, lang=lang)
    elif fmt == "csv":
        try:
            content = release_csv(session, release, unit_ids=unit_ids, lang=lang, dialect=dialect)
        except ValueError as exc:
            raise ExportError(str(exc)) from exc
    elif fmt in ("sav", "dta"):
        content = release_microdata(session, release, fmt, unit_ids=unit_ids, lang=lang)
    else:
        if unit is not None and unit_ids is not None and unit.id not in unit_ids:
            raise ExportError(_("Đơn vị nằm ngoài phạm vi được xem."))
        content = unit_report_html(session, release, unit, lang=lang).encode("utf-8")
        stem += f"-{unit.code if unit else 'toan-quoc'}"
    return Export(io.BytesIO(content), MIMETYPES[fmt], f"{stem}.{fmt}")
