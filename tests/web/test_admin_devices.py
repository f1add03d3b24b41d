"""Admin pages for counter tablets: registering one (URL and QR shown once), the list, silent tablets."""

from __future__ import annotations

import base64
import io
import re
import shutil
from datetime import UTC, datetime, time, timedelta, timezone

import pytest
from PIL import Image
from sqlalchemy import func, select

from survey.domain.units import find_unit
from survey.models import AuditEntry, Device, hash_token, utcnow
from survey.web.admin.queries import DeviceState, OpeningHours, device_state

VN = timezone(timedelta(hours=7))


def _text(page) -> str:
    return re.sub(r"\s+", " ", page.get_data(as_text=True))


def _devices(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Device))


def test_admin_registers_a_tablet_and_sees_its_kiosk_url_once(client, db_session, demo, login_as):
    login_as("admin")
    unit = find_unit(db_session, "00070")
    form = client.get(f"/admin/devices/new?unit={unit.id}")
    assert form.status_code == 200 and 'value="00070"' in _text(form)
    before = _devices(db_session)
    page = client.post("/admin/devices/new", data={"unit_code": "00070", "counter_label": "Quầy 3"})
    text = _text(page)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    assert "Phường Hoàn Kiếm · Quầy 3" in text and "chỉ hiện một lần" in text
    url = re.search(r'<code class="kiosk-url">(http://localhost/k/([A-Za-z0-9_-]+))</code>', text)
    assert url, text
    token = url.group(2)
    qr = Image.open(io.BytesIO(base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', text).group(1))))
    assert qr.format == "PNG" and qr.width == qr.height >= 200

    assert _devices(db_session) == before + 1
    device = db_session.scalar(select(Device).order_by(Device.id.desc()))
    assert (device.unit.code, device.counter_label, device.active) == ("00070", "Quầy 3", True)
    assert device.token_hash == hash_token(token) and token not in device.token_hash
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "device_registered"))
    assert entry.details == {"unit": "00070", "counter": "Quầy 3"} and token not in str(entry.details)

    kiosk = client.get(f"/k/{token}")  # the URL works on the tablet
    assert kiosk.status_code == 200 and "Phường Hoàn Kiếm" in _text(kiosk)
    for later in ("/admin/devices", f"/admin/units/{unit.id}"):  # and is never shown again
        listed = client.get(later)
        assert listed.status_code == 200 and "Quầy 3" in _text(listed) and token not in _text(listed)


def test_registering_for_an_unknown_unit_is_refused(client, db_session, demo, login_as):
    login_as("admin")
    before = _devices(db_session)
    page = client.post("/admin/devices/new", data={"unit_code": "99999", "counter_label": "Quầy 1"})
    assert page.status_code == 400 and "Không có đơn vị đang hoạt động với mã này." in _text(page)
    empty = client.post("/admin/devices/new", data={"unit_code": "00004", "counter_label": ""})
    assert empty.status_code == 400
    assert _devices(db_session) == before


def test_device_pages_are_for_admins_only(client, demo, login_as):
    assert client.get("/admin/devices").status_code == 302  # to the login page
    assert client.post("/admin/devices/new", data={"unit_code": "00004", "counter_label": "x"}).status_code == 302
    for login in ("thongke", "quanly.hanoi"):
        login_as(login)
        assert client.get("/admin/devices").status_code == 403
        assert client.get("/admin/devices/new").status_code == 403
        assert client.post("/admin/devices/new", data={"unit_code": "00004", "counter_label": "x"}).status_code == 403
        client.post("/staff/logout")


def test_device_list_flags_tablets_silent_during_opening_hours(client, db_session, demo, login_as):
    devices = db_session.scalars(select(Device).order_by(Device.id)).all()
    now = utcnow()
    for device in devices:
        device.last_seen_at = now
    devices[3].last_seen_at = now - timedelta(days=30)  # Tuyên Quang's tablet went quiet a month ago
    db_session.commit()
    login_as("admin")
    page = client.get("/admin/devices")
    text = _text(page)
    assert page.status_code == 200
    assert "1 máy tính bảng đang mất liên lạc." in text
    rows = re.findall(r'<tr data-device="(\d+)">(.*?)</tr>', text)
    assert rows[0][0] == str(devices[3].id)  # silent tablets first
    assert "Mất liên lạc" in rows[0][1] and "Trung tâm Phục vụ hành chính công tỉnh Tuyên Quang" in rows[0][1]
    assert all("Hoạt động" in row for _id, row in rows[1:])
    assert "60 phút trong giờ làm việc (07:30–17:00)" in text


def test_deactivating_a_tablet_stops_its_kiosk(client, db_session, demo, login_as):
    kiosk = demo["kiosks"][2]
    assert client.get(kiosk).status_code == 200
    device = db_session.scalar(select(Device).where(Device.token_hash == hash_token(kiosk.rsplit("/", 1)[1])))
    login_as("admin")
    done = client.post(f"/admin/devices/{device.id}/deactivate")
    assert done.status_code == 302
    db_session.expire_all()
    assert device.active is False
    assert client.get(kiosk).status_code == 404
    assert "Đã ngừng" in _text(client.get("/admin/devices"))
    assert db_session.scalar(select(AuditEntry).where(AuditEntry.action == "device_deactivated")) is not None


def test_admin_device_forms_need_a_csrf_token(sqlite_template, tmp_path):
    from survey import create_app
    from survey.domain.demo import seed_demo
    from survey.extensions import db

    db_file = tmp_path / "csrf.db"
    shutil.copy(sqlite_template, db_file)
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": f"sqlite:///{db_file}",
                      "INSTANCE_PATH": str(tmp_path / "instance"), "RATELIMIT_ENABLED": False})
    with app.app_context():
        seed_demo(db.session, tmp_path / "instance", scale=0.1)
        client = app.test_client()
        login_page = client.get("/staff/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
        assert client.post("/staff/login", data={"login": "admin", "password": "sipas-demo",
                                                 "csrf_token": token}).status_code == 302
        before = _devices(db.session)
        forged = client.post("/admin/devices/new", data={"unit_code": "00004", "counter_label": "Quầy 9"})
        assert forged.status_code == 400 and _devices(db.session) == before
        device = db.session.scalar(select(Device))
        assert client.post(f"/admin/devices/{device.id}/deactivate").status_code == 400
        form = client.get("/admin/devices/new").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
        sent = client.post("/admin/devices/new", data={"unit_code": "00004", "counter_label": "Quầy 9",
                                                       "csrf_token": token})
        assert sent.status_code == 200 and _devices(db.session) == before + 1
        db.session.remove()
        db.engine.dispose()


# --- opening hours -----------------------------------------------------------------------


def vn(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=VN)  # 2026-03-02 is a Monday


HOURS = OpeningHours()  # Monday–Friday, 07:30–17:00


def test_open_minutes_count_only_opening_hours():
    assert HOURS.open_minutes(vn(2, 8), vn(2, 9)) == 60
    assert HOURS.open_minutes(vn(2, 6), vn(2, 8)) == 30  # before opening does not count
    assert HOURS.open_minutes(vn(2, 16, 30), vn(2, 20)) == 30
    assert HOURS.open_minutes(vn(6, 16, 50), vn(9, 8)) == 40  # Friday 16:50 → Monday 08:00
    assert HOURS.open_minutes(vn(7, 9), vn(8, 18)) == 0  # a weekend
    assert HOURS.open_minutes(vn(2, 7, 30), vn(3, 7, 30)) == 570  # a whole day
    utc_naive = vn(2, 8).astimezone(UTC).replace(tzinfo=None)  # as SQLite returns it
    assert HOURS.open_minutes(utc_naive, vn(2, 9)) == 60


def test_silent_means_longer_than_allowed_during_opening_hours():
    device = Device(active=True, last_seen_at=vn(6, 16, 50), created_at=vn(1, 8))
    assert device_state(device, vn(9, 8), HOURS, 60).state == DeviceState.OK  # 40 open minutes
    assert device_state(device, vn(9, 8, 30), HOURS, 60).state == DeviceState.SILENT  # 70
    assert device_state(device, vn(9, 8, 30), HOURS, 90).state == DeviceState.OK
    never = Device(active=True, last_seen_at=None, created_at=vn(2, 8))
    assert device_state(never, vn(2, 8, 30), HOURS, 60).state == DeviceState.NEVER
    assert device_state(never, vn(2, 10), HOURS, 60).state == DeviceState.SILENT
    off = Device(active=False, last_seen_at=vn(1, 8), created_at=vn(1, 8))
    assert device_state(off, vn(9, 10), HOURS, 60).state == DeviceState.INACTIVE


def test_opening_hours_come_from_the_configuration():
    hours = OpeningHours.from_config({"OPENING_DAYS": "0,1,2,3,4,5", "OPENING_HOURS": "07:00-11:30"})
    assert hours.days == frozenset(range(6)) and hours.opens == time(7) and hours.closes == time(11, 30)
    assert hours.open_minutes(vn(7, 8), vn(7, 12)) == 210  # Saturday morning
    assert OpeningHours.from_config({"OPENING_DAYS": [0, 2]}).days == frozenset({0, 2})
    with pytest.raises(ValueError, match="OPENING_HOURS must look like 07:30-17:00"):
        OpeningHours.from_config({"OPENING_HOURS": "sáng"})
    with pytest.raises(ValueError, match="bad opening hours"):
        OpeningHours.from_config({"OPENING_HOURS": "17:00-07:30"})


def test_configured_silence_threshold_reaches_the_page(app, client, db_session, demo, login_as):
    app.config.update(DEVICE_SILENT_MINUTES=120, OPENING_HOURS="08:00-16:00")
    login_as("admin")
    assert "120 phút trong giờ làm việc (08:00–16:00)" in _text(client.get("/admin/devices"))
