"""`sipas units`: import the list of units, list them, record a rename, a merge and a split."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from survey.cli import main
from survey.domain.lineage import LineageError, merge_units
from survey.domain.units import find_unit, seed_provinces, units_on
from survey.models import AuditEntry, LineageKind, Unit, UnitLineage

UNITS = """Mã,Tên,Cấp,Mã cấp trên,Hiệu lực từ
01,Thành phố Hà Nội,Thành phố,,01/07/2025
00004,Phường Ba Đình,Phường,01,01/07/2025
00008,Phường Ngọc Hà,Phường,01,01/07/2025
00070,Phường Hoàn Kiếm,Phường,01,01/07/2025
00070-TT,Trung tâm phục vụ hành chính công phường Hoàn Kiếm,Trung tâm phục vụ hành chính công,00070,01/07/2025
"""


def invoke(app, *args):
    return CliRunner().invoke(main, list(args), obj=app)


def _units(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Unit))


def _write(tmp_path, text: str, name: str = "units.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_import_prints_counts_and_a_second_run_changes_nothing(app, db_session, tmp_path):
    path = _write(tmp_path, UNITS)
    dry = invoke(app, "units", "import", path, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "không lưu gì: sẽ tạo 5, cập nhật 0, giữ nguyên 0 đơn vị" in dry.output and _units(db_session) == 0
    first = invoke(app, "units", "import", path)
    assert first.exit_code == 0 and "Đã tạo 5, cập nhật 0, giữ nguyên 0 đơn vị; 0 liên kết" in first.output
    again = invoke(app, "units", "import", path)
    assert "Đã tạo 0, cập nhật 0, giữ nguyên 5 đơn vị" in again.output
    assert "không có gì thay đổi" in again.output and _units(db_session) == 5


def test_import_problems_go_to_stderr_with_file_row_and_column(app, db_session, tmp_path):
    path = _write(tmp_path, UNITS + "Q1,Quầy 1,Quầy,01,01/07/2025\n00009,Phường Chín,Phường,99,32/13/2025\n")
    result = CliRunner().invoke(main, ["units", "import", path], obj=app)
    assert result.exit_code == 1
    assert f"{path}:7:D: Quầy không thể trực thuộc tỉnh, thành phố 01" in result.stderr
    assert f"{path}:8:D: Không có đơn vị cấp trên nào mang mã 99" in result.stderr
    assert f"{path}:8:E: Ngày \"32/13/2025\" không hợp lệ" in result.stderr
    assert "3 lỗi; không lưu gì." in result.stderr
    assert _units(db_session) == 0


def test_list_filters_by_level_parent_and_day(app, db_session, tmp_path):
    invoke(app, "units", "import", _write(tmp_path, UNITS))
    wards = invoke(app, "units", "list", "--level", "Phường", "--parent", "01")
    assert wards.exit_code == 0, wards.output
    assert "Phường Ba Đình" in wards.output and "Trung tâm" not in wards.output and "3 đơn vị." in wards.output
    before = invoke(app, "units", "list", "--on", "30/06/2025")
    assert "Không có đơn vị nào." in before.output
    unknown = invoke(app, "units", "list", "--parent", "99")
    assert unknown.exit_code == 1 and "99" in unknown.output


def test_rename_from_a_day_keeps_the_old_name_before_it(app, db_session, tmp_path):
    invoke(app, "units", "import", _write(tmp_path, UNITS))
    result = invoke(app, "units", "rename", "00070", "--name", "Phường Hoàn Kiếm mới", "--on", "2026-01-01",
                    "--basis", "Nghị quyết 1/2026")
    assert result.exit_code == 0, result.output
    assert find_unit(db_session, "00070", date(2025, 12, 31)).name == "Phường Hoàn Kiếm"
    renamed = find_unit(db_session, "00070", date(2026, 1, 1))
    assert renamed.name == "Phường Hoàn Kiếm mới" and renamed.parent.code == "01"
    (link,) = renamed.predecessor_links
    assert (link.kind, link.effective_on, link.legal_basis) == (LineageKind.RENAME, date(2026, 1, 1), "Nghị quyết 1/2026")
    assert [c.code for c in renamed.children] == ["00070-TT"]  # the centre goes on with the renamed ward
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "units.rename"))
    assert entry.target == "00070" and entry.details["new"] == "Phường Hoàn Kiếm mới"


def test_merge_into_a_new_unit_and_split_it_again(app, db_session, tmp_path):
    invoke(app, "units", "import", _write(tmp_path, UNITS))
    merged = invoke(app, "units", "merge", "00004", "00008", "--into", "00010=Phường Ba Đình mới", "--on", "01/01/2026")
    assert merged.exit_code == 0, merged.output
    new = find_unit(db_session, "00010", date(2026, 1, 1))
    assert new.parent.code == "01" and sorted(u.code for u in new.predecessors) == ["00004", "00008"]
    assert find_unit(db_session, "00004", date(2026, 1, 1)) is None
    assert find_unit(db_session, "00004", date(2025, 12, 31)).valid_to == date(2025, 12, 31)
    split = invoke(app, "units", "split", "00010", "--into", "00011=Phường Một", "00012=Phường Hai", "--on", "01/06/2026")
    assert split.exit_code == 0, split.output
    db_session.expire_all()  # the command worked in a session of its own
    assert [u.code for u in units_on(new, date(2026, 7, 1))] == ["00011", "00012"]
    old = find_unit(db_session, "00004", date(2025, 8, 1))
    assert [u.code for u in units_on(old, date(2026, 7, 1))] == ["00011", "00012"]


def test_lineage_changes_that_do_not_fit_are_refused_and_change_nothing(app, db_session, tmp_path):
    invoke(app, "units", "import", _write(tmp_path, UNITS))
    links = db_session.scalar(select(func.count()).select_from(UnitLineage))
    early = invoke(app, "units", "rename", "00070", "--name", "X", "--on", "01/07/2025")
    assert early.exit_code == 1 and "00070" in early.output
    taken = invoke(app, "units", "merge", "00004", "00008", "--into", "00070=Trùng mã", "--on", "01/01/2026")
    assert taken.exit_code == 1 and "Mã 00070 đang được dùng cho Phường Hoàn Kiếm" in taken.output
    levels = invoke(app, "units", "merge", "00004", "00070-TT", "--into", "00010=X", "--on", "01/01/2026")
    assert levels.exit_code == 1 and "cùng cấp" in levels.output
    one = invoke(app, "units", "split", "00004", "--into", "00011=Một", "--on", "01/01/2026")
    assert one.exit_code == 1 and "ít nhất hai" in one.output
    bad_day = invoke(app, "units", "rename", "00070", "--name", "X", "--on", "31/02/2026")
    assert bad_day.exit_code == 2
    assert db_session.scalar(select(func.count()).select_from(UnitLineage)) == links
    assert find_unit(db_session, "00004", date(2026, 6, 1)) is not None  # not closed by the refused merge


def test_a_merge_cannot_form_a_cycle(app, db_session, make_unit):
    seed_provinces(db_session)
    db_session.commit()
    ended = invoke(app, "units", "merge", "08", "--into", "02", "--on", "01/01/2026")  # Hà Giang ended in 2025
    assert ended.exit_code == 1 and "Không có đơn vị mã 02 vào ngày 01/01/2026" in ended.output
    # A link that points back (stored by hand): B came from A, so B cannot be merged into A.
    a = make_unit("90001", "Xã A")
    b = make_unit("90002", "Xã B")
    db_session.add(UnitLineage(predecessor=a, successor=b, kind=LineageKind.MERGE, effective_on=date(2025, 7, 1)))
    db_session.commit()
    with pytest.raises(LineageError, match="vòng lặp"):
        merge_units(db_session, [b], date(2026, 1, 1), a)
    db_session.rollback()
    assert find_unit(db_session, "90002", date(2026, 6, 1)) is not None
