"""`sipas dossiers` and `sipas integrations`: file imports all or nothing, the month's score, credentials."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import func, select

from survey.cli import main
from survey.models import (
    Dossier,
    DossierEvent,
    IntegrationCredential,
    PortalUnitCode,
    Procedure,
    UnitKind,
)

UNIT_MAP = "MaDonViCong,MaDonVi\nH26,26\nH26.189,00189\n"
PROCEDURES = """MaTTHC,TenTTHC,MaLinhVuc,TenLinhVuc
1.001234,Đăng ký khai sinh,HT,Hộ tịch
1.004567,Cấp giấy phép xây dựng,XD,Xây dựng
"""
EVENTS = """MaHoSo,MaTTHC,DonViXuLy,ThoiGianSuKien,NgayTiepNhan,NgayHenTra,NgayKetThucXuLy
H26.189-1,1.001234,H26.189,20261103080000,20261103080000,20261106170000,20261105100000
H26.189-2,1.001234,H26.189,20261104080000,20261104080000,20261106170000,20261107100000
H26.189-3,1.004567,H26.189,20261105080000,20261105080000,20261120170000,
H26-1,1.004567,H26,20261110080000,20261110080000,20261112170000,20261111100000
"""


def invoke(app, *args):
    return CliRunner().invoke(main, list(args), obj=app)


def _write(tmp_path, text: str, name: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def _units(make_unit):
    province = make_unit("26", "Tỉnh Mẫu", UnitKind.PROVINCE)
    return make_unit("00189", "Xã Một", parent=province)


def test_units_map_procedures_and_events_import_then_score(app, db_session, make_unit, tmp_path):
    _units(make_unit)
    db_session.commit()
    result = invoke(app, "dossiers", "units-map", _write(tmp_path, UNIT_MAP, "map.csv"))
    assert result.exit_code == 0, result.output
    assert "Mã đơn vị: tạo 2, cập nhật 0, giữ nguyên 0." in result.output
    result = invoke(app, "dossiers", "procedures-import", _write(tmp_path, PROCEDURES, "tthc.csv"))
    assert "Thủ tục: tạo 2, cập nhật 0, giữ nguyên 0." in result.output
    assert db_session.scalar(select(Procedure.field_name).where(Procedure.code == "1.004567")) == "Xây dựng"
    events = _write(tmp_path, EVENTS, "hoso.csv")
    dry = invoke(app, "dossiers", "import", events, "--dry-run")
    assert "không lưu gì: 4 sự kiện mới, 0 sự kiện đã có." in dry.output and count(db_session, Dossier) == 0
    result = invoke(app, "dossiers", "import", events, "--source", "motcua-h26")
    assert result.exit_code == 0, result.output
    assert "Đã lưu 4 sự kiện; 0 sự kiện đã có từ trước." in result.output
    again = invoke(app, "dossiers", "import", events, "--source", "motcua-h26")
    assert "Đã lưu 0 sự kiện; 4 sự kiện đã có từ trước." in again.output
    assert (count(db_session, Dossier), count(db_session, DossierEvent)) == (4, 4)

    score = invoke(app, "dossiers", "score", "--month", "2026-11", "--format", "json")
    assert score.exit_code == 0, score.output
    rows = {row["unit"]: row for row in json.loads(score.output)["rows"]}
    # 00189: 3 received; -2 late, -3 open with its due 20/11 passed at the month's end -> 1/3 -> 2.22
    assert (rows["00189"]["received"], rows["00189"]["satisfied"], rows["00189"]["points_5_4"]) == (3, 1, 2.22)
    assert rows["26"]["points_5_4"] == 6.0 and rows["26"]["points_5_2"] is None  # no PAKN: not applicable
    text = invoke(app, "dossiers", "score", "--month", "11/2026", "--unit", "00189")
    assert "33,33" in text.output and "2,22" in text.output and "không áp dụng" in text.output
    assert "Tỉnh Mẫu" not in text.output


def test_a_file_with_a_bad_row_stores_nothing_and_names_row_and_column(app, db_session, make_unit, tmp_path):
    db_session.add(PortalUnitCode(portal_code="H26.189", unit_id=_units(make_unit).id))
    db_session.commit()
    bad = EVENTS.replace("20261104080000,20261104080000", "20261104080000,04/11/2026").replace(
        "H26-1,1.004567,H26,", "H26-1,1.004567,H99,")
    path = _write(tmp_path, bad, "hoso.csv")
    result = invoke(app, "dossiers", "import", path)
    assert result.exit_code == 1
    assert f"{path}:3:E: NgayTiepNhan: \"04/11/2026\" không phải là thời điểm dạng yyyyMMddHHmmss" in result.output
    assert f"{path}:5:C: DonViXuLy: không có đơn vị nào mang mã H99" in result.output
    assert "2 lỗi; không lưu gì." in result.output
    assert (count(db_session, Dossier), count(db_session, DossierEvent)) == (0, 0)


def test_score_of_a_month_without_dossiers_says_so(app):
    result = invoke(app, "dossiers", "score", "--month", "2026-10")
    assert result.exit_code == 0 and "Không có hồ sơ nào được tiếp nhận trong tháng." in result.output
    wrong = invoke(app, "dossiers", "score", "--month", "tháng 10")
    assert wrong.exit_code == 2 and "không phải là một tháng; hãy ghi yyyy-mm" in wrong.output


def test_integrations_add_list_revoke(app, db_session, make_unit):
    _units(make_unit)
    db_session.commit()
    added = invoke(app, "integrations", "add", "--name", "Một cửa H26", "--unit", "26")
    assert added.exit_code == 0, added.output
    secret = added.output.strip().splitlines()[-1]
    assert secret.startswith("sipas-766-") and len(secret) > 40
    stored = db_session.scalar(select(IntegrationCredential))
    assert stored.secret_hash != secret and secret not in json.dumps(stored.secret_hash)
    again = invoke(app, "integrations", "add", "--name", "Một cửa H26", "--unit", "26")
    assert again.exit_code == 1 and "Đã có thông tin kết nối cho hệ thống Một cửa H26" in again.output
    listing = invoke(app, "integrations", "list")
    assert "Một cửa H26" in listing.output and "26 Tỉnh Mẫu" in listing.output and "hoạt động" in listing.output
    revoked = invoke(app, "integrations", "revoke", "Một cửa H26")
    assert "Đã thu hồi thông tin kết nối của Một cửa H26." in revoked.output
    assert "đã thu hồi" in invoke(app, "integrations", "list").output
    unknown = invoke(app, "integrations", "revoke", "Không có")
    assert unknown.exit_code == 1 and "Không có thông tin kết nối nào của hệ thống Không có." in unknown.output


def test_ratings_report_of_a_month(app, db_session, make_unit):
    from datetime import UTC, datetime

    from survey.models import DossierRating

    unit = _units(make_unit)
    dossiers = [Dossier(source="s", code=f"R{n}", unit_id=unit.id, portal_unit_code="H26.189", returned=True,
                        field_times={}) for n in range(2)]
    db_session.add_all(dossiers)
    db_session.flush()
    full = {str(i): 2 for i in range(1, 10)}
    for dossier, scores, level in ((dossiers[0], full, "very_satisfied"),
                                   (dossiers[1], {**full, "1": 0, "7": 1}, "not_satisfied")):
        db_session.add(DossierRating(dossier_id=dossier.id, index_scores=scores, level=level, channel="kiosk",
                                     rated_at=datetime(2026, 11, 10, 3, tzinfo=UTC)))
    db_session.commit()
    rows = json.loads(invoke(app, "dossiers", "ratings", "--month", "2026-11", "--format", "json").output)["rows"]
    assert len(rows) == 1
    assert (rows[0]["unit"], rows[0]["ratings"], rows[0]["index_1"], rows[0]["index_7"], rows[0]["total"]) == (
        "00189", 2, 1.0, 1.5, 16.5)
    assert (rows[0]["share_very_satisfied"], rows[0]["share_not_satisfied"], rows[0]["band"]) == (50.0, 50.0, "Tốt")
    text = invoke(app, "dossiers", "ratings", "--month", "2026-11").output
    assert "16,50" in text and "Rất hài lòng (%)" in text and "Tổng / 18" in text
    assert "Không có đánh giá hồ sơ nào trong tháng." in invoke(app, "dossiers", "ratings", "--month", "2026-10").output
