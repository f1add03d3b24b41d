"""Statisticians' pages: start a computation, follow its progress, review a draft, publish; exports.

The computation runs as a background job (survey.domain.jobs): the POST only starts
it and redirects to the job page, whose progress bar polls a small JSON view
(and refreshes itself without JavaScript), so no request ever waits for it.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from survey.extensions import db
from survey.i18n import current_language
from survey.models import Job, JobStatus, ReleaseStatus, Role, SurveyRound
from survey.web.auth import audit, role_required, staff_required
from survey.web.i18n import format_percent
from survey.web.loaders import get_release_or_404, get_unit_or_404, scope_of
from survey.web.staff.blueprint import bp
from survey.web.staff.forms import ComputeForm, ConfirmForm
from survey.web.staff.queries import releases_for_staff, unit_indices

FORMATS = ("xlsx", "csv", "sav", "dta", "html")


def export_formats() -> tuple[str, ...]:
    """The formats the exporter offers (none until survey.domain.exports exists)."""
    try:
        from survey.domain import exports
    except ImportError:
        return ()
    offered = getattr(exports, "FORMATS", FORMATS)
    return tuple(f for f in FORMATS if f in offered)


def _round_choices() -> list[tuple[int, str]]:
    rounds = db.session.scalars(select(SurveyRound).order_by(SurveyRound.ends_on.desc(), SurveyRound.id))
    return [(r.id, r.name) for r in rounds]


@bp.route("/releases")
@role_required("statistician")
def releases():
    form = ComputeForm()
    form.round_id.choices = _round_choices()
    jobs = db.session.scalars(
        select(Job).where(Job.kind == "compute_release").order_by(Job.created_at.desc()).limit(10)
    ).all()
    return render_template(
        "staff/releases.html", form=form, releases=releases_for_staff(db.session, drafts=True), jobs=jobs
    )


@bp.post("/releases/compute")
@role_required("statistician")
def compute():
    form = ComputeForm()
    form.round_id.choices = _round_choices()
    if not form.validate_on_submit():
        flash(_("Vui lòng chọn đợt khảo sát và đặt tên cho bản kết quả."), "error")
        return redirect(url_for("staff.releases"))
    from survey.domain.releases import current_release
    from survey.serving.queue import start_job

    survey_round = db.session.get(SurveyRound, form.round_id.data)
    published = current_release(db.session, survey_round)  # a new release of a round corrects it
    job = start_job(
        current_app._get_current_object(),  # type: ignore[attr-defined]
        "compute_release",
        user=current_user,
        round_id=survey_round.id,
        title=form.title.data.strip(),
        supersedes_id=published.id if published else None,
    )
    audit("release.compute_started", target=survey_round.code, job_id=job.id, title=form.title.data.strip())
    db.session.commit()
    return redirect(url_for("staff.job", job_id=job.id))


def _job_or_404(job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None:
        abort(404)
    if job.user_id != current_user.id and current_user.role != Role.STATISTICIAN:
        abort(404)
    return job


def _job_text(job: Job) -> str:
    """The job's state in one sentence, in the request's language (steps are stored in Vietnamese)."""
    step = _(job.message) if job.message else ""  # a step's stored text is its own msgid
    if job.status == JobStatus.DONE:
        return _("Đã xong.")
    if job.status == JobStatus.FAILED:
        return _("Tính toán không thành công: %(reason)s", reason=step) if step else _("Tính toán không thành công.")
    if job.status == JobStatus.QUEUED or not step:
        return _("Đang chờ đến lượt tính…")
    return step


def _job_state(job: Job) -> dict:
    release_id = (job.result or {}).get("release_id")
    return {
        "id": job.id,
        "status": job.status.value,
        "progress": round(float(job.progress or 0.0), 4),
        "percent": format_percent(100 * float(job.progress or 0.0), 0),
        "text": _job_text(job),
        "message": job.message,
        "done": job.status in (JobStatus.DONE, JobStatus.FAILED),
        "result_url": url_for("staff.release_review", release_id=release_id) if release_id else None,
    }


@bp.route("/jobs/<int:job_id>")
@staff_required
def job(job_id: int):
    job = _job_or_404(job_id)
    return render_template("staff/job.html", job=job, state=_job_state(job))


@bp.route("/jobs/<int:job_id>.json")
@staff_required
def job_json(job_id: int):
    response = current_app.json.response(_job_state(_job_or_404(job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/releases/<int:release_id>")
@role_required("statistician")
def release_review(release_id: int):
    release = get_release_or_404(release_id)
    from survey.domain.releases.microdata import frozen_microdata
    from survey.web.staff.queries import index_labels, league_rows

    microdata = "live"
    if release.status == ReleaseStatus.PUBLISHED:
        microdata = "frozen" if frozen_microdata(db.session, release) is not None else "reread"

    return render_template(
        "staff/release.html",
        release=release,
        national=unit_indices(db.session, release.id, None),
        top=league_rows(db.session, release.id, None),
        labels=index_labels(release.questionnaire_version, request.args.get("lang") or "vi"),
        form=ConfirmForm(),
        export_formats=export_formats(),
        microdata=microdata,
    )


@bp.post("/releases/<int:release_id>/publish")
@role_required("statistician")
def release_publish(release_id: int):
    release = get_release_or_404(release_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if release.status == ReleaseStatus.PUBLISHED:
        flash(_("Bản kết quả này đã được công bố; muốn sửa thì tạo bản mới."), "error")
        return redirect(url_for("staff.release_review", release_id=release.id))
    from survey.domain.releases import ReleaseError, publish_release

    try:
        publish_release(db.session, release, user=current_user)  # audits "release.publish"
    except ReleaseError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("staff.release_review", release_id=release.id))
    db.session.commit()
    flash(_("Đã công bố bản kết quả số %(n)d.", n=release.number), "ok")
    return redirect(url_for("staff.release_review", release_id=release.id))


@bp.route("/releases/<int:release_id>/export.<fmt>")
@role_required("statistician", "manager")
def release_export(release_id: int, fmt: str):
    """A release's results (and the scope's data) in one of the exporter's formats."""
    if fmt not in export_formats():
        abort(404)
    release = get_release_or_404(release_id)
    code = request.args.get("unit", "").strip()
    scope = scope_of()
    if code:
        from survey.domain.units import descendant_ids

        unit = get_unit_or_404(code)
        unit_ids: set[int] | None = descendant_ids(db.session, unit)
        if scope is not None:
            unit_ids &= scope  # type: ignore[operator]
    elif scope is not None:  # a manager: their own unit (the html report), their scope (tables)
        unit = current_user.unit
        if unit is None:
            abort(404)
        unit_ids = scope
    else:
        unit, unit_ids = None, None
    from survey.domain.exports import ExportError, export_release

    try:
        exported = export_release(db.session, release, fmt, unit_ids=unit_ids, unit=unit, lang=current_language())
    except ExportError as exc:
        abort(404, description=str(exc))
    audit("release.export", target=f"{release.round.code}#{release.number}", release_id=release.id, format=fmt,
          unit=unit.code if unit else None)
    db.session.commit()
    return send_file(
        exported.data,
        mimetype=exported.mimetype,
        as_attachment=True,
        download_name=exported.filename,
    )
