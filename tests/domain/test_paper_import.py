"""Importing paper questionnaires from CSV/XLSX: reading, mapping, the report, all or nothing."""

from __future__ import annotations

import csv
import io
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from sqlalchemy import func, select

from survey.domain.paper_import import (
    DATE,
    FORM,
    UNIT,
    ImportFileError,
    check_import,
    fold,
    guess_target,
    paper_uuid,
    read_table,
    run_import,
)
from survey.i18n import LOCAL_TZ as VN_TZ
from survey.models import AuditEntry, Channel, ImportBatch, Response, ResponseDesign, SurveyRound

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "questionnaires" / "examples"
SAMPLE = EXAMPLES / "sipas-paper-sample.csv"
SAMPLE_WITH_ERRORS = EXAMPLES / "sipas-paper-sample-with-errors.csv"
ROUND = "sipas-2024"  # a paper round of former provinces (codes 01, 02, 08, 48 ...)

REQUIRED = {
    "gender": "1", "ethnicity": "1", "age_band": "2", "education": "6", "occupation": "4", "channel": "1",
    "obstructed": "2", "unofficial_payment": "2", "gave_feedback": "2",
    "a1": "4", "a2": "4", "a3": "4", "a0": "4", "p1": "4", "p2": "4", "p3": "4", "p4": "4", "p0": "4",
    "s1": "4", "s2": "4", "s3": "4", "s0": "4", "r1": "4", "r2": "4", "r3": "4", "r0": "4", "overall": "4",
}


def csv_bytes(rows: list[dict[str, str]], *, bom: bool = False, delimiter: str = ",") -> bytes:
    headers = list(dict.fromkeys(k for row in rows for k in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=headers, delimiter=delimiter, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list], sheet: str = "Phiếu") -> bytes:
    workbook = Workbook()
    workbook.active.title = "Hướng dẫn"
    workbook.active.append(["Trang này chỉ có hướng dẫn"])
    worksheet = workbook.create_sheet(sheet)
    for row in rows:
        worksheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def form(unit: str = "01", number: str | None = None, **answers: str) -> dict[str, str]:
    row = {"Mã đơn vị": unit}
    if number is not None:
        row["Số phiếu"] = number
    row.update(REQUIRED)
    row.update(answers)
    return row


def to_cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: base letters plus combining tone marks."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for ch in text:
        try:
            ch.encode("cp1258")
            out.append(ch)
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
            out.append(base + "".join(c for c in parts if c in tones))
    return "".join(out).encode("cp1258")


@pytest.fixture
def paper_round(demo, db_session) -> SurveyRound:
    return db_session.scalar(select(SurveyRound).where(SurveyRound.code == ROUND))


def imported(db_session, survey_round: SurveyRound) -> list[Response]:
    """Responses from imports: their UUIDs are version 5 (the demo's are random, version 4)."""
    responses = db_session.scalars(select(Response).where(Response.round_id == survey_round.id))
    return [r for r in responses if r.uuid.version == 5]


def stored_total(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Response))


def problems_of(report) -> list[tuple]:
    return [(p.row, p.column, p.header, p.value, p.key, p.message()) for p in report.problems]


# --- reading ---------------------------------------------------------------------------


def test_sample_file_imports_with_design_rows_and_paper_channel(paper_round, db_session):
    before = stored_total(db_session)
    report = run_import(db_session, paper_round, SAMPLE.read_bytes(), SAMPLE.name)
    db_session.commit()
    assert problems_of(report) == []
    assert (report.rows, report.created, report.designs) == (6, 6, 6)
    assert stored_total(db_session) == before + 6
    responses = db_session.scalars(
        select(Response).where(Response.uuid == paper_uuid(paper_round.id, "01", "1"))
    ).all()
    assert len(responses) == 1
    first = responses[0]
    assert first.channel == Channel.PAPER and first.unit.code == "01" and first.unit.valid_to == date(2025, 6, 30)
    assert first.answers["gender"] == 1 and first.answers["obstructed"] == 2  # "Nam", "Không" by label
    assert first.answers["a3"] == 9  # "Chưa trải qua"
    assert first.answers["comment"] == "Cán bộ nhiệt tình, hướng dẫn rõ ràng."
    assert first.submitted_at.date() == date(2024, 3, 12)
    design = db_session.get(ResponseDesign, first.id)
    assert (design.stratum, design.psu, design.base_weight) == ("01", "HN-BD", 1520.5)
    third = db_session.scalar(select(Response).where(Response.uuid == paper_uuid(paper_round.id, "02", "1")))
    assert third.answers["gender"] == 2  # "nu": no diacritics
    assert db_session.get(ResponseDesign, third.id).base_weight == 980.25  # decimal comma
    batch = db_session.scalar(select(ImportBatch))
    assert (batch.filename, batch.rows, batch.round_id) == (SAMPLE.name, 6, paper_round.id)
    assert batch.mapping["Mã đơn vị"] == UNIT and batch.mapping["Giới tính"] == "gender"


def test_csv_with_and_without_bom_and_semicolons(paper_round, db_session):
    rows = [form("01", "11"), form("02", "12")]
    for data in (csv_bytes(rows, bom=True), csv_bytes(rows), csv_bytes(rows, delimiter=";")):
        report = check_import(db_session, paper_round, data, "forms.csv")
        assert problems_of(report) == [] and len(report.prepared) == 2
        assert report.columns[0].header == "Mã đơn vị" and report.columns[0].target == UNIT


def test_xlsx_named_sheet_numbers_and_dates(paper_round, db_session):
    headers = ["Mã đơn vị", "Số phiếu", "Ngày điền phiếu", *REQUIRED]
    values = [int(v) for v in REQUIRED.values()]
    data = xlsx_bytes([headers, ["08", 5.0, date(2024, 4, 2), *values], ["48", 6, "03/04/2024", *values]])
    report = run_import(db_session, paper_round, data, "forms.xlsx", sheet="Phiếu")
    db_session.commit()
    assert problems_of(report) == [] and report.created == 2
    stored = db_session.scalar(select(Response).where(Response.uuid == paper_uuid(paper_round.id, "08", "5")))
    assert stored.submitted_at.date() == date(2024, 4, 2) and stored.answers["a0"] == 4

    missing = check_import(db_session, paper_round, data, "forms.xlsx", sheet="Không có")
    assert [p.message() for p in missing.problems] == [
        'Tệp không có trang tính "Không có"; các trang tính: Hướng dẫn, Phiếu.'
    ]


def test_xlsx_first_sheet_by_default(paper_round, db_session):
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.append(["unit", *REQUIRED])
    worksheet.append(["01", *[int(v) for v in REQUIRED.values()]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = check_import(db_session, paper_round, buffer.getvalue(), "x.xlsx")
    assert problems_of(report) == [] and len(report.prepared) == 1


def test_windows_1258_is_converted_and_said(paper_round, db_session):
    data = to_cp1258(csv_bytes([form("01", "1", gender="Nữ", comment="Phải chờ lâu")]).decode("utf-8"))
    report = check_import(db_session, paper_round, data, "cp1258.csv")
    assert [n.message() for n in report.notices] == [
        "Tệp được mã hoá Windows-1258 (CP1258); đã chuyển sang UTF-8 để đọc."
    ]
    assert problems_of(report) == []
    assert report.prepared[0]["answers"]["gender"] == 2
    assert report.prepared[0]["answers"]["comment"] == "Phải chờ lâu"


def test_utf16_is_converted_and_said(paper_round, db_session):
    text = csv_bytes([form("01", "1", gender="Nữ")], delimiter="\t").decode("utf-8")
    report = check_import(db_session, paper_round, text.encode("utf-16"), "unicode.txt")
    assert [n.key for n in report.notices] == ["converted_utf16"] and problems_of(report) == []


def test_legacy_encodings_are_refused_with_the_line():
    # TCVN3 ("ABC") bytes are not UTF-8 and not Vietnamese in Windows-1258.
    with pytest.raises(ImportFileError) as caught:
        read_table(b"unit,gender\n01,1\nM\xb7 \xae\xa1n v\xfb,1\n", "old.csv")
    assert caught.value.problem.key == "bad_encoding"
    assert "dòng 3" in str(caught.value) and "CSV UTF-8" in str(caught.value)


@pytest.mark.parametrize(
    ("data", "name", "key"),
    [
        (b"", "empty.csv", "empty_file"),
        (b"unit,gender\r\n", "header-only.csv", "no_rows"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.xls", "old_xls"),
        (b"PK\x03\x04 not really a zip", "broken.xlsx", "bad_xlsx"),
        (b"unit,gender\n01,1\n\x00\x01\x02", "binary.csv", "not_text"),
    ],
)
def test_malformed_files_are_refused_with_what_is_wrong(paper_round, db_session, data, name, key):
    before = stored_total(db_session)
    report = run_import(db_session, paper_round, data, name)
    db_session.commit()
    assert [p.key for p in report.problems] == [key]
    assert report.problems[0].message()
    assert stored_total(db_session) == before
    assert db_session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_size_and_row_limits(paper_round, db_session):
    data = csv_bytes([form("01", str(n)) for n in range(1, 30)])
    too_big = check_import(db_session, paper_round, data, "big.csv", max_bytes=1000)
    assert [p.key for p in too_big.problems] == ["too_large"]
    assert too_big.problems[0].message().startswith("Tệp quá lớn (")
    too_long = check_import(db_session, paper_round, data, "long.csv", max_rows=10)
    assert [(p.key, p.message()) for p in too_long.problems] == [
        ("too_many_rows", "Tệp có hơn 10 dòng; hãy chia thành nhiều tệp.")
    ]


# --- mapping ---------------------------------------------------------------------------


def test_default_mapping_by_code_label_and_special_names(paper_round, db_session):
    from survey.domain.responses import questionnaire_for

    questionnaire = questionnaire_for(paper_round.questionnaire_version)
    assert guess_target("A1", questionnaire) == ("a1", "code")
    assert guess_target("GIOI TINH", questionnaire) == ("gender", "label")
    assert guess_target("Ông/Bà thuộc nhóm tuổi nào", questionnaire) == ("age_band", "label")
    assert guess_target("e10. Liên thông giữa các cơ quan", questionnaire) == ("e10", "prefix")
    assert guess_target("Mã đơn vị", questionnaire) == (UNIT, "special")
    assert guess_target("so phieu", questionnaire) == (FORM, "special")
    assert guess_target("Ngày khảo sát", questionnaire) == (DATE, "special")
    assert guess_target("Câu 99", questionnaire) == (None, "none")
    assert fold("  Đà  Nẵng ") == "da nang"


def test_unmapped_and_doubly_mapped_columns_and_the_mapping_that_fixes_them(paper_round, db_session):
    rows = [{**form("01", "1"), "Câu hỏi lạ": "3", "GENDER": "1"}]
    report = check_import(db_session, paper_round, csv_bytes(rows), "x.csv")
    by_key = {p.key: p for p in report.problems}
    assert set(by_key) == {"unmapped_column", "mapped_twice"}
    assert (by_key["unmapped_column"].column, by_key["unmapped_column"].header) == ("AD", "Câu hỏi lạ")
    assert by_key["mapped_twice"].message() == "Câu hỏi gender được gán cho nhiều cột: C, AE."
    fixed = check_import(
        db_session, paper_round, csv_bytes(rows), "x.csv", mapping={"Câu hỏi lạ": "e1", "GENDER": ""}
    )
    assert problems_of(fixed) == []
    assert fixed.prepared[0]["answers"]["e1"] == 3
    assert fixed.mapping["GENDER"] == "" and fixed.mapping["Câu hỏi lạ"] == "e1"


def test_missing_unit_column_and_a_missing_column_of_an_item_not_required_on_paper(paper_round, db_session):
    rows = [{k: v for k, v in form("01").items() if k not in ("Mã đơn vị", "a0")}]
    report = check_import(db_session, paper_round, csv_bytes(rows), "x.csv")
    # a0 is required online, not on paper: without its column its answers are missing
    assert [p.message() for p in report.problems] == ["Tệp không có cột mã đơn vị (bắt buộc)."]


# --- rows ------------------------------------------------------------------------------


def test_each_kind_of_row_problem_names_row_column_value_and_message(paper_round, db_session):
    rows = [
        form("01", "1"),                                  # row 2: fine
        form("99", "2"),                                  # row 3: unknown unit
        form("4", "3"),                                   # row 4: "04" lost its zero in Excel
        form("00004", "4"),                               # row 5: a commune of 2025, not valid in 2024
        form("01", "5", gender="Nữa"),                    # row 6: not an option
        form("01", "6", a0="6"),                          # row 7: unknown option code
        form("01", "7", a1="9", a0="9"),                  # row 8: 9 only where "not experienced" exists
        form("01", "8", visits="nhiều"),                  # row 9: not a number
        form("01", "9", visits="51"),                     # row 10: above max
        form("01", "10", feedback_channels="hotline"),    # row 11: not relevant (gave_feedback = 2)
        form("01", "11", gave_feedback="1"),              # row 12: f1..f0 then apply, blank on paper: missing
        form("01", "12", **{"Ngày điền phiếu": "31/02/2024"}),  # row 13: no such day
        form("01", "13", **{"Ngày điền phiếu": "01/01/2023"}),  # row 14: before the round
        form("01", "1"),                                  # row 15: form 1 of unit 01 again
        form("", "14"),                                   # row 16: no unit
    ]
    report = run_import(db_session, paper_round, csv_bytes(rows), "errors.csv")
    db_session.commit()
    assert not report.ok and report.batch is None
    got: dict[tuple, object] = {}
    for p in report.problems:
        got.setdefault((p.row, p.key), p)
    expected = {
        (3, "unit_unknown"): ("A", "Mã đơn vị", "99", "Không có đơn vị nào mang mã 99."),
        (4, "unit_unknown_zeros"): ("A", "Mã đơn vị", "4", None),
        (5, "unit_not_valid"): ("A", "Mã đơn vị", "00004", None),
        (6, "not_an_option"): ("C", "gender", "Nữa", "«Nữa» không phải phương án của câu gender; chọn 1 = Nam, 2 = Nữ, 3 = Khác."),
        (7, "unknown_option"): ("O", "a0", "6", "«6» không phải phương án của câu a0; chọn 1 = Rất không hài lòng, 2 = Không hài lòng, 3 = Bình thường, 4 = Hài lòng, 5 = Rất hài lòng."),
        (8, "no_not_experienced"): ("O", "a0", "9", None),
        (9, "not_a_number"): ("AD", "visits", "nhiều", "Câu hỏi visits cần một số."),
        (10, "above_max"): ("AD", "visits", "51", "Câu trả lời cho câu hỏi visits không được lớn hơn 50."),
        (11, "not_relevant"): ("AE", "feedback_channels", "hotline", None),
        (13, "bad_date"): ("AF", "Ngày điền phiếu", "31/02/2024", None),
        (14, "date_outside_round"): ("AF", "Ngày điền phiếu", "01/01/2023", "Ngày 01/01/2023 nằm ngoài thời gian của đợt khảo sát (01/01/2024 – 31/12/2024)."),
        (15, "form_repeated"): ("B", "Số phiếu", "1", "Phiếu số 1 của đơn vị 01 đã có ở dòng 2."),
        (16, "unit_missing"): ("A", "Mã đơn vị", "", "Thiếu mã đơn vị."),
    }
    for (row, key), (column, header, value, message) in expected.items():
        problem = got.get((row, key))
        assert problem is not None, f"row {row}: no {key} in {problems_of(report)}"
        assert problem.column == column
        assert problem.header == header and problem.value == value
        if message is not None:
            assert problem.message() == message
    assert "04" in got[(4, "unit_unknown_zeros")].message()
    assert not any(p.row in (2, 12) for p in report.problems)
    assert [p.key for p in report.problems if p.row == 8] == ["no_not_experienced"]  # a1 offers 9, a0 does not
    assert imported(db_session, paper_round) == []
    assert db_session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_unit_not_valid_on_the_day(demo, db_session):
    this_round = db_session.scalar(select(SurveyRound).where(SurveyRound.code == f"sipas-{date.today().year}"))
    rows = [form("01-TTPV", "1"), form("02", "2")]  # a current service centre; a former province
    report = check_import(db_session, this_round, csv_bytes(rows), "x.csv")
    assert [(p.row, p.key) for p in report.problems] == [(3, "unit_not_valid")]
    old_round = db_session.scalar(select(SurveyRound).where(SurveyRound.code == ROUND))
    report = check_import(db_session, old_round, csv_bytes([form("01-TTPV", "1", Ngày="01/06/2024")]), "x.csv")
    assert [p.key for p in report.problems] == ["unit_not_valid"]


def test_unit_valid_but_not_in_scope(paper_round, db_session, make_unit):
    make_unit("77777", valid_from=date(2000, 1, 1))  # valid in 2024, attached to no province of the round
    report = check_import(db_session, paper_round, csv_bytes([form("77777", "1")]), "x.csv")
    assert [p.message() for p in report.problems] == [
        "Đơn vị 77777 không thuộc phạm vi của đợt khảo sát sipas-2024."
    ]


def test_rounds_without_paper_refuse_imports(demo, db_session):
    counter = db_session.scalar(select(SurveyRound).where(SurveyRound.code == f"counter-{date.today().year}"))
    report = check_import(db_session, counter, SAMPLE.read_bytes(), SAMPLE.name)
    assert [p.message() for p in report.problems] == [f"Đợt khảo sát counter-{date.today().year} không nhận phiếu giấy."]


def test_multiple_choice_by_codes_positions_and_labels(paper_round, db_session):
    rows = [
        form("01", "1", gave_feedback="1", f1="4", f2="4", f3="4", f0="4", feedback_channels="hotline;mailbox"),
        form("01", "2", gave_feedback="1", f1="4", f2="4", f3="4", f0="4", feedback_channels="1;3"),
        form("01", "3", gave_feedback="Có", f1="4", f2="4", f3="4", f0="4",
             feedback_channels="Gọi đường dây nóng; trên cổng dịch vụ công hoặc ứng dụng"),
        form("01", "4", gave_feedback="1", f1="4", f2="4", f3="4", f0="4", feedback_channels="hotline;hotline"),
    ]
    report = check_import(db_session, paper_round, csv_bytes(rows), "x.csv")
    assert [(p.row, p.key, p.value) for p in report.problems] == [(5, "duplicate_choice", "hotline;hotline")]
    fixed = check_import(db_session, paper_round, csv_bytes(rows[:3]), "x.csv")
    assert [r["answers"]["feedback_channels"] for r in fixed.prepared] == [
        ["hotline", "mailbox"], ["in_person", "mailbox"], ["hotline", "portal"]
    ]


# --- all or nothing, idempotency -------------------------------------------------------


def test_one_bad_row_out_of_500_stores_nothing(paper_round, db_session):
    rows = [form("01", str(n)) for n in range(1, 501)]
    rows[498]["a0"] = "7"  # Excel row 500
    before = stored_total(db_session)
    report = run_import(db_session, paper_round, csv_bytes(rows), "500.csv")
    db_session.commit()
    assert [(p.row, p.header, p.value, p.key) for p in report.problems] == [(500, "a0", "7", "unknown_option")]
    assert report.created == 0 and stored_total(db_session) == before
    assert db_session.scalar(select(func.count()).select_from(ImportBatch)) == 0
    rows[498]["a0"] = "4"
    report = run_import(db_session, paper_round, csv_bytes(rows), "500.csv")
    db_session.commit()
    assert report.ok and report.created == 500 and stored_total(db_session) == before + 500


def test_reimporting_the_same_file_stores_nothing_twice(paper_round, db_session):
    data = SAMPLE.read_bytes()
    first = run_import(db_session, paper_round, data, SAMPLE.name)
    db_session.commit()
    total = stored_total(db_session)
    again = run_import(db_session, paper_round, data, "renamed-copy.csv")
    db_session.commit()
    assert again.ok and again.created == 0 and again.batch is None
    assert again.already_imported.id == first.batch.id
    day = first.batch.created_at.astimezone(VN_TZ).strftime("%d/%m/%Y")
    assert [n.message() for n in again.notices] == [
        f"Tệp này đã được nhập ngày {day} (lô {first.batch.id}); không lưu thêm gì."
    ]
    assert stored_total(db_session) == total
    assert db_session.scalar(select(func.count()).select_from(ImportBatch)) == 1


def test_the_same_form_in_another_file_is_a_duplicate_not_an_error(paper_round, db_session):
    run_import(db_session, paper_round, csv_bytes([form("01", "1"), form("01", "2")]), "a.csv")
    db_session.commit()
    total = stored_total(db_session)
    # File b repeats form 2 (same answers) and adds form 3 (also typed with a leading zero: 003).
    report = run_import(db_session, paper_round, csv_bytes([form("01", "02"), form("01", "003")]), "b.csv")
    db_session.commit()
    assert report.ok and report.created == 1
    assert [(d.row, d.message()) for d in report.duplicates] == [
        (2, "Phiếu số 2 của đơn vị 01 đã được nhập trước đó; bỏ qua.")
    ]
    assert stored_total(db_session) == total + 1
    # The same form number with different answers is an error: two forms cannot share a number.
    conflict = run_import(db_session, paper_round, csv_bytes([form("01", "1", a0="2"), form("01", "4")]), "c.csv")
    db_session.commit()
    assert [(p.row, p.key) for p in conflict.problems] == [(2, "form_conflict")]
    assert conflict.created == 0 and stored_total(db_session) == total + 1


def test_without_form_numbers_rows_are_told_apart_by_file_and_row(paper_round, db_session):
    data = csv_bytes([form("01"), form("01")])  # two identical forms: two responses
    report = run_import(db_session, paper_round, data, "no-numbers.csv")
    db_session.commit()
    assert report.created == 2
    assert len({r.uuid for r in imported(db_session, paper_round)}) == 2


# --- CLI -------------------------------------------------------------------------------


def invoke(app, *args):
    return CliRunner().invoke(_main(), ["import", *args], obj=app, catch_exceptions=False)


def _main():
    from survey.cli import main

    return main


def test_cli_reports_problems_and_exits_1(app, demo, db_session):
    result = invoke(app, "--round", ROUND, str(SAMPLE_WITH_ERRORS))
    assert result.exit_code == 1
    assert (
        f"{SAMPLE_WITH_ERRORS}: Ô G4 (Giới tính): «Nữa» không phải phương án của câu gender; "
        "chọn 1 = Nam, 2 = Nữ, 3 = Khác."
    ) in result.output
    assert f"{SAMPLE_WITH_ERRORS}: Ô U4 (A0): «6» không phải phương án của câu a0; chọn 1 = Rất không" in result.output
    assert f"2 lỗi trong {SAMPLE_WITH_ERRORS}; không lưu phiếu nào." in result.output
    assert db_session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_cli_dry_run_import_and_reimport(app, demo, db_session):
    total = stored_total(db_session)
    dry = invoke(app, "--round", ROUND, "--dry-run", str(SAMPLE))
    assert dry.exit_code == 0, dry.output
    assert "6 dòng hợp lệ, 6 phiếu mới, 0 phiếu đã có; không lưu gì (--dry-run)." in dry.output
    assert stored_total(db_session) == total
    done = invoke(app, "--round", ROUND, str(SAMPLE))
    assert done.exit_code == 0, done.output
    batch = db_session.scalar(select(ImportBatch))
    assert f"Đã nhập 6 phiếu từ {SAMPLE} vào đợt {ROUND} (lô {batch.id})" in done.output
    db_session.expire_all()
    assert stored_total(db_session) == total + 6
    again = invoke(app, "--round", ROUND, str(SAMPLE))
    assert again.exit_code == 0
    assert f"(lô {batch.id}); không lưu thêm gì." in again.output
    assert stored_total(db_session) == total + 6


def test_cli_mapping_sheet_and_unknown_round(app, demo, db_session, tmp_path):
    path = tmp_path / "forms.xlsx"
    values = [int(v) for v in REQUIRED.values()]
    path.write_bytes(xlsx_bytes([["Đơn vị khảo sát", "Câu lạ", *REQUIRED], ["01", 3, *values]]))
    unmapped = invoke(app, "--round", ROUND, "--sheet", "Phiếu", str(path))
    assert unmapped.exit_code == 1
    assert f"{path}: Cột A (Đơn vị khảo sát): Cột không khớp" in unmapped.output
    mapped = invoke(app, "--round", ROUND, "--sheet", "Phiếu", "--map", "Đơn vị khảo sát=@unit",
                    "--map", "Câu lạ=e2", str(path))
    assert mapped.exit_code == 0, mapped.output
    assert [r.answers["e2"] for r in imported(db_session, db_session.scalar(select(SurveyRound).where(SurveyRound.code == ROUND)))] == [3]
    assert db_session.scalar(select(ImportBatch)).mapping["Câu lạ"] == "e2"
    bad_map = invoke(app, "--round", ROUND, "--map", "no-equals-sign", str(path))
    assert bad_map.exit_code == 2 and "--map" in bad_map.output
    unknown = invoke(app, "--round", "sipas-1999", str(path))
    assert unknown.exit_code == 1 and "Không có đợt khảo sát mã sipas-1999." in unknown.output


# --- web -------------------------------------------------------------------------------


def upload(client, survey_round, path_or_bytes, name=None):
    data = path_or_bytes.read_bytes() if isinstance(path_or_bytes, Path) else path_or_bytes
    return client.post(
        "/staff/imports",
        data={"round_id": str(survey_round.id), "file": (io.BytesIO(data), name or path_or_bytes.name)},
        content_type="multipart/form-data",
    )


def test_page_is_for_statisticians_and_admins(client, paper_round, login_as):
    assert client.get("/staff/imports").status_code == 302  # to the login page
    login_as("quanly.hanoi")
    assert client.get("/staff/imports").status_code == 403
    client.post("/staff/logout")
    login_as("thongke")
    page = client.get("/staff/imports")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Nhập phiếu giấy từ tệp CSV hoặc XLSX" in body and "SIPAS 2024 (sipas-2024)" in body
    assert "counter-" not in body  # rounds without paper are not offered


def test_web_report_then_fixed_file_then_import(client, paper_round, login_as, db_session):
    login_as("thongke")
    response = upload(client, paper_round, SAMPLE_WITH_ERRORS)
    assert response.status_code == 302
    preview = client.get(response.headers["Location"])
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Có 2 lỗi; chưa lưu phiếu nào." in body
    assert "<code>Nữa</code>" in body and "«Nữa» không phải phương án của câu gender; chọn 1 = Nam, 2 = Nữ" in body
    assert "Lưu ý: cột U (&#34;A0&#34;) được ghép theo tiêu đề với câu a0" in body  # it holds a 6
    assert 'id="import-button" disabled' in body
    # Clicking import anyway (a forged request) stores nothing.
    refused = client.post(response.headers["Location"], data={"action": "import"})
    assert refused.status_code == 422
    assert db_session.scalar(select(func.count()).select_from(ImportBatch)) == 0

    response = upload(client, paper_round, SAMPLE)
    preview = client.get(response.headers["Location"])
    body = preview.get_data(as_text=True)
    assert "Không có lỗi: 6 phiếu mới sẵn sàng để nhập." in body and 'id="import-button">' in body
    form_fields = {f"col-{i}": v for i, v in enumerate(_selected(body))}
    done = client.post(response.headers["Location"], data={"action": "import", **form_fields})
    assert done.status_code == 302
    result = client.get(done.headers["Location"])
    assert result.status_code == 200 and "Đã nhập 6 phiếu." in result.get_data(as_text=True)
    batch = db_session.scalar(select(ImportBatch))
    assert batch.rows == 6 and batch.user_id is not None
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "import"))
    assert entry.target == f"import-batch:{batch.id}" and entry.details["created"] == 6
    assert db_session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "import_refused")) == 1
    # The upload is gone once imported; uploading the file again says it was imported.
    assert client.get(response.headers["Location"]).status_code == 404
    again = client.get(upload(client, paper_round, SAMPLE).headers["Location"])
    assert f"(lô {batch.id}); không lưu thêm gì." in again.get_data(as_text=True)


def _selected(body: str) -> list[str]:
    import re

    selects = re.findall(r'<select name="col-(\d+)".*?</select>', body, flags=re.DOTALL)
    values = []
    for block in re.findall(r'<select name="col-\d+".*?</select>', body, flags=re.DOTALL):
        chosen = re.search(r'<option value="([^"]*)" selected>', block)
        values.append(chosen.group(1) if chosen else "?")
    assert len(values) == len(selects)
    return values


def test_web_mapping_can_be_changed(client, paper_round, login_as, db_session):
    login_as("thongke")
    rows = [{**form("01", "1"), "Câu lạ": "2"}]
    location = upload(client, paper_round, csv_bytes(rows), "x.csv").headers["Location"]
    body = client.get(location).get_data(as_text=True)
    assert "Cột không khớp với câu hỏi nào của bảng hỏi" in body
    fields = {f"col-{i}": v for i, v in enumerate(_selected(body))}
    unmapped = [k for k, v in fields.items() if v == "?"]
    assert len(unmapped) == 1
    fields[unmapped[0]] = "e3"
    checked = client.post(location, data={"action": "check", **fields})
    assert checked.status_code == 302
    body = client.get(location).get_data(as_text=True)
    assert "Không có lỗi: 1 phiếu mới sẵn sàng để nhập." in body
    done = client.post(location, data={"action": "import", **fields})
    assert done.status_code == 302
    assert db_session.scalar(select(ImportBatch)).mapping["Câu lạ"] == "e3"


def test_web_refuses_large_files_and_other_users_uploads(app, client, paper_round, login_as):
    login_as("thongke")
    app.config["IMPORT_MAX_BYTES"] = 500
    too_big = upload(client, paper_round, SAMPLE)
    assert too_big.status_code == 413
    assert "Tệp quá lớn; tối đa" in too_big.get_data(as_text=True)
    app.config["IMPORT_MAX_BYTES"] = 20 * 1024 * 1024
    location = upload(client, paper_round, SAMPLE).headers["Location"]
    client.post("/staff/logout")
    login_as("admin")
    assert client.get(location).status_code == 404
    assert client.get("/staff/imports/not-a-token").status_code == 404


def test_web_report_in_english(client, paper_round, login_as):
    login_as("thongke")
    location = upload(client, paper_round, SAMPLE_WITH_ERRORS).headers["Location"]
    body = client.get(location + "?lang=en").get_data(as_text=True)
    assert "«Nữa» is not an option of item gender; choose 1 = Male, 2 = Female, 3 = Other." in body
    assert "«6» is not an option of item a0; choose 1 = Very dissatisfied, 2 = Dissatisfied," in body
    assert "2 problems; nothing has been stored." in body and "Problem report" in body


# --- a database failure mid-import -------------------------------------------------------


@pytest.fixture
def failing_designs_insert(db_session):
    """The database fails on the design rows, after the batch and its responses were inserted."""
    from contextlib import contextmanager

    from sqlalchemy import event

    engine = db_session.get_bind()
    seen: list[str] = []

    def fail(conn, cursor, statement, parameters, context, executemany):
        table = statement.split()[2].strip('"') if statement.startswith("INSERT INTO") else None
        seen.append(table)
        if table == "response_design":
            raise engine.dialect.loaded_dbapi.OperationalError("disk I/O error (simulated)")

    @contextmanager
    def armed():
        event.listen(engine, "before_cursor_execute", fail)
        try:
            yield seen
        finally:
            event.remove(engine, "before_cursor_execute", fail)

    return armed


def test_a_database_failure_mid_import_stores_nothing_and_the_file_can_be_imported_again(
    app, paper_round, db_session, failing_designs_insert
):
    from sqlalchemy.exc import OperationalError

    before = stored_total(db_session)
    db_session.commit()
    with failing_designs_insert() as inserts:
        result = CliRunner().invoke(_main(), ["import", "--round", ROUND, str(SAMPLE)], obj=app)
    assert {"import_batches", "responses", "response_design"} <= set(inserts)  # it failed mid-insert
    assert inserts.index("responses") < inserts.index("response_design")
    assert result.exit_code == 1 and isinstance(result.exception, OperationalError)
    assert "disk I/O error (simulated)" in str(result.exception)  # the database's own error, not a success
    assert "Đã nhập" not in result.output
    db_session.rollback()
    assert stored_total(db_session) == before and imported(db_session, paper_round) == []
    assert db_session.scalar(select(func.count()).select_from(ImportBatch)) == 0  # not "already imported"
    retry = invoke(app, "--round", ROUND, str(SAMPLE))
    assert retry.exit_code == 0, retry.output
    assert "Đã nhập 6 phiếu" in retry.output
    db_session.expire_all()
    assert stored_total(db_session) == before + 6 and len(imported(db_session, paper_round)) == 6
