"""Statisticians import paper questionnaires (CSV/XLSX): upload, mapping and report, import.

The uploaded file waits in ``<instance>/import-uploads/`` under a random token
while the statistician checks the mapping and the report; the import itself
reads and validates it again, stores it in one transaction and deletes it.
"""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from survey.domain.paper_import import (
    IGNORE,
    TEMPLATE_FORMATS,
    FileLimits,
    ImportProblem,
    build_template,
    check_import,
    mapping_choices,
    run_import,
    template_filename,
)
from survey.domain.responses import questionnaire_for
from survey.extensions import csrf, db
from survey.models import AuditEntry, Channel, ImportBatch, RoundStatus, SurveyRound
from survey.web.auth import audit, role_required
from survey.web.staff.blueprint import bp

PENDING_LIFETIME = 24 * 3600
NOT_CHOSEN = "?"
SKIP = "-"


class ImportUploadForm(FlaskForm):
    round_id = SelectField(_l("Đợt khảo sát"), coerce=int, validators=[DataRequired()])
    file = FileField(_l("Tệp CSV hoặc XLSX"), validators=[FileRequired(_l("Hãy chọn một tệp."))])
    sheet = StringField(_l("Trang tính (XLSX, không bắt buộc)"), validators=[Optional(), Length(max=100)])


class ImportActionForm(FlaskForm):
    """CSRF only; the mapping selects are read by column index."""


def _paper_rounds() -> list[SurveyRound]:
    rounds = db.session.scalars(select(SurveyRound).order_by(SurveyRound.starts_on.desc(), SurveyRound.id)).all()
    return [r for r in rounds if Channel.PAPER.value in r.channels and r.status == RoundStatus.OPEN]


def _max_bytes() -> int:
    return int(current_app.config["IMPORT_MAX_BYTES"])


# --- pending uploads ------------------------------------------------------------------


def _pending_dir() -> Path:
    path = Path(current_app.instance_path) / "import-uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _clean_old_uploads() -> None:
    limit = time.time() - PENDING_LIFETIME
    for path in _pending_dir().iterdir():
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


def _save_pending(data: bytes, meta: dict[str, Any]) -> str:
    token = secrets.token_hex(16)
    directory = _pending_dir()
    (directory / f"{token}.upload").write_bytes(data)
    (directory / f"{token}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return token


def _load_pending(token: str) -> tuple[dict[str, Any], bytes]:
    """The upload's details and bytes; 404 unless it is this user's."""
    if len(token) != 32 or not all(c in "0123456789abcdef" for c in token):
        abort(404)
    directory = _pending_dir()
    try:
        meta = json.loads((directory / f"{token}.json").read_text(encoding="utf-8"))
        data = (directory / f"{token}.upload").read_bytes()
    except FileNotFoundError:
        abort(404)
    if meta.get("user_id") != current_user.id:
        abort(404)
    return meta, data


def _update_pending(token: str, meta: dict[str, Any]) -> None:
    (_pending_dir() / f"{token}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def _drop_pending(token: str) -> None:
    for suffix in (".upload", ".json"):
        (_pending_dir() / f"{token}{suffix}").unlink(missing_ok=True)


# --- views ----------------------------------------------------------------------------


@bp.route("/imports", methods=["GET", "POST"])
@role_required("statistician", "admin")
def imports():
    # The global request limit is small; an import file may be larger (checked again below).
    request.max_content_length = _max_bytes() + 1024 * 1024
    rounds = _paper_rounds()
    try:
        form = ImportUploadForm()
    except RequestEntityTooLarge:
        form = ImportUploadForm(formdata=None)
        flash(_("Tệp quá lớn; tối đa %(max)s MB. Hãy chia thành nhiều tệp.", max=f"{_max_bytes() / 1048576:g}"), "error")
        return _upload_page(form, rounds), 413
    form.round_id.choices = [(r.id, f"{r.name} ({r.code})") for r in rounds]
    if request.method == "GET" and request.args.get("round", type=int):
        form.round_id.data = request.args.get("round", type=int)
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(_max_bytes() + 1)
        if len(data) > _max_bytes():
            flash(_("Tệp quá lớn; tối đa %(max)s MB. Hãy chia thành nhiều tệp.", max=f"{_max_bytes() / 1048576:g}"), "error")
            return _upload_page(form, rounds), 413
        _clean_old_uploads()
        token = _save_pending(
            data,
            {
                "user_id": current_user.id,
                "filename": Path(upload.filename or "upload.csv").name,
                "round_id": form.round_id.data,
                "sheet": (form.sheet.data or "").strip() or None,
                "mapping": {},
            },
        )
        return redirect(url_for("staff.import_preview", token=token))
    status = 400 if request.method == "POST" else 200
    return _upload_page(form, rounds), status


csrf.exempt(imports)  # the form checks its own CSRF token once the larger limit is set


def _upload_page(form: ImportUploadForm, rounds: list[SurveyRound]) -> str:
    batches = db.session.scalars(
        select(ImportBatch).options(selectinload(ImportBatch.round)).order_by(ImportBatch.id.desc()).limit(20)
    ).all()
    return render_template("staff/imports/upload.html", form=form, rounds=rounds, batches=batches)


def _round_or_404(round_id: int) -> SurveyRound:
    survey_round = db.session.get(SurveyRound, round_id)
    if survey_round is None:
        abort(404)
    return survey_round


def _mapping_from_form(report_columns: list, form_data: Any) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for column in report_columns:
        if not column.header:
            continue
        choice = form_data.get(f"col-{column.index}", NOT_CHOSEN)
        if choice == SKIP:
            mapping[column.header] = IGNORE
        elif choice != NOT_CHOSEN:
            mapping[column.header] = choice
    return mapping


@bp.route("/imports/<token>", methods=["GET", "POST"])
@role_required("statistician", "admin")
def import_preview(token: str):
    meta, data = _load_pending(token)
    survey_round = _round_or_404(meta["round_id"])
    action_form = ImportActionForm()
    limits = {"limits": FileLimits.from_config(current_app.config)}
    if request.method == "POST":
        if not action_form.validate_on_submit():
            abort(400)
        checked = check_import(db.session, survey_round, data, meta["filename"], mapping=meta["mapping"],
                               sheet=meta["sheet"], **limits)
        meta["mapping"] = _mapping_from_form(checked.columns, request.form)
        _update_pending(token, meta)
        if request.form.get("action") != "import":
            return redirect(url_for("staff.import_preview", token=token))
        report = run_import(db.session, survey_round, data, meta["filename"], mapping=meta["mapping"],
                            sheet=meta["sheet"], user=current_user, **limits)
        if report.batch is not None:
            batch_id = report.batch.id
            audit(
                "import",
                target=f"import-batch:{batch_id}",
                round=survey_round.code,
                filename=meta["filename"],
                sha256=report.sha256,
                rows=report.rows,
                created=report.created,
                duplicates=len(report.duplicates),
                designs=report.designs,
            )
            db.session.commit()
            _drop_pending(token)
            return redirect(url_for("staff.import_batch", batch_id=batch_id))
        db.session.rollback()
        if not report.ok:
            audit("import_refused", target=survey_round.code, filename=meta["filename"],
                  sha256=report.sha256, problems=report.problem_count)
            db.session.commit()
        return _preview_page(token, meta, survey_round, report, action_form), 422 if not report.ok else 200
    report = check_import(db.session, survey_round, data, meta["filename"], mapping=meta["mapping"],
                          sheet=meta["sheet"], **limits)
    db.session.rollback()
    return _preview_page(token, meta, survey_round, report, action_form)


def _preview_page(token: str, meta: dict, survey_round: SurveyRound, report, action_form: FlaskForm) -> str:
    questionnaire = questionnaire_for(survey_round.questionnaire_version)
    lang = getattr(g, "locale", "vi")
    choices = [(NOT_CHOSEN, _("— Chưa chọn —")), (SKIP, _("— Bỏ qua cột này —"))]
    choices += mapping_choices(questionnaire, lang, _)
    selected = {
        column.index: (NOT_CHOSEN if column.target is None else SKIP if column.target == IGNORE else column.target)
        for column in report.columns
    }
    return render_template(
        "staff/imports/preview.html",
        token=token,
        meta=meta,
        survey_round=survey_round,
        report=report,
        form=action_form,
        choices=choices,
        selected=selected,
        message=lambda problem: ImportProblem.message(problem, _),
        can_import=report.ok and report.already_imported is None,
    )


TEMPLATE_MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


@bp.route("/imports/rounds/<int:round_id>/template.<fmt>")
@role_required("statistician", "admin")
def import_template(round_id: int, fmt: str):
    """The round's template file to fill in (XLSX with option lists, or CSV)."""
    survey_round = _round_or_404(round_id)
    if fmt not in TEMPLATE_FORMATS or Channel.PAPER.value not in survey_round.channels:
        abort(404)
    data = build_template(survey_round, questionnaire_for(survey_round.questionnaire_version), fmt)
    filename = template_filename(survey_round, fmt)
    return Response(data, mimetype=TEMPLATE_MIMETYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/imports/batches/<int:batch_id>")
@role_required("statistician", "admin")
def import_batch(batch_id: int):
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None:
        abort(404)
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "import", AuditEntry.target == f"import-batch:{batch_id}")
    )
    details = (entry.details or {}) if entry is not None else {}
    return render_template("staff/imports/result.html", batch=batch, details=details, entry=entry)
