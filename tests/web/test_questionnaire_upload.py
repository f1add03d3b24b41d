"""The staff page that uploads a questionnaire, lists the checker's file:line problems, and publishes it."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from survey.models import AuditEntry, QuestionnaireVersion, Role, StaffUser

FIXTURES = Path(__file__).resolve().parent.parent / "domain" / "questionnaire_fixtures"
VALID = (FIXTURES / "valid_minimal.yaml").read_bytes()


def _text(page) -> str:
    return re.sub(r"\s+", " ", page.get_data(as_text=True))


@pytest.fixture
def statistician(client, db_session):
    user = StaffUser(login="thongke", display_name="Thống kê", role=Role.STATISTICIAN)
    user.set_password("mat-khau-thu")
    db_session.add(user)
    db_session.commit()
    assert client.post("/staff/login", data={"login": "thongke", "password": "mat-khau-thu"}).status_code == 302
    return client


def _upload(client, data: bytes, name: str):
    return client.post("/staff/questionnaires", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _hidden(page, name: str) -> str:
    return html.unescape(re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page.get_data(as_text=True)).group(1))


def _versions(db_session) -> list[tuple[str, str]]:
    return [(v.questionnaire.code, v.version) for v in db_session.scalars(select(QuestionnaireVersion))]


def test_a_broken_file_lists_every_problem_with_its_line(statistician, db_session):
    broken = VALID.replace(b"        required: true", b"        requried: true").replace(b"type: multiple",
                                                                                   b"type: multiples")
    page = _upload(statistician, broken, "phieu-2026.yaml")
    text = _text(page)
    assert page.status_code == 400
    assert "3 lỗi trong phieu-2026.yaml; chưa công bố gì." in text
    problems = [html.unescape(p) for p in re.findall(r"<li><code>(.*?)</code></li>", text)]
    assert problems == [
        "phieu-2026.yaml:11: sections[0].items[0].requried: unknown field 'requried'; did you mean 'required'?",
        "phieu-2026.yaml:19: sections[0].items[2].type: unknown item type 'multiples'; did you mean 'multiple'?",
        ("phieu-2026.yaml:26: sections[0].items[3].relevant: selected() needs a multiple-choice item; 'q3' is of "
         "type 'multiples' (compare it with == instead)"),
    ]
    assert "Công bố</button>" not in text and _versions(db_session) == []

    syntax = _upload(statistician, (FIXTURES / "syntax_error.yaml").read_bytes(), "loi.yaml")
    assert syntax.status_code == 400 and "loi.yaml:19: YAML syntax error" in _text(syntax)
    latin1 = _upload(statistician, b"id: x\nversion: 1\ntitle: Ph\xe1\n", "latin1.yaml")
    assert "latin1.yaml:3: the file is not valid UTF-8 text" in _text(latin1)


def test_a_valid_file_is_summarised_then_published_once(statistician, db_session):
    page = _upload(statistician, VALID, "minimal.yaml")
    text = _text(page)
    assert page.status_code == 200 and "minimal.yaml hợp lệ" in text
    assert "Mã: <strong>minimal</strong> · Phiên bản: <strong>3</strong> · Phiếu thử" in text
    assert "1 phần, 4 câu hỏi:" in text and "Phần chính (4 câu hỏi)" in text
    form = {"filename": _hidden(page, "filename"), "source": _hidden(page, "source")}
    assert form["source"] == VALID.decode("utf-8")

    published = statistician.post("/staff/questionnaires/publish", data=form)
    assert published.status_code == 302
    assert _versions(db_session) == [("minimal", "3")]
    version = db_session.scalar(select(QuestionnaireVersion))
    assert version.source == VALID.decode("utf-8") and version.numeric_items == ["q1", "q2"]
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "questionnaire.publish"))
    assert entry.target == "minimal@3" and entry.details["filename"] == "minimal.yaml"
    listing = _text(statistician.get("/staff/questionnaires"))
    assert "Đã công bố minimal phiên bản 3" in listing
    row = re.search(r'<tr data-version="minimal@3">(.*?)</tr>', listing).group(1)
    assert "Phiếu thử" in row and '<td class="num">4</td>' in row and "chưa có" in row

    again = statistician.post("/staff/questionnaires/publish", data=form, follow_redirects=True)
    assert "minimal phiên bản 3 đã được công bố trước đó; không có gì thay đổi." in _text(again)
    changed = form | {"source": form["source"].replace('"Phiếu thử"', '"Phiếu thử mới"')}
    refused = statistician.post("/staff/questionnaires/publish", data=changed)
    assert refused.status_code == 409
    assert "minimal phiên bản 3 đã được công bố với nội dung khác; hãy tăng số phiên bản" in _text(refused)
    assert _versions(db_session) == [("minimal", "3")]


def test_the_size_limit_is_stated_and_enforced(statistician, db_session):
    page = _text(statistician.get("/staff/questionnaires"))
    assert "tối đa 256 KB" in page and "Chưa công bố bảng hỏi nào." in page
    too_large = _upload(statistician, VALID + b"#" * (256 * 1024), "lon.yaml")
    assert too_large.status_code == 413 and "Tệp quá lớn; một tệp bảng hỏi tối đa 256 KB." in _text(too_large)
    assert _versions(db_session) == []
