"""Dossier files as they arrive from Excel, the access log (retention: test_dossier_retention.py)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from openpyxl import Workbook
from sqlalchemy import func, select

from survey.domain.dossiers import (
    import_event_file,
    import_unit_map,
    log_dossier_access,
    month_ratings,
)
from survey.models import Dossier, DossierAccess, DossierRating, PortalUnitCode, UnitKind

NOW = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_excel_file_with_date_cells_and_numbers_for_times(db_session, make_unit):
    commune = make_unit("00189", "Xã Một")
    db_session.add(PortalUnitCode(portal_code="H26.189", unit_id=commune.id))
    data = _xlsx([
        ["MaHoSo", "MaTTHC", "DonViXuLy", "ThoiGianSuKien", "NgayTiepNhan", "NgayHenTra", "KenhThucHien"],
        ["H26.189-1", "1.001234", "H26.189", 20261103080000, datetime(2026, 11, 3, 8, 0), "20261106170000", 2],
        ["H26.189-2", "1.001234", "H26.189", "20261104080000", "20261104080000", None, 3.0],
    ])
    report = import_event_file(db_session, data, "hoso.xlsx", source="tep", now=NOW)
    assert report.ok, [p.line("hoso.xlsx") for p in report.problems]
    assert report.created == 2
    first = db_session.scalar(select(Dossier).where(Dossier.code == "H26.189-1"))
    assert first.received_at.replace(tzinfo=UTC) == datetime(2026, 11, 3, 1, 0, tzinfo=UTC)  # Excel cell: local
    assert first.channel == 2
    second = db_session.scalar(select(Dossier).where(Dossier.code == "H26.189-2"))
    assert second.due_at is None and second.channel == 3


def test_a_unit_map_with_an_unknown_unit_or_a_repeated_code_stores_nothing(db_session, make_unit):
    make_unit("26", "Tỉnh Mẫu", UnitKind.PROVINCE)
    data = b"MaDonViCong,MaDonVi\nH26,26\nH26.189,00189\nH26,26\n"
    report = import_unit_map(db_session, data, "map.csv")
    assert [p.line("map.csv") for p in report.problems] == [
        "map.csv:4:A: MaDonViCong H26 đã có ở dòng 2.",
        "map.csv:3:B: Không có đơn vị SIPAS nào mang mã 00189 đang hoạt động.",
    ]
    assert db_session.scalar(select(func.count()).select_from(PortalUnitCode)) == 0


def test_reads_of_dossier_rows_are_logged(db_session):
    log_dossier_access(db_session, actor="quanly.hanoi", action="dossier.view", rows=1, dossier_code="D1")
    db_session.flush()
    entry = db_session.scalar(select(DossierAccess))
    assert (entry.actor, entry.action, entry.rows, entry.dossier_code) == ("quanly.hanoi", "dossier.view", 1, "D1")


def test_month_ratings_give_the_circular01_report_per_unit(db_session, make_unit):
    unit = make_unit("00189", "Xã Một")
    dossiers = [Dossier(source="s", code=f"R{n}", unit_id=unit.id, portal_unit_code="H26.189", returned=True,
                        field_times={}) for n in range(3)]
    db_session.add_all(dossiers)
    db_session.flush()
    full = {str(i): 2 for i in range(1, 10)}
    db_session.add_all([
        DossierRating(dossier_id=dossiers[0].id, index_scores=full, level="very_satisfied", channel="link",
                      rated_at=datetime(2026, 11, 5, 3, tzinfo=UTC)),
        DossierRating(dossier_id=dossiers[1].id, index_scores={**full, "2": 0, "3": 1, "6": None, "10": 2},
                      level="not_satisfied", channel="kiosk", rated_at=datetime(2026, 11, 30, 16, 59, tzinfo=UTC)),
        DossierRating(dossier_id=dossiers[2].id, index_scores=full, level="satisfied", channel="kiosk",
                      rated_at=datetime(2026, 11, 30, 17, 0, tzinfo=UTC)),  # 01/12 00:00 in Hà Nội: December
    ])
    db_session.flush()
    ratings = month_ratings(db_session, 2026, 11)
    assert [u.code for u in ratings.units] == ["00189"]
    report = ratings.report
    assert report.ratings.tolist() == [2]
    assert report.index_mean[0].tolist() == [2.0, 1.0, 1.5, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0]  # index 6: one answer
    assert report.total_mean.tolist() == [15.5]  # (18 + 13) / 2; "10" is no index of the form
    assert report.level_share[0].tolist() == [0.5, 0.0, 0.5] and report.band == ("Tốt",)


def test_no_dossier_table_refers_to_a_response_table_or_back():
    from survey.models import Base

    dossier_tables = {"dossiers", "dossier_events", "dossier_complaints", "dossier_ratings", "dossier_access_log",
                      "integration_credentials", "portal_unit_codes", "dossier_procedures"}
    anonymous = {"responses", "response_design", "import_batches", "invitations"}
    for table in Base.metadata.sorted_tables:
        referred = {fk.column.table.name for fk in table.foreign_keys}
        if table.name in dossier_tables:
            assert not referred & anonymous, table.name
        if table.name in anonymous:
            assert not referred & dossier_tables, table.name
