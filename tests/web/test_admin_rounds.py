"""Admin pages for survey rounds on an empty install: create, errors by field, edit, open, close, reopen."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from survey import QUESTIONNAIRES_DIR
from survey.domain.questionnaires import load_questionnaire
from survey.domain.questionnaires.store import publish
from survey.models import (
    AuditEntry,
    Role,
    RoundKind,
    RoundStatus,
    StaffUser,
    SurveyRound,
    Unit,
    UnitKind,
)

PASSWORD = "mat-khau-thu"


def _text(page) -> str:
    return re.sub(r"\s+", " ", page.get_data(as_text=True))


@pytest.fixture
def install(db_session):
    """No demo: three staff members, the two questionnaires and two provinces."""
    for login, role in (("quantri", Role.ADMIN), ("thongke", Role.STATISTICIAN), ("quanly", Role.MANAGER)):
        user = StaffUser(login=login, display_name=login, role=role)
        user.set_password(PASSWORD)
        db_session.add(user)
    for name in ("sipas-service", "counter-quick"):
        path = QUESTIONNAIRES_DIR / f"{name}.yaml"
        publish(db_session, load_questionnaire(path), path.read_text(encoding="utf-8"))
    for code, name in (("01", "Thành phố Hà Nội"), ("48", "Thành phố Đà Nẵng")):
        db_session.add(Unit(code=code, name=name, kind=UnitKind.PROVINCE, valid_from=date(2025, 7, 1)))
    db_session.commit()


@pytest.fixture
def signed_in(client, install):
    def sign_in(login: str):
        response = client.post("/staff/login", data={"login": login, "password": PASSWORD})
        assert response.status_code == 302
        return client

    return sign_in


FORM = {
    "code": "sipas-2026", "name": "SIPAS 2026", "questionnaire_version": "sipas-service@1",
    "kind": "yearly_sample", "channels": ["paper", "online"], "starts_on": "01/01/2026",
    "ends_on": "31/12/2026", "unit_codes": "01\n48",
}


def test_admin_creates_a_round_and_sees_it_listed(db_session, signed_in):
    client = signed_in("quantri")
    form = client.get("/admin/rounds/new")
    text = _text(form)
    assert form.status_code == 200
    assert 'value="sipas-service@1"' in text and 'value="counter-quick@1"' in text
    assert "Khảo sát năm (chọn mẫu)" in text and "Đánh giá liên tục tại quầy" in text and "Phiếu giấy" in text
    created = client.post("/admin/rounds/new", data=FORM)
    assert created.status_code == 302
    survey_round = db_session.scalar(select(SurveyRound))
    assert created.headers["Location"].endswith(f"/admin/rounds/{survey_round.id}")
    assert (survey_round.code, survey_round.status, survey_round.kind) == ("sipas-2026", RoundStatus.DRAFT,
                                                                           RoundKind.YEARLY_SAMPLE)
    assert survey_round.channels == ["online", "paper"] and sorted(u.code for u in survey_round.units) == ["01", "48"]
    assert (survey_round.starts_on, survey_round.ends_on) == (date(2026, 1, 1), date(2026, 12, 31))
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "round.create"))
    admin = db_session.scalar(select(StaffUser).where(StaffUser.login == "quantri"))
    assert entry.user_id == admin.id and entry.target == "round:sipas-2026"

    edit = _text(client.get(created.headers["Location"]))
    assert "Đã tạo đợt sipas-2026 ở trạng thái nháp" in edit and 'value="01/01/2026"' in edit
    listed = _text(client.get("/admin/rounds"))
    row = re.search(r'<tr data-round="sipas-2026">(.*?)</tr>', listed).group(1)
    for part in ("SIPAS 2026", "Khảo sát năm (chọn mẫu)", "sipas-service · phiên bản 1", "Trực tuyến, Phiếu giấy",
                 "01/01/2026 – 31/12/2026", "2 đơn vị", "Nháp", "Mở đợt"):
        assert part in row, (part, row)


def test_every_problem_is_shown_beside_its_field_and_nothing_is_stored(db_session, signed_in):
    client = signed_in("thongke")
    page = client.post("/admin/rounds/new", data={
        **FORM, "code": "SIPAS 2026", "name": "", "kind": "continuous_counter", "channels": ["paper"],
        "starts_on": "32/13/2026", "unit_codes": "01, 99",
    })
    text = _text(page)
    assert page.status_code == 400 and "Chưa lưu: hãy sửa các ô có lỗi bên dưới." in text
    for message in (
        "Mã đợt chỉ gồm chữ thường không dấu, chữ số và dấu gạch ngang",
        "Hãy nhập tên đợt khảo sát.",
        "Đợt đánh giá liên tục tại quầy phải có kênh tại quầy (counter).",
        "32/13/2026 không phải là một ngày (dd/mm/yyyy).",
        "Không có đơn vị mã 99.",
    ):
        assert f'<span class="error" role="alert">{message}' in text, message
    assert 'value="SIPAS 2026"' in text  # what was typed stays in the form
    assert db_session.scalar(select(SurveyRound)) is None
    assert db_session.scalar(select(AuditEntry).where(AuditEntry.action.like("round.%"))) is None


def test_open_edit_close_and_reopen_with_confirmation(db_session, signed_in):
    client = signed_in("quantri")
    client.post("/admin/rounds/new", data=FORM)
    round_id = db_session.scalar(select(SurveyRound.id))
    confirm = client.get(f"/admin/rounds/{round_id}/open")
    assert confirm.status_code == 200 and "Bạn có chắc muốn mở đợt?" in _text(confirm)
    assert db_session.get(SurveyRound, round_id).status == RoundStatus.DRAFT  # looking changes nothing
    opened = client.post(f"/admin/rounds/{round_id}/open")
    assert opened.status_code == 302 and opened.headers["Location"].endswith("/admin/rounds")
    assert "Đợt sipas-2026 đang mở." in _text(client.get("/admin/rounds"))

    refused = client.post(f"/admin/rounds/{round_id}", data={**FORM, "starts_on": "01/02/2026",
                                                             "ends_on": "30/06/2026"})
    text = _text(refused)
    assert refused.status_code == 400
    assert "Đợt đang mở: không đổi được ngày bắt đầu." in text
    assert "Đợt đang mở: chỉ được lùi ngày kết thúc về sau (hiện là 31/12/2026)." in text
    renamed = client.post(f"/admin/rounds/{round_id}", data={**FORM, "name": "SIPAS năm 2026",
                                                             "channels": ["paper", "online", "phone"]})
    assert renamed.status_code == 302
    db_session.expire_all()
    survey_round = db_session.get(SurveyRound, round_id)
    assert survey_round.name == "SIPAS năm 2026" and survey_round.channels == ["online", "paper", "phone"]

    assert "Sau khi đóng, không kênh nào nhận phiếu" in _text(client.get(f"/admin/rounds/{round_id}/close"))
    assert client.post(f"/admin/rounds/{round_id}/close").status_code == 302
    no_reason = client.post(f"/admin/rounds/{round_id}/open", data={"reason": " "})
    assert no_reason.status_code == 400 and "hãy ghi lý do mở lại" in _text(no_reason)
    reopened = client.post(f"/admin/rounds/{round_id}/open", data={"reason": "Phiếu giấy đến muộn"})
    assert reopened.status_code == 302
    db_session.expire_all()
    assert db_session.get(SurveyRound, round_id).status == RoundStatus.OPEN
    actions = db_session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("round.%"))
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["round.create", "round.open", "round.update", "round.close", "round.reopen"]


def test_managers_may_not_manage_rounds(db_session, signed_in):
    client = signed_in("quanly")
    assert client.get("/admin/rounds").status_code == 403
    assert client.post("/admin/rounds/new", data=FORM).status_code == 403
    assert db_session.scalar(select(SurveyRound)) is None
