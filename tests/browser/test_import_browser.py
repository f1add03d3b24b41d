"""A statistician imports a paper batch in Chromium: the report of a wrong file, then the fixed file."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from survey.domain.paper_import import paper_uuid
from survey.models import Channel, ImportBatch, Response, SurveyRound

pytestmark = pytest.mark.browser

EXAMPLES = Path(__file__).resolve().parents[2] / "questionnaires" / "examples"
WITH_ERRORS = EXAMPLES / "sipas-paper-sample-with-errors.csv"
FIXED = EXAMPLES / "sipas-paper-sample.csv"


def _upload(page, path: Path) -> None:
    page.get_by_label("Đợt khảo sát").select_option(label="SIPAS 2024 (sipas-2024)")
    page.get_by_label("Tệp CSV hoặc XLSX").set_input_files(str(path))
    page.get_by_role("button", name="Tải lên và kiểm tra").click()


def test_statistician_fixes_a_paper_batch_and_imports_it(page, live_server, screenshot, axe_check):
    page.goto("/staff/login")
    page.get_by_label("Tên đăng nhập").fill("thongke")
    page.get_by_label("Mật khẩu").fill("sipas-demo")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Tổng quan", exact=True)).to_be_visible()

    page.goto("/staff/imports")
    expect(page.get_by_role("heading", name="Nhập phiếu giấy", exact=True)).to_be_visible()
    _upload(page, WITH_ERRORS)

    expect(page.get_by_role("heading", name=f"Kiểm tra tệp {WITH_ERRORS.name}")).to_be_visible()
    expect(page.get_by_text("Có 2 lỗi; chưa lưu phiếu nào.", exact=False)).to_be_visible()
    report = page.locator("#import-report tbody tr")
    expect(report).to_have_count(2)
    expect(report.nth(0).locator("td")).to_have_text(
        ["4", "G", "Giới tính", "Nữa", "«Nữa» không phải phương án của câu gender; chọn 1 = Nam, 2 = Nữ, 3 = Khác."]
    )
    expect(report.nth(1).locator("td")).to_have_text(
        ["4", "U", "A0", "6", ("«6» không phải phương án của câu a0; chọn 1 = Rất không hài lòng, "
                                "2 = Không hài lòng, 3 = Bình thường, 4 = Hài lòng, 5 = Rất hài lòng.")]
    )
    expect(page.get_by_role("combobox", name="Gán cột G")).to_have_value("gender")
    expect(page.get_by_role("button", name="Nhập dữ liệu")).to_be_disabled()
    screenshot(page, "import-report")
    axe_check(page, "the import report")

    page.get_by_role("link", name="Tải lên tệp khác hoặc tệp đã sửa").click()
    expect(page.get_by_label("Đợt khảo sát")).to_have_value(
        str(live_server.query(lambda s: s.scalar(select(SurveyRound.id).where(SurveyRound.code == "sipas-2024"))))
    )
    _upload(page, FIXED)
    expect(page.get_by_text("Không có lỗi: 6 phiếu mới sẵn sàng để nhập.")).to_be_visible()
    assert page.locator("#import-report").count() == 0
    page.get_by_role("button", name="Nhập dữ liệu").click()

    expect(page.locator("#import-result")).to_have_text("Đã nhập 6 phiếu.")
    screenshot(page, "import-result")
    axe_check(page, "the import result")

    sha256 = hashlib.sha256(FIXED.read_bytes()).hexdigest()

    def stored(session):
        survey_round = session.scalar(select(SurveyRound).where(SurveyRound.code == "sipas-2024"))
        batches = session.scalars(select(ImportBatch).where(ImportBatch.round_id == survey_round.id)).all()
        first_form = session.scalar(select(Response).where(Response.uuid == paper_uuid(survey_round.id, "01", "1")))
        return (
            [(b.filename, b.file_sha256, b.rows) for b in batches],
            (first_form.channel, first_form.answers["gender"], first_form.unit.code),
        )

    batches, first_form = live_server.query(stored)
    assert batches == [(FIXED.name, sha256, 6)]
    assert first_form == (Channel.PAPER, 1, "01")
