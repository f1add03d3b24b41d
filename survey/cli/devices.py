"""``sipas devices``: register counter tablets and see when each last made contact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from survey.cli.app import with_appcontext
from survey.cli.loaders import public_base_url, unit_or_exit
from survey.cli.output import echo_table
from survey.i18n import _, format_local_datetime


@click.group("devices", help=_("Máy tính bảng tại quầy: đăng ký và theo dõi liên lạc."))
def devices_group() -> None:
    pass


@devices_group.command("add", help=_("Đăng ký một máy tính bảng cho một quầy; in địa chỉ kiosk và ghi mã QR."))
@click.option("--unit", "unit_code", required=True, help=_("Mã đơn vị."))
@click.option("--counter", "counter_label", required=True, help=_("Tên quầy, ví dụ \"Quầy 1\"."))
@click.option("--qr", "qr_path", type=click.Path(dir_okay=False, path_type=Path),
              help=_("Tệp PNG mã QR (mặc định: kiosk-<đơn vị>-<số máy>.png)."))
@click.option("--base-url", help=_("Địa chỉ công khai của SIPAS, ví dụ https://sipas.example.gov.vn."))
@with_appcontext
def add(unit_code: str, counter_label: str, qr_path: Path | None, base_url: str | None) -> None:
    from survey.domain.devices import register_device
    from survey.extensions import db
    from survey.web.kiosk.qr import qr_png

    base = public_base_url(base_url).rstrip("/")
    counter_label = counter_label.strip()
    if not counter_label or len(counter_label) > 64:
        raise click.UsageError(_("Tên quầy phải có từ 1 đến 64 ký tự."))
    unit = unit_or_exit(unit_code)
    try:
        device, token = register_device(db.session, unit, counter_label)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    url = f"{base}/k/{token}"
    path = qr_path or Path(f"kiosk-{unit.code}-{device.id}.png")
    path.write_bytes(qr_png(url))  # after the commit: a file never names a device that is not stored
    click.echo(_("Đã đăng ký máy số %(id)s: %(unit)s · %(counter)s.", id=device.id, unit=unit.name,
                 counter=counter_label))
    click.echo(_("Địa chỉ kiosk (chỉ hiện một lần; mở địa chỉ này trên máy tính bảng):"))
    click.echo(url)
    click.echo(_("Mã QR: %(path)s", path=path))


def _local(moment: datetime | None) -> str:
    if moment is None:
        return _("chưa bao giờ")
    return format_local_datetime(moment)


@devices_group.command("list", help=_("Liệt kê máy tính bảng, lần liên lạc gần nhất và máy im lặng."))
@click.option("--silent-hours", default=24, show_default=True, type=click.IntRange(min=1),
              help=_("Máy không liên lạc quá số giờ này bị đánh dấu im lặng."))
@with_appcontext
def list_devices(silent_hours: int) -> None:
    from sqlalchemy import select

    from survey.extensions import db
    from survey.models import Device, Unit, utcnow

    devices = db.session.scalars(select(Device).join(Unit).order_by(Unit.code, Device.counter_label, Device.id)).all()
    if not devices:
        click.echo(_("Chưa có máy tính bảng nào."))
        return
    limit = utcnow() - timedelta(hours=silent_hours)
    rows = [(_("Số"), _("Đơn vị"), _("Quầy"), _("Liên lạc gần nhất"), _("Tình trạng"))]
    silent = 0
    for device in devices:
        seen = device.last_seen_at
        if seen is not None and seen.tzinfo is None:
            seen = seen.replace(tzinfo=UTC)
        if not device.active:
            status = _("đã tắt")
        elif seen is None or seen < limit:
            status = _("IM LẶNG")
            silent += 1
        else:
            status = _("hoạt động")
        rows.append((str(device.id), f"{device.unit.code} {device.unit.name}", device.counter_label,
                     _local(device.last_seen_at), status))
    echo_table(rows)
    if silent:
        click.echo(_("%(n)d máy không liên lạc trong %(hours)d giờ qua.", n=silent, hours=silent_hours))
