"""Dossier intake: stored once, out-of-order updates settle on the latest, malformed events refused clearly."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from survey.domain.dossiers import (
    DUPLICATE,
    REFUSED,
    STORED,
    BatchTooLarge,
    add_credential,
    authenticate,
    credential_scope,
    intake_events,
    month_score,
    revoke_credential,
)
from survey.models import Complaint, Dossier, DossierEvent, DossierRating
from tests.dossier_fixtures import portal_units

NOW = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)
SOURCE = "motcua-h26"


@pytest.fixture
def units(db_session, make_unit):
    return portal_units(db_session, make_unit)


def sync(code="H26.189-261103-0001", **fields):
    event = {"LoaiSuKien": "DongBoHoSoMC", "ThoiGianSuKien": "20261103080000", "MaHoSo": code,
             "MaTTHC": "1.001234", "DonViXuLy": "H26.189", "KenhThucHien": 1,
             "NgayTiepNhan": "20261103080000", "NgayHenTra": "20261106170000"}
    event.update(fields)
    return event


def progress(code="H26.189-261103-0001", at="20261105100000", **fields):
    return {"LoaiSuKien": "CapNhatTienDoHoSoMC", "ThoiGianSuKien": at, "MaHoSo": code, "DonViXuLy": "H26.189",
            **fields}


def take(session, events, **kwargs):
    kwargs.setdefault("source", SOURCE)
    return intake_events(session, events, now=NOW, **kwargs)


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_a_dossier_is_stored_with_its_dates_in_utc(db_session, units):
    report = take(db_session, [sync(), progress(NgayKetThucXuLy="20261105100000", NgayTra="20261105150000")])
    assert [r.status for r in report.results] == [STORED, STORED]
    dossier = db_session.scalar(select(Dossier))
    assert dossier.unit_id == units["commune"].id and dossier.portal_unit_code == "H26.189"
    assert dossier.procedure_code == "1.001234" and dossier.channel == 1
    assert dossier.received_at.replace(tzinfo=UTC) == datetime(2026, 11, 3, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội
    assert dossier.handled_at.replace(tzinfo=UTC) == datetime(2026, 11, 5, 3, 0, tzinfo=UTC)
    assert dossier.returned is True
    assert count(db_session, DossierEvent) == 2


def test_a_dossier_received_now_keeps_its_due_date_ahead(db_session, units):
    """The slip's appointment lies in the future when the one-stop shop posts the dossier; only it may."""
    report = take(db_session, [sync("H26.189-261203-0001", ThoiGianSuKien="20261203135000",
                                    NgayTiepNhan="20261203135000", NgayHenTra="20261217170000")])
    assert [r.status for r in report.results] == [STORED]
    due = db_session.scalar(select(Dossier.due_at)).replace(tzinfo=UTC)
    assert due == datetime(2026, 12, 17, 10, 0, tzinfo=UTC)
    late = take(db_session, [progress("H26.189-261203-0001", at="20261203140000",
                                      NgayKetThucXuLy="20261217170000")])
    assert late.results[0].status == REFUSED
    assert late.results[0].errors[0].message().endswith("trường NgayKetThucXuLy: 2026-12-17 17:00 ở tương lai.")


def test_the_same_events_again_are_duplicates_not_stored_twice(db_session, units):
    batch = [sync(), progress(NgayKetThucXuLy="20261105100000")]
    take(db_session, batch)
    again = take(db_session, [*batch, batch[0]])
    assert [r.status for r in again.results] == [DUPLICATE, DUPLICATE, DUPLICATE]
    assert (count(db_session, Dossier), count(db_session, DossierEvent)) == (1, 2)
    inside_one_batch = take(db_session, [sync("B-2"), sync("B-2")])
    assert [r.status for r in inside_one_batch.results] == [STORED, DUPLICATE]


def test_a_different_event_under_the_same_key_is_refused(db_session, units):
    take(db_session, [sync()])
    report = take(db_session, [sync(NgayHenTra="20261110170000")])
    assert report.results[0].status == REFUSED
    assert report.results[0].errors[0].message() == (
        "Sự kiện 0, trường LoaiSuKien: hồ sơ H26.189-261103-0001 đã có sự kiện DongBoHoSoMC lúc 2026-11-03 08:00 "
        "với nội dung khác; sự kiện đã nhận được giữ nguyên.")
    assert db_session.scalar(select(Dossier.due_at)).replace(tzinfo=UTC) == datetime(2026, 11, 6, 10, tzinfo=UTC)


def _state(session):
    d = session.scalar(select(Dossier))
    return (d.procedure_code, d.received_at, d.due_at, d.handled_at, d.returned_at, d.status, d.returned)


def test_out_of_order_updates_end_in_the_state_of_the_latest_event_per_field(db_session, units):
    events = [
        sync(TrangThaiHoSo="1"),
        progress(at="20261104090000", NgayHenTra="20261109170000", TrangThaiHoSo="2"),  # due date extended
        progress(at="20261108160000", NgayKetThucXuLy="20261108160000", TrangThaiHoSo="4"),
        progress(at="20261109080000", NgayTra="20261109080000", TrangThaiHoSo="5"),
    ]
    take(db_session, events)
    in_order = _state(db_session)
    db_session.query(DossierEvent).delete()
    db_session.query(Dossier).delete()
    db_session.flush()
    for event in reversed(events):  # newest first, one request each
        take(db_session, [event])
    assert _state(db_session) == in_order
    assert in_order[5] == "5" and in_order[2].replace(tzinfo=UTC) == datetime(2026, 11, 9, 10, tzinfo=UTC)
    assert in_order[6] is True


MALFORMED = [
    ("not an object", None, "không phải là một đối tượng (cần {\"MaHoSo\": …})."),
    ({"ThoiGianSuKien": "20261103080000", "MaHoSo": "X", "DonViXuLy": "H26.189"}, "LoaiSuKien",
     "thiếu (bắt buộc)."),
    (sync(LoaiSuKien="DongBo"), "LoaiSuKien",
     "\"DongBo\" không phải là loại sự kiện; hãy ghi DongBoHoSoMC, CapNhatTienDoHoSoMC hoặc PAKN."),
    (sync(ThoiGianSuKien=""), "ThoiGianSuKien", "thiếu (bắt buộc với DongBoHoSoMC)."),
    (sync(NgayTiepNhan="2026-11-03 08:00"), "NgayTiepNhan",
     "\"2026-11-03 08:00\" không phải là thời điểm dạng yyyyMMddHHmmss (ví dụ 20261203143000)."),
    (sync(NgayHenTra="20261131170000"), "NgayHenTra",
     "\"20261131170000\" không phải là thời điểm dạng yyyyMMddHHmmss (ví dụ 20261203143000)."),
    (sync(NgayTiepNhan="20270103080000"), "NgayTiepNhan", "2027-01-03 08:00 ở tương lai."),
    (sync(MaHoSo=None), "MaHoSo", "thiếu (bắt buộc với DongBoHoSoMC)."),
    (sync(MaHoSo="H" * 65), "MaHoSo", "dài quá 64 ký tự."),
    (sync(MaHoSo="H26 189;DROP"), "MaHoSo",
     "\"H26 189;DROP\" có ký tự không dùng được trong mã (chỉ chữ, số và . _ - /)."),
    (sync(MaTTHC=""), "MaTTHC", "thiếu (bắt buộc với DongBoHoSoMC)."),
    (sync(KenhThucHien=4), "KenhThucHien",
     "\"4\" không phải là kênh thực hiện; hãy ghi 1 (trực tiếp), 2 (trực tuyến) hoặc 3 (bưu chính)."),
    (sync(DonViXuLy="H99.1"), "DonViXuLy",
     "không có đơn vị nào mang mã H99.1 (hãy nhập bảng ánh xạ mã đơn vị: sipas dossiers units-map)."),
    (sync(NgayHenTra="20261102170000"), "NgayHenTra",
     "NgayHenTra 2026-11-02 17:00 trước ngày tiếp nhận 2026-11-03 08:00."),
    ({"LoaiSuKien": "PAKN", "ThoiGianSuKien": "20261105090000", "MaPAKN": "P-1", "DonViXuLy": "H26",
      "SoLuotThich": "-1"}, "SoLuotThich", "\"-1\" không phải là một số nguyên không âm."),
    (sync(MaTTHC={"x": 1}), "MaTTHC", "phải là chuỗi ký tự, không phải dict."),
]


def test_each_malformed_event_is_refused_with_its_index_field_and_reason_and_the_rest_stored(db_session, units):
    events = []
    for position, (event, _field, _text) in enumerate(MALFORMED):
        events += [sync(f"OK-{position}"), event]
    report = take(db_session, events)
    assert [r.status for r in report.results[0::2]] == [STORED] * len(MALFORMED)
    for position, (_event, field, text) in enumerate(MALFORMED):
        result = report.results[2 * position + 1]
        assert result.status == REFUSED
        assert len(result.errors) == 1
        error = result.errors[0]
        prefix = f"Sự kiện {2 * position + 1}" + (f", trường {field}: " if field else ": ")
        assert error.field == field
        assert error.message() == prefix + text
    assert count(db_session, Dossier) == len(MALFORMED)  # nothing of a refused event is stored
    assert count(db_session, DossierEvent) == len(MALFORMED)
    assert count(db_session, Complaint) == 0


def test_a_system_may_post_only_for_units_in_its_scope(db_session, units):
    credential, secret = add_credential(db_session, "Một cửa H26", units["province"])
    scope = credential_scope(db_session, credential)
    assert scope == {units["province"].id, units["commune"].id}
    report = take(db_session, [sync(), sync("H27-1", DonViXuLy="H27")], scope=scope, system=credential.system_name)
    assert [r.status for r in report.results] == [STORED, REFUSED]
    assert report.results[1].errors[0].message() == (
        "Sự kiện 1, trường DonViXuLy: đơn vị H27 nằm ngoài phạm vi của hệ thống Một cửa H26.")
    assert authenticate(db_session, secret) is credential and credential.last_used_at is not None
    revoke_credential(db_session, "Một cửa H26")
    assert authenticate(db_session, secret) is None
    assert authenticate(db_session, "sipas-766-guess") is None


def test_a_batch_larger_than_allowed_is_refused_whole(db_session, units):
    with pytest.raises(BatchTooLarge, match="Lô có 3 sự kiện, tối đa 2"):
        take(db_session, [sync(), sync("2"), sync("3")], max_events=2)
    assert count(db_session, DossierEvent) == 0


def test_complaints_and_ratings_feed_the_month_score(db_session, units):
    take(db_session, [
        sync("D1"), progress("D1", NgayKetThucXuLy="20261105100000"),  # on time
        sync("D2"), progress("D2", at="20261107100000", NgayKetThucXuLy="20261107100000"),  # late
        sync("D3"), progress("D3", NgayKetThucXuLy="20261105100000"),  # on time, but a PAKN about it
        sync("D4"), progress("D4", NgayKetThucXuLy="20261105100000"),  # on time, but rated not satisfied
        sync("D5"), progress("D5", NgayKetThucXuLy="20261105100000"),  # on time
        {"LoaiSuKien": "PAKN", "ThoiGianSuKien": "20261106090000", "MaPAKN": "P-1", "MaHoSo": "D3",
         "DonViXuLy": "H26.189", "NgayTiepNhan": "20261106090000", "NgayKetThucXuLy": "20261110090000",
         "SoLuotThich": 2, "SoLuotKhongThich": 0},
    ])
    d4 = db_session.scalar(select(Dossier).where(Dossier.code == "D4"))
    db_session.add(DossierRating(dossier_id=d4.id, index_scores={"1": 2}, level="not_satisfied", channel="link",
                                 rated_at=datetime(2026, 11, 6, 2, tzinfo=UTC)))
    db_session.flush()
    score = month_score(db_session, 2026, 11, shown=[units["other"].id])
    too_late = month_score(db_session, 2026, 11, as_of=datetime(2026, 11, 6, 1, 0, tzinfo=UTC))
    assert too_late.dossiers.numerator.tolist() == [5]  # at 06/11 08:00 none was late, no PAKN nor rating yet
    assert [u.code for u in score.units] == ["00189", "27"]
    # 2 of 5 dossiers satisfied: 40 % -> 6 * 0.40 / 0.90 = 2.67; one PAKN on time and liked: 6 + 6
    assert score.dossiers.numerator.tolist() == [2, 0] and score.dossiers.denominator.tolist() == [5, 0]
    assert score.dossiers.points[0] == 2.67 and score.on_time.points[0] == 6.0 and score.satisfied.points[0] == 6.0
    assert score.group.points[0] == 14.67
    assert score.dossiers.to_dict([u.code for u in score.units])[1]["points"] is None  # not applicable


def test_ten_thousand_events_with_duplicates_out_of_order_and_malformed_ones(db_session, units):
    rng = random.Random(766)
    events, expected_malformed = [], 0
    for n in range(3000):
        code = f"H26.189-2611-{n:05d}"
        day = 2 + n % 27
        events.append(sync(code, ThoiGianSuKien=f"202611{day:02d}080000", NgayTiepNhan=f"202611{day:02d}080000",
                           NgayHenTra=f"202611{day + 1:02d}170000"))
        events.append(progress(code, at=f"202611{day + 1:02d}100000",
                               NgayKetThucXuLy=f"202611{day + 1:02d}{'10' if n % 4 else '18'}0000"))
        events.append(progress(code, at=f"202611{day + 1:02d}180000", NgayTra=f"202611{day + 1:02d}180000"))
    rng.shuffle(events)  # out of order
    events += rng.sample(events, 500)  # duplicates (a retried request)
    for n in range(500):  # malformed
        events.insert(rng.randrange(len(events)), sync(f"BAD-{n}", NgayTiepNhan="03/11/2026"))
        expected_malformed += 1
    assert len(events) == 10_000
    report = take(db_session, events)
    assert (report.stored, report.duplicates, report.refused) == (9000, 500, expected_malformed)
    assert all(e.field == "NgayTiepNhan" for e in report.errors)
    score = month_score(db_session, 2026, 11)
    # every 4th dossier handled at 18:00 after its 17:00 due time: 750 of 3000 late -> 75 % -> 5.00
    assert score.dossiers.numerator.tolist() == [2250] and score.dossiers.denominator.tolist() == [3000]
    assert score.dossiers.points.tolist() == [5.0]


def test_the_reasons_are_in_english_for_an_english_caller(db_session, units, monkeypatch):
    monkeypatch.setenv("SIPAS_LANG", "en")
    report = take(db_session, [sync(KenhThucHien="9")])
    assert report.results[0].errors[0].message() == (
        'Event 0, field KenhThucHien: "9" is not a channel; write 1 (in person), 2 (online) or 3 (post).')
