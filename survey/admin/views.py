"""Administration pages: units and their lineage across the 2025 reorganisation."""

from __future__ import annotations

from flask import abort, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from survey.admin import bp
from survey.auth import role_required
from survey.extensions import db
from survey.models import Device, Unit, UnitKind, UnitLineage


@bp.route("/units")
@role_required("admin")
def units():
    provinces = db.session.scalars(
        select(Unit)
        .where(Unit.kind == UnitKind.PROVINCE, Unit.valid_from.is_not(None))
        .options(selectinload(Unit.predecessor_links).selectinload(UnitLineage.predecessor))
        .order_by(Unit.code)
    ).all()
    return render_template("admin/units.html", provinces=provinces)


@bp.route("/units/<int:unit_id>")
@role_required("admin")
def unit_detail(unit_id: int):
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        abort(404)
    devices = db.session.scalars(select(Device).where(Device.unit_id == unit.id)).all()
    return render_template("admin/unit.html", unit=unit, devices=devices)
