"""Survey rounds for administrators and statisticians: the list, create and edit, open and close."""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from survey.domain.questionnaires.store import published_versions
from survey.domain.rounds import (
    CHANNELS,
    RoundError,
    RoundFields,
    channel_label,
    channels_label,
    close_round,
    create_round,
    kind_label,
    list_rounds,
    open_round,
    parse_day,
    response_count,
    status_label,
    update_round,
)
from survey.extensions import db
from survey.models import RoundKind, RoundStatus, SurveyRound
from survey.web.admin.blueprint import bp
from survey.web.admin.forms import ReopenForm, RoundForm
from survey.web.auth import role_required

ROUND_ROLES = ("admin", "statistician")
# The form field that shows each field's problem (RoundError.problems keys).
FORM_FIELDS = {"questionnaire": "questionnaire_version", "version": "questionnaire_version", "units": "unit_codes"}


def _round_or_404(round_id: int) -> SurveyRound:
    survey_round = db.session.get(SurveyRound, round_id)
    if survey_round is None:
        abort(404)
    return survey_round


def _labels() -> dict:
    return {"kind_label": kind_label, "status_label": status_label, "channels_label": channels_label}


def _with_choices(form: RoundForm) -> RoundForm:
    form.questionnaire_version.choices = [
        (f"{p.version.questionnaire.code}@{p.version.version}",
         _("%(id)s phiên bản %(version)s: %(title)s", id=p.version.questionnaire.code, version=p.version.version,
           title=p.version.definition["title"]["vi"]))
        for p in reversed(published_versions(db.session))
    ]
    form.kind.choices = [(kind.value, kind_label(kind)) for kind in RoundKind]
    form.channels.choices = [(channel, channel_label(channel)) for channel in CHANNELS]
    return form


def _fields(form: RoundForm) -> tuple[RoundFields, dict[str, str]]:
    """The form's values as the domain's fields, with the problems of days that are not days."""
    questionnaire, _sep, version = (form.questionnaire_version.data or "").rpartition("@")
    bad_days: dict[str, str] = {}
    days = {}
    for name in ("starts_on", "ends_on"):
        typed = (getattr(form, name).data or "").strip()
        days[name] = parse_day(typed)
        if typed and days[name] is None:
            bad_days[name] = _("%(text)s không phải là một ngày (dd/mm/yyyy).", text=typed)
    kinds = {kind.value: kind for kind in RoundKind}
    fields = RoundFields(
        code=form.code.data or "", name=form.name.data or "", questionnaire=questionnaire, version=version or None,
        kind=kinds.get(form.kind.data or ""), channels=tuple(form.channels.data or ()),
        starts_on=days["starts_on"], ends_on=days["ends_on"],
        unit_codes=tuple(code for code in re.split(r"[\s,;]+", form.unit_codes.data or "") if code),
    )
    return fields, bad_days


def _show_problems(form: RoundForm, problems: dict[str, str]) -> None:
    db.session.rollback()
    for name, message in problems.items():
        field = getattr(form, FORM_FIELDS.get(name, name), None)
        if field is None:
            flash(message, "error")
        else:
            field.errors = [*field.errors, message]


def _fill(form: RoundForm, survey_round: SurveyRound) -> None:
    fields = RoundFields.of(survey_round)
    form.code.data, form.name.data = fields.code, fields.name
    form.questionnaire_version.data = f"{fields.questionnaire}@{fields.version}"
    form.kind.data = survey_round.kind.value
    form.channels.data = list(fields.channels)
    form.starts_on.data = survey_round.starts_on.strftime("%d/%m/%Y")
    form.ends_on.data = survey_round.ends_on.strftime("%d/%m/%Y")
    form.unit_codes.data = "\n".join(fields.unit_codes)


@bp.route("/rounds")
@role_required(*ROUND_ROLES)
def rounds():
    return render_template("admin/rounds.html", summaries=list_rounds(db.session), **_labels())


@bp.route("/rounds/new", methods=["GET", "POST"])
@role_required(*ROUND_ROLES)
def round_new():
    form = _with_choices(RoundForm())
    if request.method == "GET":
        form.kind.data = RoundKind.YEARLY_SAMPLE.value
    if form.validate_on_submit():
        fields, bad_days = _fields(form)
        try:
            survey_round = create_round(db.session, fields, current_user._get_current_object())
        except RoundError as exc:
            _show_problems(form, {**exc.problems, **bad_days})
        else:
            db.session.commit()
            flash(_("Đã tạo đợt %(code)s ở trạng thái nháp; mở đợt khi sẵn sàng nhận phiếu.",
                    code=survey_round.code), "ok")
            return redirect(url_for("admin.round_edit", round_id=survey_round.id))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/round_form.html", form=form, survey_round=None, **_labels()), status


@bp.route("/rounds/<int:round_id>", methods=["GET", "POST"])
@role_required(*ROUND_ROLES)
def round_edit(round_id: int):
    survey_round = _round_or_404(round_id)
    form = _with_choices(RoundForm())
    if request.method == "GET":
        _fill(form, survey_round)
    if form.validate_on_submit():
        fields, bad_days = _fields(form)
        try:
            changes = update_round(db.session, survey_round, fields, current_user._get_current_object())
        except RoundError as exc:
            _show_problems(form, {**exc.problems, **bad_days})
        else:
            db.session.commit()
            flash(_("Đã lưu thay đổi của đợt %(code)s.", code=survey_round.code) if changes
                  else _("Không có gì thay đổi."), "ok")
            return redirect(url_for("admin.round_edit", round_id=survey_round.id))
    responses = response_count(db.session, survey_round)
    status = 400 if request.method == "POST" else 200
    return render_template("admin/round_form.html", form=form, survey_round=survey_round, responses=responses,
                           **_labels()), status


def _status_change(survey_round: SurveyRound, action: str):
    """The confirmation page (GET) or the change itself (POST) of opening or closing a round."""
    form = ReopenForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            if action == "open":
                open_round(db.session, survey_round, user, reason=form.reason.data)
            else:
                close_round(db.session, survey_round, user)
        except RoundError as exc:
            db.session.rollback()
            form.reason.errors = [*form.reason.errors, *exc.problems.values()]
        else:
            db.session.commit()
            done = _("Đợt %(code)s đang mở.") if action == "open" else _("Đã đóng đợt %(code)s.")
            flash(done % {"code": survey_round.code}, "ok")
            return redirect(url_for("admin.rounds"))
    status = 400 if request.method == "POST" else 200
    reopen = action == "open" and survey_round.status == RoundStatus.CLOSED
    return render_template("admin/round_confirm.html", form=form, survey_round=survey_round, action=action,
                           reopen=reopen, **_labels()), status


@bp.route("/rounds/<int:round_id>/open", methods=["GET", "POST"])
@role_required(*ROUND_ROLES)
def round_open(round_id: int):
    return _status_change(_round_or_404(round_id), "open")


@bp.route("/rounds/<int:round_id>/close", methods=["GET", "POST"])
@role_required(*ROUND_ROLES)
def round_close(round_id: int):
    return _status_change(_round_or_404(round_id), "close")
