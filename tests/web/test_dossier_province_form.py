"""A province's own dossier rating form: 12 criteria, a five-level satisfaction question reported as three.

Published through the normal questionnaire path as ``dossier-rating-26`` (province 26), it is the form
of the link and of the kiosk for the province's dossiers (the commune's included), ratings are stored
with the definition's three levels, and the Circular 01 report averages the indices it answers. A
dossier of another province keeps the shipped form.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from survey.domain.dossiers import current_definition, month_ratings
from survey.domain.dossiers.rating import rating_token
from survey.domain.questionnaires import load_questionnaire
from survey.domain.questionnaires.store import publish
from survey.i18n import local_time
from survey.models import Dossier, DossierRating, Role, StaffUser
from tests.dossier_fixtures import portal_units

PASSWORD = "mật-khẩu-đủ-dài"


def _index(code: str, question: str) -> str:
    return f"""
      - code: {code}
        type: single
        required: true
        label: {{vi: "{question}", en: "{question} (en)"}}
        options:
          - {{code: 2, label: {{vi: "Tốt", en: "Good"}}}}
          - {{code: 1, label: {{vi: "Được", en: "Fair"}}}}
          - {{code: 0, label: {{vi: "Chưa tốt", en: "Poor"}}}}"""


PROVINCE_FORM = f"""
id: dossier-rating-26
version: 1
languages: [vi, en]
title: {{vi: "Phiếu đánh giá hồ sơ của Tỉnh Mẫu (12 tiêu chí)", en: "Tỉnh Mẫu's dossier rating (12 criteria)"}}
sections:
  - code: tieu_chi
    title: {{vi: "Mười hai tiêu chí", en: "Twelve criteria"}}
    items:{_index("chi_so_2", "Tiêu chí 1: các cơ quan đúng hạn")}{_index("chi_so_3", "Tiêu chí 2: số lần liên hệ")}{
    _index("chi_so_4", "Tiêu chí 3: số cơ quan phải đến")}{_index("chi_so_6", "Tiêu chí 4: công khai thủ tục")}{
    _index("chi_so_7", "Tiêu chí 5: thái độ công chức")}{_index("chi_so_8", "Tiêu chí 6: xử lý phản ánh")}{
    _index("chi_so_9", "Tiêu chí 7: dịch vụ công trực tuyến")}{_index("co_so_vat_chat", "Tiêu chí 8: cơ sở vật chất")}{
    _index("phi_le_phi", "Tiêu chí 9: phí, lệ phí niêm yết")}{_index("huong_dan", "Tiêu chí 10: hướng dẫn hồ sơ")}{
    _index("tra_ket_qua", "Tiêu chí 11: trả kết quả tận nơi")}
      - code: muc_do_hai_long
        type: satisfaction
        required: true
        label: {{vi: "Tiêu chí 12: mức độ hài lòng chung", en: "Criterion 12: overall satisfaction"}}
"""
CRITERIA = ("chi_so_2", "chi_so_3", "chi_so_4", "chi_so_6", "chi_so_7", "chi_so_8", "chi_so_9", "co_so_vat_chat",
            "phi_le_phi", "huong_dan", "tra_ket_qua")


@pytest.fixture
def province_form(db_session, make_unit, tmp_path):
    units = portal_units(db_session, make_unit)
    path = tmp_path / "dossier-rating-26.yaml"
    path.write_text(PROVINCE_FORM, encoding="utf-8")
    questionnaire = load_questionnaire(path)
    assert len(questionnaire.items) == 12
    publish(db_session, questionnaire, str(path))
    dossiers = {}
    for code, unit in (("H26.189-A", units["commune"]), ("H26.189-B", units["commune"]),
                       ("H26.189-C", units["commune"]), ("H27-A", units["other"])):
        dossiers[code] = Dossier(source="Một cửa", code=code, unit_id=unit.id, portal_unit_code="H26.189",
                                 received_at=datetime(2026, 11, 3, 1, tzinfo=UTC),
                                 due_at=datetime(2026, 11, 6, 10, tzinfo=UTC),
                                 handled_at=datetime(2026, 11, 6, 3, tzinfo=UTC),  # the due day: index 1 = 1
                                 returned_at=datetime(2026, 11, 6, 4, tzinfo=UTC), returned=True)
    officer = StaffUser(login="motcua26", display_name="Một cửa", role=Role.MANAGER, unit_id=units["province"].id)
    officer.set_password(PASSWORD)
    db_session.add_all([*dossiers.values(), officer])
    db_session.commit()
    return dossiers


def _answers(points: int, overall: int) -> dict[str, str]:
    return {**dict.fromkeys(CRITERIA, str(points)), "muc_do_hai_long": str(overall)}


def _stored(db_session, code: str) -> DossierRating:
    db_session.expire_all()
    return db_session.scalar(select(DossierRating).join(Dossier).where(Dossier.code == code))


def test_the_provinces_form_is_used_by_the_link_and_the_kiosk_and_reported(app, client, db_session, province_form):
    secret = app.config["SECRET_KEY"]
    link = f"/d/{rating_token(secret, province_form['H26.189-A'])}"
    page = client.get(f"{link}?lang=vi").get_data(as_text=True)
    assert "Tiêu chí 8: cơ sở vật chất" in page and "Rất không hài lòng" in page
    assert "Ông/Bà phải liên hệ với nơi tiếp nhận bao nhiêu lần" not in page  # not the shipped form
    other = client.get(f"/d/{rating_token(secret, province_form['H27-A'])}?lang=vi").get_data(as_text=True)
    assert "Ông/Bà phải liên hệ với nơi tiếp nhận bao nhiêu lần" in other and "Tiêu chí 8" not in other

    missing = client.post(link, data={k: v for k, v in _answers(2, 5).items() if k != "huong_dan"})
    assert missing.status_code == 400 and _stored(db_session, "H26.189-A") is None  # every criterion required
    assert client.post(link, data=_answers(2, 3)).status_code == 302  # "Bình thường" is reported as satisfied
    first = _stored(db_session, "H26.189-A")
    assert (first.level, first.channel) == ("satisfied", "link")
    assert first.index_scores == {"1": 1, "2": 2, "3": 2, "4": 2, "5": 2, "6": 2, "7": 2, "8": 2, "9": 2}

    assert client.post(link, data=_answers(2, 1)).status_code == 302  # a changed mind replaces, never adds
    assert _stored(db_session, "H26.189-A").level == "not_satisfied"
    assert client.post(link, data=_answers(2, 3)).status_code == 302
    assert db_session.query(DossierRating).count() == 1
    assert client.post("/staff/login", data={"login": "motcua26", "password": PASSWORD}).status_code == 302
    for code, points, overall, level in (("H26.189-B", 1, 2, "not_satisfied"), ("H26.189-C", 0, 5,
                                                                                  "very_satisfied")):
        start = client.post("/dossiers/kiosk", data={"code": code})
        assert start.status_code == 302
        assert "Tiêu chí 12: mức độ hài lòng chung" in client.get(start.headers["Location"]).get_data(as_text=True)
        assert client.post(start.headers["Location"], data=_answers(points, overall)).status_code == 302
        rating = _stored(db_session, code)
        assert (rating.level, rating.channel) == (level, "kiosk")

    rated = local_time(first.rated_at)
    report = month_ratings(db_session, rated.year, rated.month, definition=current_definition())
    [commune] = [position for position, unit in enumerate(report.units) if unit.code == "00189"]
    result = report.report
    assert int(result.ratings[commune]) == 3
    # asked indices: 2, 1, 0 -> 1.00; computed: index 1 = 1 (handled on the due day), index 5 = 2 (returned)
    assert result.index_mean[commune].tolist() == [1.0, 1.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0, 1.0]
    assert float(result.total_mean[commune]) == 10.0  # (17 + 10 + 3) / 3
    assert [round(float(share), 4) for share in result.level_share[commune]] == [0.3333, 0.3333, 0.3333]
    assert result.band[commune] == "Đạt"
