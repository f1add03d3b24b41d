"""Administration of units: the list, a unit's page, importing the official list, merges, splits, renames."""

from __future__ import annotations

import base64
import binascii
from datetime import date

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.exceptions import RequestEntityTooLarge

from survey.domain.lineage import (
    LineageError,
    merge_units,
    rename_unit,
    split_unit,
    successor_for,
    unit_before,
)
from survey.domain.paper_import import FileLimits
from survey.domain.unit_import import import_units, parse_kind
from survey.domain.unit_kinds import KIND_LABELS
from survey.domain.units import find_unit, units_query
from survey.extensions import db
from survey.i18n import format_local_date
from survey.models import Unit, utcnow
from survey.web.admin.blueprint import bp
from survey.web.admin.forms import (
    MergeForm,
    RenameForm,
    SplitForm,
    UnitImportForm,
    UnitImportSaveForm,
)
from survey.web.admin.queries import DeviceState, device_rows
from survey.web.admin.views import device_alert_settings
from survey.web.auth import role_required
from survey.web.loaders import typed_day
from survey.web.urls import public_url

PAGE_SIZE = 50
CHANGE_FORMS = {"rename": RenameForm, "merge": MergeForm, "split": SplitForm}


def _unit_or_404(unit_id: int) -> Unit:
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        abort(404)
    return unit


def _day_arg(name: str, errors: list[str] | None = None) -> date | None:
    """The day in argument ``name`` (dd/mm/yyyy or yyyy-mm-dd); a bad one is named in ``errors``."""
    text = request.args.get(name, "").strip()[:32]
    day, problem = typed_day(text, _("Có hiệu lực ngày"))
    if problem and errors is not None:
        errors.append(problem)
    return day


@bp.route("/units")
@role_required("admin")
def units():
    """Units of every level: by level, parent and day of validity (default: today), or by code or name."""
    kind = parse_kind(request.args.get("level", "")) if request.args.get("level") else None
    errors: list[str] = []
    on = None if request.args.get("on") == "all" else (_day_arg("on", errors) or date.today())
    search = request.args.get("q", "").strip()[:100]
    parent_code = request.args.get("parent", "").strip()[:32]
    parent = find_unit(db.session, parent_code, on) if parent_code else None
    query = units_query(kind, parent, on, search)
    if parent_code and parent is None:
        query = query.where(Unit.id.is_(None))
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, request.args.get("page", 1, type=int)), pages)
    rows = db.session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    filters = {"level": kind.value if kind else "", "parent": parent_code, "q": search,
               "on": "all" if on is None else format_local_date(on)}
    return render_template("admin/units.html", units=rows, total=total, page=page, pages=pages, filters=filters,
                           kinds=KIND_LABELS, errors=errors)


@bp.route("/units/<int:unit_id>")
@role_required("admin")
def unit_detail(unit_id: int):
    unit = _unit_or_404(unit_id)
    hours, silent_after = device_alert_settings()
    return render_template(
        "admin/unit.html",
        unit=unit,
        kinds=KIND_LABELS,
        children=sorted(unit.children, key=lambda u: (u.code, u.valid_from or date.min)),
        stranded=[c for c in unit.children if unit.valid_to and (c.valid_to is None or c.valid_to > unit.valid_to)],
        current=unit.is_valid_on(date.today()),
        devices=device_rows(db.session, utcnow(), hours, silent_after, unit_id=unit.id),
        survey_url=public_url("online.unit_survey", unit_code=unit.code),
        DeviceState=DeviceState,
    )


# --- posters ------------------------------------------------------------------------


@bp.route("/units/<int:unit_id>/poster.<any(png, pdf):kind>")
@role_required("admin")
def unit_poster(unit_id: int, kind: str):
    """The printable poster (A4) or receipt slip with the QR code of the unit's public link."""
    from survey.domain.posters import POSTER_FORMATS, poster_pdf, poster_png

    unit = _unit_or_404(unit_id)
    fmt = request.args.get("format", "a4")
    if fmt not in POSTER_FORMATS:
        abort(400)
    url = public_url("online.unit_survey", unit_code=unit.code)
    body = poster_png(unit.name, url, fmt) if kind == "png" else poster_pdf(unit.name, url, fmt)
    response = make_response(body)
    response.mimetype = "image/png" if kind == "png" else "application/pdf"
    filename = f"sipas-{unit.code}-{fmt}.{kind}"
    disposition = "inline" if kind == "png" else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


# --- importing the list of units -------------------------------------------------------


@bp.route("/units/import", methods=["GET", "POST"])
@role_required("admin")
def units_import():
    """Upload a list of units: first a check with every problem and the counts, then the import."""
    max_bytes = int(current_app.config["IMPORT_MAX_BYTES"])
    request.max_content_length = max_bytes * 2 + 1024 * 1024  # the preview carries the file back in base64
    form, save = UnitImportForm(), UnitImportSaveForm()
    try:
        if request.form.get("payload"):
            return _import_save(save)
        if form.validate_on_submit():
            data = form.file.data.read(max_bytes + 1)
            filename = (form.file.data.filename or "units.csv")[:255]
            sheet, basis = (form.sheet.data or "").strip() or None, (form.basis.data or "").strip() or None
            report = import_units(db.session, data, filename, sheet=sheet, dry_run=True, legal_basis=basis,
                                  limits=FileLimits.from_config(current_app.config))
            db.session.rollback()
            save.payload.data = base64.b64encode(data).decode("ascii")
            save.filename.data, save.sheet.data, save.basis.data = filename, sheet or "", basis or ""
            return render_template("admin/units_import.html", form=form, report=report, save=save)
    except RequestEntityTooLarge:
        form.file.errors = [_("Tệp quá lớn; tối đa %(max)s MB.", max=max_bytes // 1048576)]
    status = 400 if request.method == "POST" else 200
    return render_template("admin/units_import.html", form=form, report=None, save=None), status


def _import_save(save: UnitImportSaveForm):
    if not save.validate_on_submit():
        abort(400)
    try:
        data = base64.b64decode(save.payload.data, validate=True)
    except (binascii.Error, ValueError):
        abort(400)
    report = import_units(db.session, data, save.filename.data, sheet=save.sheet.data or None,
                          legal_basis=save.basis.data or None, user=current_user,
                          limits=FileLimits.from_config(current_app.config))
    if not report.ok:  # the stored units changed since the check
        db.session.rollback()
        return render_template("admin/units_import.html", form=UnitImportForm(), report=report, save=None), 400
    db.session.commit()
    flash(_("Đã nhập %(file)s: tạo %(created)d, cập nhật %(updated)d, giữ nguyên %(unchanged)d đơn vị; "
            "%(links)d liên kết sắp xếp mới.", file=report.filename, created=report.created, updated=report.updated,
            unchanged=report.unchanged, links=report.links), "ok")
    return redirect(url_for("admin.units", on="all"))


# --- merges, splits and renames ---------------------------------------------------------


@bp.route("/units/<int:unit_id>/<any(rename, merge, split):change>", methods=["GET", "POST"])
@role_required("admin")
def unit_change(unit_id: int, change: str):
    """Record that this unit was renamed, merged into another or split, from a day, with its legal basis."""
    unit = _unit_or_404(unit_id)
    form = CHANGE_FORMS[change]()
    if form.validate_on_submit():
        try:
            result = _apply_change(unit, change, form)
            db.session.commit()
        except LineageError as exc:
            db.session.rollback()
            form.on.errors = [*form.on.errors, str(exc)]
        else:
            flash(_("Đã ghi nhận thay đổi từ ngày %(day)s.", day=form.on.data.strftime("%d/%m/%Y")), "ok")
            return redirect(url_for("admin.unit_detail", unit_id=result.id))
    status = 400 if request.method == "POST" else 200
    titles = {"rename": _("Đổi tên đơn vị"), "merge": _("Sáp nhập đơn vị"), "split": _("Chia tách đơn vị")}
    return render_template("admin/unit_change.html", unit=unit, title=titles[change], form=form), status


def _apply_change(unit: Unit, change: str, form) -> Unit:
    """Record the change; returns the unit to show next (the renamed or merged one, or the split one)."""
    on, basis = form.on.data, (form.basis.data or "").strip() or None
    if change == "rename":
        return rename_unit(db.session, unit, form.name.data, on, basis, user=current_user)
    if change == "merge":
        others = [unit_before(db.session, code, on) for code in (form.others.data or "").replace(",", " ").split()]
        predecessors = [unit, *(o for o in others if o.id != unit.id)]
        successor = successor_for(db.session, form.into.data, on, predecessors, (form.name.data or "").strip() or None)
        return merge_units(db.session, predecessors, on, successor, basis, user=current_user)
    lines = [line.strip() for line in form.into.data.splitlines() if line.strip()]
    split_unit(db.session, unit, [successor_for(db.session, line, on) for line in lines], on, basis, user=current_user)
    return unit
