"""The administration of a new round, in Chromium, on an install with nothing but its first admin.

The first admin comes from ``sipas staff add`` (the only way on a fresh
install); everything else is done on the web pages: the province's units,
its questionnaire, a round opened, a tablet registered, a manager's account.
The database is checked after each step, and the manager then logs in.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from playwright.sync_api import expect
from sqlalchemy import select

from survey.cli import main
from survey.models import (
    Device,
    QuestionnaireVersion,
    Role,
    RoundStatus,
    StaffUser,
    SurveyRound,
    Unit,
)
from tests.browser.conftest import make_live_app, serving

pytestmark = pytest.mark.browser

QUESTIONNAIRE = """\
id: tinh-thu-quay
version: 1
languages: [vi, en]
title: {vi: "Đánh giá tại quầy của tỉnh Thử", en: "Counter rating of Thử province"}
sections:
  - code: counter
    title: {vi: "Lần phục vụ vừa rồi", en: "The service just now"}
    items:
      - code: rating
        type: satisfaction
        required: true
        label: {vi: "Ông/Bà hài lòng với lần phục vụ này không?", en: "Were you satisfied with this service?"}
indices:
  groups:
    - code: counter
      label: {vi: "Tại quầy", en: "At the counter"}
      items: [rating]
  overall:
    aggregation: mean
"""
ADMIN_PASSWORD = "quan-tri-tinh-thu-2026"


@pytest.fixture(scope="module")
def empty_server(tmp_path_factory):
    app = make_live_app(tmp_path_factory.mktemp("empty-install"))
    result = CliRunner().invoke(main, ["staff", "add", "quantri", "--role", "admin", "--password-stdin"],
                                input=ADMIN_PASSWORD + "\n", obj=app, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with serving(app) as server:
        yield server


@pytest.fixture
def admin_page(browser, empty_server):
    context = browser.new_context(base_url=empty_server.url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def _log_in(page, login: str, password: str) -> None:
    page.goto("/staff/login")
    page.get_by_label("Tên đăng nhập").fill(login)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


def test_an_admin_sets_up_a_round_on_the_web_pages(admin_page, empty_server, tmp_path, screenshot):
    page = admin_page
    one = empty_server.query

    _log_in(page, "quantri", ADMIN_PASSWORD)
    expect(page.get_by_role("button", name="Đăng xuất", exact=True)).to_be_visible()

    # Units: a file with a mistake is refused whole, with the row and column; the fixed file is stored.
    def units_file(rows, name):
        path = tmp_path / name
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["Mã", "Tên", "Cấp", "Mã cấp trên", "Hiệu lực từ"])
            writer.writerows(rows)
        return path

    good_rows = [("98", "Tỉnh Thử", "Tỉnh", "", "01/07/2025"),
                 ("98001", "Phường Một", "Phường", "98", "01/07/2025"),
                 ("98002", "Xã Hai", "Xã", "98", "01/07/2025")]
    page.goto("/admin/units/import")
    page.get_by_label("Tệp CSV hoặc XLSX").set_input_files(
        str(units_file([*good_rows[:2], ("98002", "Xã Hai", "Xã", "97", "01/07/2025")], "sai.csv")))
    page.get_by_role("button", name="Kiểm tra").click()
    expect(page.locator("#problems tbody tr")).to_have_count(1)
    expect(page.locator("#problems tbody tr td").first).to_have_text("4")
    screenshot(page, "admin-units-import-problems")
    assert one(lambda s: s.scalar(select(Unit.id).limit(1))) is None

    page.get_by_label("Tệp CSV hoặc XLSX").set_input_files(str(units_file(good_rows, "dung.csv")))
    page.get_by_role("button", name="Kiểm tra").click()
    page.get_by_role("button", name="Lưu vào danh mục").click()
    assert sorted(one(lambda s: s.scalars(select(Unit.code)).all())) == ["98", "98001", "98002"]
    screenshot(page, "admin-units-imported")

    # The questionnaire: a broken file shows its line; the good one is published.
    broken = tmp_path / "hong.yaml"
    broken.write_text(QUESTIONNAIRE.replace("type: satisfaction", "type: satisfactoin"), encoding="utf-8")
    page.goto("/staff/questionnaires")
    page.get_by_label("Tệp bảng hỏi (YAML)").set_input_files(str(broken))
    page.get_by_role("button", name="Tải lên và kiểm tra").click()
    line = next(i for i, text in enumerate(broken.read_text().splitlines(), 1) if "satisfactoin" in text)
    expect(page.locator("#problems li").first).to_contain_text(f"hong.yaml:{line}")
    good = tmp_path / "bang-hoi.yaml"
    good.write_text(QUESTIONNAIRE, encoding="utf-8")
    page.get_by_label("Tệp bảng hỏi (YAML)").set_input_files(str(good))
    page.get_by_role("button", name="Tải lên và kiểm tra").click()
    page.get_by_role("button", name="Công bố").click()
    expect(page.locator('tr[data-version="tinh-thu-quay@1"]')).to_be_visible()
    screenshot(page, "staff-questionnaires")
    assert one(lambda s: s.scalar(select(QuestionnaireVersion.version))) == "1"

    # A round: created as a draft, then opened after a confirmation.
    today = date.today()
    page.goto("/admin/rounds/new")
    page.get_by_label("Mã đợt", exact=False).fill("quay-2026")
    page.get_by_label("Tên đợt").fill("Đánh giá tại quầy 2026")
    page.get_by_label("Bảng hỏi và phiên bản").select_option(index=0)
    page.get_by_label("Đánh giá liên tục tại quầy").check()
    page.locator("#channels-group").get_by_label("Tại quầy", exact=False).check()
    page.get_by_label("Ngày bắt đầu", exact=False).fill((today - timedelta(days=1)).strftime("%d/%m/%Y"))
    page.get_by_label("Ngày kết thúc", exact=False).fill((today + timedelta(days=90)).strftime("%d/%m/%Y"))
    page.get_by_label("Mã đơn vị trong phạm vi", exact=False).fill("98")
    page.get_by_role("button", name="Tạo đợt (nháp)").click()
    page.get_by_role("link", name="Mở đợt").first.click()
    page.get_by_role("button", name="Mở đợt").click()
    screenshot(page, "admin-round-opened")
    survey_round = one(lambda s: s.scalar(select(SurveyRound).where(SurveyRound.code == "quay-2026")))
    assert survey_round.status == RoundStatus.OPEN and survey_round.channels == ["counter"]

    # A tablet for the counter of Phường Một: its kiosk address works at once.
    page.goto("/admin/devices/new")
    page.get_by_label("Mã đơn vị").fill("98001")
    page.get_by_label("Tên quầy").fill("Quầy 1")
    page.get_by_role("button", name="Đăng ký").click()
    kiosk = page.locator("a[href*='/k/'], code:has-text('/k/')").first.text_content()
    kiosk_path = "/k/" + kiosk.split("/k/", 1)[1].strip()
    assert one(lambda s: s.scalar(select(Device.counter_label))) == "Quầy 1"

    # A manager for the province, who then logs in and sees it.
    page.goto("/admin/staff/new")
    page.get_by_label("Tên đăng nhập").fill("lanhdao.thu")
    page.get_by_label("Họ tên").fill("Lãnh đạo tỉnh Thử")
    page.get_by_label("Vai trò").select_option("manager")
    page.get_by_label("Mã đơn vị phạm vi").fill("98")
    page.get_by_label("Mật khẩu ban đầu").fill("lanh-dao-tinh-thu-1")
    page.get_by_role("button", name="Thêm tài khoản").click()
    screenshot(page, "admin-staff-added")
    manager = one(lambda s: s.execute(select(StaffUser.role, Unit.code).join(Unit, StaffUser.unit_id == Unit.id)
                                      .where(StaffUser.login == "lanhdao.thu")).one())
    assert tuple(manager) == (Role.MANAGER, "98")

    page.get_by_role("button", name="Đăng xuất", exact=True).click()
    _log_in(page, "lanhdao.thu", "lanh-dao-tinh-thu-1")
    expect(page.get_by_role("button", name="Đăng xuất", exact=True)).to_be_visible()
    assert page.get_by_role("link", name="Tài khoản cán bộ").count() == 0

    page.goto(kiosk_path)
    expect(page.get_by_text("Ông/Bà hài lòng với lần phục vụ này không?")).to_be_visible()
    screenshot(page, "kiosk-of-the-new-round")
