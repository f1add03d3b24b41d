"""The audit page's details in words: names and links for rows that exist, "(đã xoá)" for gone ones,
days and times in Hà Nội as dd/mm/yyyy HH:MM, Có/Không, numbers in the locale, labels for keys."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from sqlalchemy import select

from survey.domain.units import find_unit
from survey.models import AuditEntry, Release, StaffUser, SurveyRound

AT = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)
TARGET = "kiem-thu-chi-tiet"  # the entries of these tests, not the demo's


def _details(html: str, action: str) -> str:
    """The text of the details cell of the (only) entry of ``action``, links kept as [text](url)."""
    row = re.search(rf'<tr data-action="{re.escape(action)}">(.*?)</tr>', html, re.DOTALL).group(1)
    cell = row.split("<td>")[-1]
    cell = re.sub(r'<a href="([^"]+)">([^<]*)</a>', r"[\2](\1)", cell)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()


def _add(db_session, action: str, details: dict, target: str = TARGET) -> None:
    admin = db_session.scalar(select(StaffUser).where(StaffUser.login == "admin"))
    db_session.add(AuditEntry(action=action, target=target, user_id=admin.id, at=AT, details=details))
    db_session.commit()


def test_details_name_rounds_units_and_users_with_links(client, demo, db_session, login_as):
    survey_round = db_session.scalar(select(SurveyRound).where(SurveyRound.code == "sipas-2024"))
    hanoi = find_unit(db_session, "01", date(2026, 3, 2))  # the Hà Nội of the entry's day
    statistician = db_session.scalar(select(StaffUser).where(StaffUser.login == "thongke"))
    _add(db_session, "round.close", {"round_id": survey_round.id, "responses": 12345})
    _add(db_session, "device_registered", {"unit": "01", "counter": "Quầy 3"})
    _add(db_session, "api_token.revoke", {"token_id": 7, "owner": "thongke"})
    login_as("admin")
    html = client.get(f"/admin/audit?target={TARGET}").get_data(as_text=True)
    assert _details(html, "round.close") == (
        f"Đợt khảo sát: [{survey_round.name} (sipas-2024)](/admin/rounds/{survey_round.id}); Số phiếu: 12.345")
    assert _details(html, "device_registered") == f"Đơn vị: [01 {hanoi.name}](/admin/units/{hanoi.id}); Quầy: Quầy 3"
    assert _details(html, "api_token.revoke") == (
        f"Chủ tài khoản: [{statistician.display_name} (thongke)](/admin/staff/{statistician.id}); Mã API số: 7")
    assert "round_id" not in html and "unit:" not in html and "owner" not in html


def test_rows_gone_since_show_their_id_and_deleted(client, demo, db_session, login_as):
    _add(db_session, "release.publish", {"round_id": 987654, "number": 2, "supersedes": 4321})
    _add(db_session, "api_token.create", {"token_id": 9, "owner": "da-nghi-viec"})
    login_as("admin")
    html = client.get(f"/admin/audit?target={TARGET}").get_data(as_text=True)
    assert _details(html, "release.publish") == (
        "Đợt khảo sát: #987654 (đã xoá); Thay cho bản: #4321 (đã xoá); Số thứ tự: 2")
    assert _details(html, "api_token.create") == "Chủ tài khoản: da-nghi-viec (đã xoá); Mã API số: 9"
    english = client.get(f"/admin/audit?target={TARGET}&lang=en").get_data(as_text=True)
    assert _details(english, "release.publish") == (
        "Survey round: #987654 (deleted); Replaces release: #4321 (deleted); Number: 2")
    client.get("/admin/audit?lang=vi")


def test_days_times_yes_no_changes_and_unknown_keys(client, demo, db_session, login_as):
    _add(db_session, "api_token.create", {"token_id": 3, "owner": "thongke",
                                          "expires_at": "2026-06-30T17:05:00+00:00", "read_only": True})
    _add(db_session, "round.update", {"changes": {"starts_on": ["2026-01-01", "2026-02-01"],
                                                  "channels": [["counter"], ["counter", "paper"]]}})
    _add(db_session, "staff.update", {"before": {"role": "statistician", "unit": None, "name": "An"},
                                      "after": {"role": "manager", "unit": "01", "name": "An"}})
    _add(db_session, "units.rename", {"old": "Tên cũ", "new": "Tên mới", "on": "2025-07-01", "bí_ẩn": False})
    login_as("admin")
    html = client.get(f"/admin/audit?target={TARGET}").get_data(as_text=True)
    token = _details(html, "api_token.create")
    assert "Hết hạn: 01/07/2026 00:05" in token  # 17:05 UTC is five past midnight in Hà Nội
    assert "read_only: Có" in token  # a key without a label is shown as stored, its value in words
    assert _details(html, "round.update") == (
        "Kênh: Tại quầy → Tại quầy, Phiếu giấy; Ngày bắt đầu: 01/01/2026 → 01/02/2026")
    hanoi = find_unit(db_session, "01", date(2026, 3, 2))  # the Hà Nội of the entry's day
    assert _details(html, "staff.update") == (
        f"Đơn vị: – → [01 {hanoi.name}](/admin/units/{hanoi.id}); Vai trò: Thống kê → Lãnh đạo")
    assert _details(html, "units.rename") == (
        "Tên cũ: Tên cũ; Tên mới: Tên mới; Ngày hiệu lực: 01/07/2025; bí_ẩn: Không")


# --- the sentence names its target as the details do -----------------------------------------


def _sentence(html: str, action: str) -> str:
    """The sentence of the (only) entry of ``action``, links kept as [text](url)."""
    row = re.search(rf'<tr data-action="{re.escape(action)}">(.*?)</tr>', html, re.DOTALL).group(1)
    cell = row.split("<td>")[2].split("</td>")[0]
    return re.sub(r'<a href="([^"]+)">([^<]*)</a>', r"[\2](\1)", cell).strip()


def test_sentences_name_rounds_units_users_and_releases(client, demo, db_session, login_as):
    survey_round = db_session.scalar(select(SurveyRound).where(SurveyRound.code == "sipas-2024"))
    release = db_session.scalar(select(Release).where(Release.round_id == survey_round.id))
    hanoi = find_unit(db_session, "01", date(2026, 3, 2))
    statistician = db_session.scalar(select(StaffUser).where(StaffUser.login == "thongke"))
    _add(db_session, "round.open", {}, target="round:sipas-2024")
    _add(db_session, "units.rename", {"old": "Cũ", "new": "Mới"}, target="01")
    _add(db_session, "staff.disable", {}, target="thongke")
    _add(db_session, "release.publish", {"number": release.number}, target=f"release:{release.id}")
    _add(db_session, "release.export", {"release_id": release.id, "format": "csv"},
         target=f"sipas-2024#{release.number}")
    login_as("admin")
    round_link = f"[{survey_round.name} (sipas-2024)](/admin/rounds/{survey_round.id})"
    user_link = f"[{statistician.display_name} (thongke)](/admin/staff/{statistician.id})"
    unit_link = f"[01 {hanoi.name}](/admin/units/{hanoi.id})"
    html = client.get("/admin/audit?user=admin").get_data(as_text=True)
    assert _sentence(html, "round.open") == f"admin đã mở đợt khảo sát {round_link}."
    assert _sentence(html, "units.rename") == f"admin đã ghi nhận đổi tên đơn vị {unit_link}."
    assert _sentence(html, "staff.disable") == f"admin đã khóa tài khoản {user_link}."
    # no link to a release: its pages are for statisticians only
    assert _sentence(html, "release.publish") == (
        f"admin đã công bố bản kết quả {survey_round.name}, bản công bố số {release.number}.")
    assert _sentence(html, "release.export") == (
        f"admin đã tải số liệu của bản kết quả {survey_round.name}, bản công bố số {release.number}.")
    assert "release:" not in html and "round:" not in html
    english = client.get("/admin/audit?user=admin&lang=en").get_data(as_text=True)
    assert _sentence(english, "round.open") == f"admin opened the survey round {round_link}."
    assert _sentence(english, "staff.disable") == f"admin disabled the account {user_link}."
    assert _sentence(english, "release.publish") == (
        f"admin published the release {survey_round.name}, release no. {release.number}.")
    client.get("/admin/audit?lang=vi")


def test_sentences_of_gone_rows_unknown_kinds_and_typed_text(client, demo, db_session, login_as):
    _add(db_session, "release.discard", {}, target="release:987654")
    _add(db_session, "round.close", {}, target="round:da-xoa")
    _add(db_session, "frame.import", {"rows": 3}, target="frame:12")
    _add(db_session, "login_failed", {}, target='<b>"khach"</b>')
    login_as("admin")
    html = client.get("/admin/audit?user=admin").get_data(as_text=True)
    assert _sentence(html, "release.discard") == "admin đã bỏ bản kết quả nháp #987654 (đã xoá)."
    assert _sentence(html, "round.close") == "admin đã đóng đợt khảo sát da-xoa (đã xoá)."
    assert _sentence(html, "frame.import") == "admin đã nhập khung mẫu #12 (đã xoá)."
    # what someone typed at the login is shown as typed, escaped
    assert _sentence(html, "login_failed") == (
        "Có người đăng nhập không thành công với tên “&lt;b&gt;&#34;khach&#34;&lt;/b&gt;”.")
    english = client.get("/admin/audit?user=admin&lang=en").get_data(as_text=True)
    assert _sentence(english, "release.discard") == "admin discarded the draft release #987654 (deleted)."
    assert _sentence(english, "round.close") == "admin closed the survey round da-xoa (deleted)."
    client.get("/admin/audit?lang=vi")


def test_a_page_of_entries_costs_one_query_per_kind_of_row(client, demo, db_session, login_as):
    from sqlalchemy import event

    study = _study_rows(db_session)

    def add(codes: list[str]) -> None:
        for code in codes:
            _add(db_session, "units.split", {"successors": [code]}, target=code)
            _add(db_session, "staff.enable", {"unit": code}, target="thongke")
            _add(db_session, "round.update", {}, target="round:sipas-2024")
            _add(db_session, "frame.import", {}, target=f"frame:{study['frame'].id}")
            _add(db_session, "weights.compute", {"frame": study["frame"].id},
                 target=f"weight_set:{study['weight_set'].id}")
            _add(db_session, "import", {}, target=f"import-batch:{study['batch'].id}")

    def statements() -> int:
        seen: list[str] = []
        engine = db_session.get_bind()

        def listener(_conn, _cursor, statement, *_args) -> None:
            seen.append(statement)

        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get("/admin/audit?user=admin").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    login_as("admin")
    add(["01"])
    few = statements()
    add(["08", "79", "48", "92"])
    assert statements() == few  # thirty entries read with as many queries as six
    html = client.get("/admin/audit?user=admin").get_data(as_text=True)
    splits = re.findall(r'<tr data-action="units.split">.*?</tr>', html, re.DOTALL)
    assert sorted(re.search(r"chia tách đơn vị <a [^>]*>(\d+) ", row).group(1) for row in splits) == [
        "01", "08", "48", "79", "92"]


# --- sample frames, weight sets and import batches ---------------------------------------------


def _study_rows(db_session) -> dict:
    """A sample frame, a weight set made from it and a batch of paper forms, in the round SIPAS 2024."""
    from survey.models import ImportBatch, SampleFrame, WeightSet

    survey_round = db_session.scalar(select(SurveyRound).where(SurveyRound.code == "sipas-2024"))
    frame = SampleFrame(round_id=survey_round.id, name="Khung mẫu tỉnh 2024", rows=[{"unit": "01"}])
    db_session.add(frame)
    db_session.flush()
    weight_set = WeightSet(round_id=survey_round.id, frame_id=frame.id, method={}, diagnostics={},
                           response_ids=b"", weights=b"")
    batch = ImportBatch(round_id=survey_round.id, filename="phieu-giay-dot-1.xlsx", file_sha256="ab" * 32,
                        mapping={}, rows=40, created_at=AT)
    db_session.add_all([weight_set, batch])
    db_session.commit()
    return {"round": survey_round, "frame": frame, "weight_set": weight_set, "batch": batch}


def test_frames_weight_sets_and_import_batches_in_words(client, demo, db_session, login_as):
    study = _study_rows(db_session)
    frame, weight_set, batch = study["frame"], study["weight_set"], study["batch"]
    _add(db_session, "frame.import", {"rows": 1}, target=f"frame:{frame.id}")
    _add(db_session, "weights.compute", {"frame": frame.id, "n": 40}, target=f"weight_set:{weight_set.id}")
    _add(db_session, "import", {"round": "sipas-2024", "filename": batch.filename, "sha256": batch.file_sha256,
                                "rows": 40, "created": 40, "duplicates": 0, "designs": 0},
         target=f"import-batch:{batch.id}")
    login_as("admin")
    html = client.get("/admin/audit?user=admin").get_data(as_text=True)
    assert _sentence(html, "frame.import") == "admin đã nhập khung mẫu Khung mẫu tỉnh 2024 (đợt SIPAS 2024)."
    assert _sentence(html, "weights.compute") == (
        f"admin đã tính trọng số cho SIPAS 2024 (bộ trọng số #{weight_set.id}).")
    assert _sentence(html, "import") == (  # 17:30 UTC on 1 March is 2 March in Hà Nội
        f"admin đã nhập phiếu giấy từ tệp [phieu-giay-dot-1.xlsx (02/03/2026)](/staff/imports/batches/{batch.id}).")
    assert _details(html, "weights.compute") == "Khung mẫu: Khung mẫu tỉnh 2024 (đợt SIPAS 2024); Số phiếu: 40"
    assert "frame:" not in html and "weight_set:" not in html and "import-batch:" not in html
    assert client.get(f"/staff/imports/batches/{batch.id}").status_code == 200  # the link leads to a page
    english = client.get("/admin/audit?user=admin&lang=en").get_data(as_text=True)
    assert _sentence(english, "frame.import") == (
        "admin imported the sampling frame Khung mẫu tỉnh 2024 (round SIPAS 2024).")
    assert _sentence(english, "weights.compute") == (
        f"admin computed the weights of SIPAS 2024 (weight set #{weight_set.id}).")
    assert _details(english, "weights.compute") == "Sample frame: Khung mẫu tỉnh 2024 (round SIPAS 2024); Responses: 40"
    client.get("/admin/audit?lang=vi")

    db_session.delete(weight_set)
    db_session.delete(batch)
    db_session.commit()
    db_session.delete(frame)
    db_session.commit()
    html = client.get("/admin/audit?user=admin").get_data(as_text=True)
    assert _sentence(html, "frame.import") == f"admin đã nhập khung mẫu #{frame.id} (đã xoá)."
    assert _sentence(html, "weights.compute") == f"admin đã tính trọng số cho #{weight_set.id} (đã xoá)."
    assert _sentence(html, "import") == f"admin đã nhập phiếu giấy từ tệp #{batch.id} (đã xoá)."
    assert _details(html, "weights.compute") == f"Khung mẫu: #{frame.id} (đã xoá); Số phiếu: 40"
