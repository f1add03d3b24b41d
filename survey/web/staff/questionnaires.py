"""Questionnaires for statisticians and administrators: published versions, upload and check, publish.

An upload is checked by the same checker as ``sipas questionnaire check``; a
valid file comes back with the publish button as a hidden field and is checked
again before ``publish()`` (the same as ``sipas questionnaire publish``) stores it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.exceptions import RequestEntityTooLarge

from survey.domain.questionnaires import (
    QuestionnaireDefinition,
    QuestionnaireError,
    parse_questionnaire_bytes,
)
from survey.domain.questionnaires.store import PublishError, publish, published_versions
from survey.extensions import db
from survey.web.auth import audit, role_required
from survey.web.staff.blueprint import bp
from survey.web.staff.forms import QuestionnairePublishForm, QuestionnaireUploadForm

QUESTIONNAIRE_MAX_BYTES = 256 * 1024
DEFAULT_FILENAME = "bang-hoi.yaml"


@dataclass
class CheckedFile:
    """An uploaded file after the checker: its problems (file:line: message) or the questionnaire."""

    filename: str
    source: str = ""
    problems: list[str] = field(default_factory=list)
    questionnaire: QuestionnaireDefinition | None = None


def _check(raw: bytes, filename: str) -> CheckedFile:
    try:
        questionnaire = parse_questionnaire_bytes(raw, filename)
    except QuestionnaireError as exc:
        return CheckedFile(filename, problems=[str(problem) for problem in exc.problems])
    return CheckedFile(filename, source=questionnaire.source or "", questionnaire=questionnaire)


def _posted_form(form_class: type[FlaskForm]) -> FlaskForm | None:
    """The request's form, or None when the request is over the limit."""
    # The global request limit is small; the publish form carries the file percent-encoded.
    request.max_content_length = QUESTIONNAIRE_MAX_BYTES * 4 + 64 * 1024
    try:
        return form_class()
    except RequestEntityTooLarge:
        return None


def _too_large(form: QuestionnaireUploadForm | None = None):
    flash(_("Tệp quá lớn; một tệp bảng hỏi tối đa %(kb)d KB.", kb=QUESTIONNAIRE_MAX_BYTES // 1024), "error")
    return _page(form, status=413)


def _page(upload: QuestionnaireUploadForm | None = None, checked: CheckedFile | None = None, status: int = 200):
    publish_form = None
    if checked is not None and checked.questionnaire is not None:
        publish_form = QuestionnairePublishForm(formdata=None, filename=checked.filename, source=checked.source)
    page = render_template(
        "staff/questionnaires.html",
        published=published_versions(db.session),
        form=upload or QuestionnaireUploadForm(formdata=None),
        checked=checked,
        publish_form=publish_form,
        max_kb=QUESTIONNAIRE_MAX_BYTES // 1024,
    )
    return page, status


@bp.route("/questionnaires", methods=["GET", "POST"])
@role_required("statistician", "admin")
def questionnaires():
    form = _posted_form(QuestionnaireUploadForm)
    if form is None:
        return _too_large()
    if not form.validate_on_submit():
        return _page(form, status=400 if request.method == "POST" else 200)
    upload = form.file.data
    raw = upload.read(QUESTIONNAIRE_MAX_BYTES + 1)
    if len(raw) > QUESTIONNAIRE_MAX_BYTES:
        return _too_large(form)
    checked = _check(raw, Path(upload.filename or DEFAULT_FILENAME).name)
    return _page(form, checked, 200 if checked.questionnaire else 400)


@bp.route("/questionnaires/publish", methods=["POST"])
@role_required("statistician", "admin")
def questionnaire_publish():
    form = _posted_form(QuestionnairePublishForm)
    if form is None:
        return _too_large()
    if not form.validate_on_submit():
        abort(400)
    raw = (form.source.data or "").replace("\r\n", "\n").encode("utf-8")
    if len(raw) > QUESTIONNAIRE_MAX_BYTES:
        return _too_large()
    checked = _check(raw, Path(form.filename.data or DEFAULT_FILENAME).name)
    if checked.questionnaire is None:
        return _page(checked=checked, status=400)
    questionnaire = checked.questionnaire
    try:
        version, created = publish(db.session, questionnaire, checked.source)
    except PublishError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _page(checked=checked, status=409)
    if not created:
        flash(_("%(id)s phiên bản %(version)s đã được công bố trước đó; không có gì thay đổi.",
                id=questionnaire.id, version=questionnaire.version), "ok")
        return redirect(url_for("staff.questionnaires"))
    audit("questionnaire.publish", target=f"{questionnaire.id}@{questionnaire.version}",
          content_hash=version.content_hash, filename=checked.filename)
    db.session.commit()
    flash(_("Đã công bố %(id)s phiên bản %(version)s (%(hash)s).", id=questionnaire.id,
            version=questionnaire.version, hash=version.content_hash[:12]), "ok")
    return redirect(url_for("staff.questionnaires"))
