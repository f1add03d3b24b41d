"""Administration pages: counter tablets and invitation response rates (units: units.py)."""

from __future__ import annotations

import base64

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

from survey.domain.devices import register_device
from survey.domain.invitations import response_rates, rounds_with_invitations
from survey.domain.units import find_unit
from survey.extensions import db
from survey.models import Device, SurveyRound, Unit, utcnow
from survey.web.admin.blueprint import bp
from survey.web.admin.forms import ConfirmForm, DeviceForm
from survey.web.admin.queries import DeviceState, OpeningHours, device_rows
from survey.web.auth import audit, role_required
from survey.web.routing import id_arg
from survey.web.staff.queries import scope_unit_ids
from survey.web.urls import public_url


def device_alert_settings() -> tuple[OpeningHours, float]:
    config = current_app.config
    return OpeningHours.from_config(config), float(config["DEVICE_SILENT_MINUTES"])


# --- counter tablets -------------------------------------------------------------


@bp.route("/devices")
@role_required("admin")
def devices():
    hours, silent_after = device_alert_settings()
    rows = device_rows(db.session, utcnow(), hours, silent_after)
    return render_template(
        "admin/devices.html",
        rows=rows,
        hours=hours,
        silent_after=silent_after,
        silent=sum(1 for r in rows if r.state == DeviceState.SILENT),
        DeviceState=DeviceState,
        confirm=ConfirmForm(),
    )


@bp.route("/devices/new", methods=["GET", "POST"])
@role_required("admin")
def device_new():
    """Register a tablet; its kiosk URL and QR code are shown on this one page and never again."""
    form = DeviceForm()
    unit_id = id_arg("unit") if request.method == "GET" else None
    if unit_id is not None:
        unit = db.session.get(Unit, unit_id)
        if unit is not None:
            form.unit_code.data = unit.code
    if form.validate_on_submit():
        unit = find_unit(db.session, form.unit_code.data.strip())
        if unit is None:
            form.unit_code.errors.append(_("Không có đơn vị đang hoạt động với mã này."))
        else:
            label = form.counter_label.data.strip()
            device, token = register_device(db.session, unit, label)
            audit("device_registered", target=f"device {device.id}", unit=unit.code, counter=label)
            db.session.commit()
            return _device_registered(device, token)
    status = 400 if request.method == "POST" else 200
    return render_template("admin/device_new.html", form=form), status


def _device_registered(device: Device, token: str):
    from survey.domain.posters import qr_png

    kiosk_url = public_url("kiosk.kiosk", token=token)
    qr = base64.b64encode(qr_png(kiosk_url, 360)).decode("ascii")
    response = make_response(render_template("admin/device_registered.html", device=device,
                                             kiosk_url=kiosk_url, qr_data=qr))
    # The token is in this page only: keep it out of caches and Referer headers.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/devices/<int:device_id>/deactivate", methods=["POST"])
@role_required("admin")
def device_deactivate(device_id: int):
    """Switch a tablet off (lost, stolen or replaced): its kiosk URL stops working at once."""
    device = db.session.get(Device, device_id)
    if device is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if device.active:
        device.active = False
        audit("device_deactivated", target=f"device {device.id}", unit=device.unit.code,
              counter=device.counter_label)
        db.session.commit()
    flash(_("Đã ngừng máy tính bảng %(counter)s của %(unit)s.", counter=device.counter_label,
            unit=device.unit.name), "ok")
    return redirect(url_for("admin.devices"))


# --- invitation response rates ------------------------------------------------------


@bp.route("/invitations")
@role_required("admin", "statistician", "manager")
def invitation_rounds():
    unit_ids = scope_unit_ids(db.session, current_user)
    return render_template("admin/invitation_rounds.html", rows=rounds_with_invitations(db.session, unit_ids))


@bp.route("/invitations/<int:round_id>")
@role_required("admin", "statistician", "manager")
def invitation_rates(round_id: int):
    survey_round = db.session.get(SurveyRound, round_id)
    if survey_round is None:
        abort(404)
    unit_ids = scope_unit_ids(db.session, current_user)
    rows = response_rates(db.session, round_id, unit_ids)
    sent = sum(r.sent for r in rows)
    used = sum(r.used for r in rows)
    return render_template(
        "admin/invitation_rates.html",
        survey_round=survey_round,
        rows=rows,
        sent=sent,
        used=used,
        rate=100.0 * used / sent if sent else None,
    )
