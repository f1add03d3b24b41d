"""Importing the official list of units (CSV/XLSX): all or nothing, every problem in one pass, idempotent."""

from __future__ import annotations

import io
from datetime import date, datetime

from openpyxl import Workbook
from sqlalchemy import func, select

from survey.domain.unit_import import import_units
from survey.domain.units import DATA_DIR, SHIPPED_FILES, find_unit, units_on
from survey.models import AuditEntry, LineageKind, Unit, UnitKind, UnitLineage

SMALL = """Mã,Tên,Cấp,Mã cấp trên,Hiệu lực từ,Hiệu lực đến
01,Thành phố Hà Nội,Thành phố,,01/07/2025,
00004,Phường Ba Đình,Phường,01,01/07/2025,
00004-TT,Trung tâm phục vụ hành chính công phường Ba Đình,Trung tâm phục vụ hành chính công,00004,2025-07-01,
00004-Q1,Quầy 1,Quầy,00004-TT,01/07/2025,
"""


def _count(db_session, model=Unit) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


def _csv(text: str) -> bytes:
    return text.encode("utf-8")


def test_an_empty_install_imports_province_commune_centre_and_counter(db_session):
    report = import_units(db_session, _csv(SMALL), "units.csv")
    assert report.ok, [p.line("units.csv") for p in report.problems]
    assert (report.rows, report.created, report.updated, report.unchanged) == (4, 4, 0, 0)
    counter = find_unit(db_session, "00004-Q1", date(2026, 1, 1))
    assert counter.kind == UnitKind.COUNTER and counter.valid_from == date(2025, 7, 1)
    chain = [counter.parent, counter.parent.parent, counter.parent.parent.parent]
    assert [(u.code, u.kind) for u in chain] == [
        ("00004-TT", UnitKind.SERVICE_CENTRE), ("00004", UnitKind.COMMUNE), ("01", UnitKind.PROVINCE)]
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "units.import"))
    assert entry.target == "units.csv" and entry.details == {"created": 4, "updated": 0, "links": 0}


def test_re_importing_changes_nothing_and_says_so_and_a_new_name_is_an_update(db_session):
    import_units(db_session, _csv(SMALL), "units.csv")
    again = import_units(db_session, _csv(SMALL), "units.csv")
    assert (again.created, again.updated, again.unchanged, again.links) == (0, 0, 4, 0)
    assert [n.message() for n in again.notices] == ["Tệp giống hệt dữ liệu đã lưu: không có gì thay đổi."]
    renamed = import_units(db_session, _csv(SMALL.replace("Quầy 1,", "Quầy số 1,")), "units.csv")
    assert (renamed.created, renamed.updated, renamed.unchanged) == (0, 1, 3)
    assert find_unit(db_session, "00004-Q1").name == "Quầy số 1"
    assert _count(db_session) == 4
    assert _count(db_session, AuditEntry) == 2  # the unchanged import wrote none


def test_every_problem_is_reported_in_one_pass_and_nothing_is_stored(db_session):
    bad = """code,name,level,parent_code,valid_from,valid_to,former_codes
01,Thành phố Hà Nội,Thành phố,,01/07/2025,,
01,Hà Nội (lặp),Thành phố,,01/07/2025,,
1,Tỉnh Một,Tỉnh,,01/07/2025,,
00004,Phường Ba Đình,Phường,99,01/07/2025,,
Q9,Quầy 9,Quầy,01,01/07/2025,,
00005,Phường Hai,Phường,01,01/07/2025,30/06/2025,
00006,Phường Ba,Làng,01,31/02/2025,,
00007,,Xã,01,01/07/2025,,
00008,Xã Tám,Xã,01,01/07/2025,,77
00009,Xã Chín,Xã,,01/07/2025,,
"""
    report = import_units(db_session, _csv(bad), "bad.csv")
    assert not report.ok
    lines = [p.line("bad.csv") for p in report.problems]
    expected = [
        "bad.csv:3:A: Mã 01 với cùng ngày hiệu lực đã có ở dòng 2.",
        "bad.csv:4:A: Mã 1 thiếu số 0 ở đầu; có phải là 01?",
        "bad.csv:5:D: Không có đơn vị cấp trên nào mang mã 99",
        "bad.csv:6:D: Quầy không thể trực thuộc tỉnh, thành phố 01",
        "bad.csv:7:F: Ngày hết hiệu lực 30/06/2025 trước ngày bắt đầu hiệu lực 01/07/2025.",
        "bad.csv:8:C: \"Làng\" không phải là một cấp đơn vị",
        "bad.csv:8:E: Ngày \"31/02/2025\" không hợp lệ",
        "bad.csv:9:B: Thiếu tên.",
        "bad.csv:10:G: Không có đơn vị nào mang mã 77 kết thúc hiệu lực trước ngày 01/07/2025.",
        "bad.csv:11:D: Xã, phường, đặc khu phải có mã cấp trên",
    ]
    for start in expected:
        assert any(line.startswith(start) for line in lines), (start, lines)
    assert _count(db_session) == 0 and _count(db_session, AuditEntry) == 0


def test_a_missing_column_and_a_parent_that_lost_its_zeros(db_session):
    no_level = import_units(db_session, _csv("Mã,Tên\n01,Hà Nội\n"), "x.csv")
    assert [p.message() for p in no_level.problems] == ["Tệp không có cột Cấp (bắt buộc)."]
    import_units(db_session, _csv(SMALL), "units.csv")
    child = import_units(db_session, _csv("Mã,Tên,Cấp,Mã cấp trên\n00070,Phường Hoàn Kiếm,Phường,1\n"), "y.csv")
    assert [p.line("y.csv") for p in child.problems] == [
        ("y.csv:2:D: Không có đơn vị nào mang mã 1; có phải là 01? Excel bỏ số 0 ở đầu khi ô là kiểu số: "
         "hãy định dạng cột là Văn bản.")]


def test_dry_run_counts_without_storing(db_session):
    report = import_units(db_session, _csv(SMALL), "units.csv", dry_run=True)
    assert report.ok and (report.created, report.dry_run) == (4, True)
    assert _count(db_session) == 0 and _count(db_session, AuditEntry) == 0


def test_xlsx_with_real_dates_and_a_named_sheet(db_session):
    workbook = Workbook()
    workbook.active.title = "Ghi chú"
    sheet = workbook.create_sheet("Danh mục")
    sheet.append(["MÃ", "TÊN ĐƠN VỊ", "LOẠI", "MÃ CẤP TRÊN", "HIỆU LỰC TỪ"])
    sheet.append(["08", "Tỉnh Tuyên Quang", "Tỉnh", None, datetime(2025, 7, 1)])
    sheet.append(["02215", "Phường Hà Giang 1", "Phường", "08", datetime(2025, 7, 1)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = import_units(db_session, buffer.getvalue(), "units.xlsx", sheet="Danh mục")
    assert report.ok and report.created == 2, [p.message() for p in report.problems]
    ward = find_unit(db_session, "02215")
    assert ward.parent.name == "Tỉnh Tuyên Quang" and ward.valid_from == date(2025, 7, 1)
    missing = import_units(db_session, buffer.getvalue(), "units.xlsx", sheet="Không có")
    assert "không có trang tính" in missing.problems[0].message()


def test_former_codes_make_lineage_effective_on_valid_from(db_session):
    import_units(db_session, _csv("Mã,Tên,Cấp,Hiệu lực đến\n02,Tỉnh Hà Giang,Tỉnh,30/06/2025\n"
                                  "08,Tỉnh Tuyên Quang,Tỉnh,30/06/2025\n"), "old.csv")
    still_open = import_units(db_session, _csv("Mã,Tên,Cấp,Hiệu lực từ,Mã trước sắp xếp\n"
                                               "08,Tỉnh Tuyên Quang,Tỉnh,01/06/2025,02;08\n"), "early.csv")
    assert any("vẫn còn hiệu lực vào ngày 01/06/2025" in p.message() for p in still_open.problems)
    new = _csv("Mã,Tên,Cấp,Hiệu lực từ,Mã trước sắp xếp,Căn cứ pháp lý\n"
               "08,Tỉnh Tuyên Quang,Tỉnh,01/07/2025,02;08,Nghị quyết 202/2025/QH15\n")
    report = import_units(db_session, new, "new.csv")
    assert report.ok and (report.created, report.links) == (1, 2)
    tuyen_quang = find_unit(db_session, "08", date(2026, 1, 1))
    links = {link.predecessor.code: (link.kind, link.effective_on, link.legal_basis)
             for link in tuyen_quang.predecessor_links}
    assert links == {"02": (LineageKind.MERGE, date(2025, 7, 1), "Nghị quyết 202/2025/QH15"),
                     "08": (LineageKind.CONTINUE, date(2025, 7, 1), "Nghị quyết 202/2025/QH15")}
    ha_giang = find_unit(db_session, "02", date(2024, 1, 1))
    assert [u.code for u in units_on(ha_giang, date(2026, 1, 1))] == ["08"]
    assert import_units(db_session, new, "new.csv").links == 0  # idempotent


def test_the_shipped_provincial_files_import_with_it(db_session):
    created = links = 0
    for name in SHIPPED_FILES:
        report = import_units(db_session, (DATA_DIR / name).read_bytes(), name)
        assert report.ok and not [n for n in report.notices if n.key == "ignored_column"], report.problems
        created, links = created + report.created, links + report.links
    assert (created, links) == (97, 63)
    assert _count(db_session, UnitLineage) == 63
    again = import_units(db_session, (DATA_DIR / SHIPPED_FILES[1]).read_bytes(), SHIPPED_FILES[1])
    assert (again.created, again.updated, again.unchanged, again.links) == (0, 0, 34, 0)
