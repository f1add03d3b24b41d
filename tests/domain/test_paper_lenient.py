"""Paper as it really arrives: blanks, "not experienced", wrong scales, every problem at once, the template.

From an empty database: one province, one commune, a small questionnaire and a paper round.
"""

from __future__ import annotations

import codecs
import math
import uuid
from datetime import date

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import select

from survey.domain.paper_import import (
    UNIT,
    build_template,
    check_import,
    run_import,
    template_headers,
)
from survey.domain.paper_import import report as report_module
from survey.domain.questionnaires import QuestionnaireError, parse_questionnaire
from survey.domain.questionnaires.definition import EMPTY_FORM
from survey.domain.questionnaires.store import publish
from survey.domain.responses import (
    SubmissionError,
    load_score_matrix,
    prepare_response,
    questionnaire_for,
)
from survey.models import Channel, Response, RoundStatus, SurveyRound, UnitKind

QUESTIONNAIRE = """
id: paper-test
version: 1
languages: [vi, en]
title: {vi: "Phiếu thử", en: "Test form"}
sections:
  - code: main
    title: {vi: "Chung", en: "General"}
    items:
      - code: gender
        type: single
        required: true
        required_on_paper: true
        label: {vi: "Giới tính", en: "Gender"}
        options:
          - {code: 1, label: {vi: "Nam", en: "Male"}}
          - {code: 2, label: {vi: "Nữ", en: "Female"}}
      - code: q1
        type: satisfaction
        required: true
        not_experienced: true
        label: {vi: "Thủ tục đơn giản", en: "Simple procedures"}
      - code: q2
        type: satisfaction
        required: true
        label: {vi: "Nhìn chung hài lòng", en: "Satisfied in general"}
      - code: used
        type: yesno
        label: {vi: "Đã dùng dịch vụ công trực tuyến", en: "Used online services"}
      - code: q3
        type: satisfaction
        not_experienced: true
        relevant: "used == 1"
        label: {vi: "Dịch vụ trực tuyến", en: "Online services"}
      - code: visits
        type: number
        integer: true
        min: 0
        max: 50
        label: {vi: "Số lần đến", en: "Visits"}
      - code: comment
        type: text
        max_length: 20
        label: {vi: "Góp ý", en: "Comment"}
"""
CODE = "paper-2025"
SATISFACTION = "1 = Rất không hài lòng, 2 = Không hài lòng, 3 = Bình thường, 4 = Hài lòng, 5 = Rất hài lòng"


@pytest.fixture
def paper_round(db_session, make_unit) -> SurveyRound:
    province = make_unit("01", "Thành phố Hà Nội", kind=UnitKind.PROVINCE)
    make_unit("00004", "Phường Ba Đình", parent_id=province.id)
    version, _created = publish(db_session, parse_questionnaire(QUESTIONNAIRE, "paper-test.yaml"), QUESTIONNAIRE)
    survey_round = SurveyRound(
        code=CODE, name="Giấy 2025", questionnaire_version=version, starts_on=date(2025, 1, 1),
        ends_on=date(2025, 12, 31), channels=["paper"], units=[province],
    )
    db_session.add(survey_round)
    db_session.commit()
    return survey_round


def csv_file(*rows: list) -> bytes:
    lines = [",".join(f'"{c}"' if "," in str(c) else str(c) for c in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


HEADER = ["@unit", "@form", "@date", "gender", "q1", "q2", "used", "q3", "visits", "comment"]


def answers_by_form(db_session, survey_round) -> list[dict]:
    db_session.expire_all()
    return [r.answers for r in db_session.scalars(
        select(Response).where(Response.round_id == survey_round.id).order_by(Response.id)
    )]


# --- blanks ------------------------------------------------------------------------------


def test_blank_answers_are_stored_as_missing_even_for_items_required_online(paper_round, db_session):
    data = csv_file(HEADER, ["00004", "1", "12/03/2025", "1", "", "4", "", "", "", ""],
                    ["00004", "2", "13/03/2025", "2", "5", "", "2", "", "3", "Tốt"])
    report = run_import(db_session, paper_round, data, "blanks.csv")
    db_session.commit()
    assert report.problems == [] and report.created == 2
    assert answers_by_form(db_session, paper_round) == [
        {"gender": 1, "q2": 4},
        {"gender": 2, "q1": 5, "used": 2, "visits": 3, "comment": "Tốt"},
    ]
    _units, scores, items = load_score_matrix(db_session, paper_round.id)
    first = dict(zip(items, scores[0].tolist()))
    assert first["q2"] == 4 and math.isnan(first["q1"]) and math.isnan(first["visits"])


def test_a_blank_item_required_on_paper_is_refused_and_so_is_a_missing_column(paper_round, db_session):
    data = csv_file(HEADER, ["00004", "1", "", "", "4", "4", "", "", "", ""])
    report = check_import(db_session, paper_round, data, "x.csv")
    assert [(p.row, p.key, p.message()) for p in report.problems] == [
        (2, "required", "Thiếu câu trả lời cho câu gender, câu bắt buộc trên phiếu giấy."),
    ]
    without = csv_file([h for h in HEADER if h != "gender"], ["00004", "1", "", "4", "4", "", "", "", ""])
    report = check_import(db_session, paper_round, without, "y.csv")
    assert [p.message() for p in report.problems] == [
        "Tệp không có cột cho câu hỏi gender, câu bắt buộc trên phiếu giấy.",
        "Thiếu câu trả lời cho câu gender, câu bắt buộc trên phiếu giấy.",
    ]


def test_a_round_must_be_open_to_take_paper_forms(paper_round, db_session):
    data = csv_file(HEADER, ["00004", "1", "12/03/2025", "1", "4", "4", "", "", "", ""])
    for status, message in ((RoundStatus.DRAFT, "Đợt khảo sát paper-2025 chưa mở: hãy mở đợt trước khi nhập phiếu."),
                            (RoundStatus.CLOSED, "Đợt khảo sát paper-2025 đã đóng.")):
        paper_round.status = status
        report = run_import(db_session, paper_round, data, "early.csv")
        assert [p.message() for p in report.problems] == [message] and report.created == 0
    assert answers_by_form(db_session, paper_round) == []


def test_a_form_with_no_answer_at_all_is_refused(paper_round, db_session):
    data = csv_file(HEADER, ["00004", "1", "", "1", "4", "", "", "", "", ""], ["00004", "2", "", "", "", "", "", "", "", ""])
    report = run_import(db_session, paper_round, data, "empty.csv")
    assert [(p.row, p.column, p.key, p.message()) for p in report.problems] == [
        (3, None, "empty_form", "Phiếu trống: dòng có mã đơn vị nhưng không có câu trả lời nào."),
    ]
    assert report.created == 0


def test_the_one_write_path_applies_the_paper_rules_to_the_paper_channel_only(paper_round):
    questionnaire = questionnaire_for(paper_round.questionnaire_version)

    def prepare(channel: Channel, answers: dict) -> dict:
        return prepare_response(
            questionnaire=questionnaire, numeric_items=questionnaire.numeric_items, version_id=1, round_id=1,
            unit_id=1, channel=channel, answers=answers, response_uuid=uuid.uuid4(),
        )

    assert prepare(Channel.PAPER, {"gender": 1})["answers"] == {"gender": 1}
    with pytest.raises(SubmissionError) as online:
        prepare(Channel.ONLINE, {"gender": 1})
    assert {code: problem.key for code, problem in online.value.errors.items()} == {"q1": "required", "q2": "required"}
    with pytest.raises(SubmissionError) as paper_without_gender:
        prepare(Channel.PAPER, {"q1": 4})
    assert list(paper_without_gender.value.errors) == ["gender"]
    with pytest.raises(SubmissionError) as empty:
        prepare(Channel.PAPER, {})
    assert empty.value.errors[EMPTY_FORM].key == "empty_form"


# --- not experienced ----------------------------------------------------------------------


def test_not_experienced_is_read_in_every_spelling_where_the_item_offers_it(paper_round, db_session):
    spellings = ["9", "KTN", "ktn", "Không trải nghiệm", "khong trai nghiem", "Chưa trải qua"]
    rows = [["00004", str(n), "", "1", spelled, "4", "1", spelled, "", ""] for n, spelled in enumerate(spellings, 1)]
    report = run_import(db_session, paper_round, csv_file(HEADER, *rows), "ne.csv")
    db_session.commit()
    assert report.problems == [] and report.created == len(spellings)
    assert {(a["q1"], a["q3"]) for a in answers_by_form(db_session, paper_round)} == {(9, 9)}


def test_not_experienced_is_refused_with_the_options_where_the_item_does_not_offer_it(paper_round, db_session):
    data = csv_file(HEADER, ["00004", "1", "", "1", "4", "KTN", "", "", "", ""],
                    ["00004", "2", "", "9", "4", "9", "", "", "", ""])
    report = check_import(db_session, paper_round, data, "x.csv")
    assert [(p.row, p.column, p.key) for p in report.problems] == [
        (2, "F", "no_not_experienced"), (3, "D", "unknown_option"), (3, "F", "no_not_experienced"),
    ]
    assert report.problems[0].message() == (
        f"Câu q2 không có phương án «Không trải nghiệm» (9), nên «KTN» không được nhận; chọn {SATISFACTION}, "
        "hoặc để trống."
    )
    assert "chọn 1 = Nam, 2 = Nữ" in report.problems[1].message()


def test_the_indices_leave_blanks_and_not_experienced_out_of_the_denominator(paper_round, db_session):
    from analysis.indices import GroupSpec, IndexSpec, compute_indices

    rows = [["00004", str(n), "", "1", q1, "4", "", "", "", ""] for n, q1 in enumerate(["4", "5", "KTN", "", "2"], 1)]
    report = run_import(db_session, paper_round, csv_file(HEADER, *rows), "ne.csv")
    db_session.commit()
    assert report.created == 5
    _units, scores, items = load_score_matrix(db_session, paper_round.id)
    data = {code: scores[:, i].astype(float) for i, code in enumerate(items)}
    results = compute_indices(data, IndexSpec(groups=(GroupSpec(code="g", items=("q1",)),)))
    q1 = results.get("q1", level="item")
    assert (q1.n, round(q1.estimate, 6)) == (3, round(100 * 2 / 3, 6))  # 4 and 5 of 4, 5 and 2


# --- a column of another scale --------------------------------------------------------------


def test_a_column_matched_by_header_to_an_item_of_another_scale_gets_a_notice(paper_round, db_session):
    data = csv_file(["@unit", "gender", "Nhìn chung hài lòng", "q1"],
                    ["00004", "1", "7", "Có"], ["00004", "2", "6", "Không"], ["00004", "1", "3", "4"])
    report = check_import(db_session, paper_round, data, "scales.csv")
    notices = {n.key: n for n in report.notices}
    assert notices["scale_above"].message() == (
        'Lưu ý: cột C ("Nhìn chung hài lòng") được ghép theo tiêu đề với câu q2, thang '
        f"{SATISFACTION}, nhưng cột có giá trị đến 7; hãy kiểm tra cột này có đúng là câu q2 không."
    )
    assert notices["scale_yesno"].column == "D" and "câu q1, thang 1 = Rất không hài lòng" in notices["scale_yesno"].message()
    assert "nhưng cột ghi Có/Không" in notices["scale_yesno"].message()
    assert {p.key for p in report.problems} == {"unknown_option", "not_an_option"}  # still errors, with labels
    mapped = check_import(db_session, paper_round, csv_file(["@unit", "gender", "q2"], ["00004", "1", "4"]), "ok.csv",
                          mapping={"q2": "q2"})
    assert mapped.notices == [] and mapped.ok


# --- every problem in one pass --------------------------------------------------------------

TWELVE = [
    [*HEADER, "Cột lạ"],                                                            # 1 unmapped column K
    ["99", "1", "", "Nữa", "4", "6", "", "", "nhiều", "", "x"],                     # 2-5: unit, gender, q2, visits
    ["00004", "2", "", "1", "4", "KTN", "", "", "51", "", ""],                      # 6, 7: q2 has no 9, visits max
    ["00004", "3", "", "1", "4", "4", "2", "5", "", "", ""],                        # 8: q3 does not apply
    ["00004", "4", "", "", "4", "4", "", "", "", "", ""],                           # 9: gender required on paper
    ["00004", "5", "", "", "", "", "", "", "", "", ""],                             # 10: an empty form
    ["00004", "6", "31/02/2025", "1", "4", "4", "", "", "", "", ""],                # 11: no such day
    ["00004", "7", "", "2", "4", "4", "", "", "", "Một góp ý dài quá hai mươi ký tự", ""],  # 12: too long
]


def test_a_file_with_twelve_problems_reports_all_twelve_in_one_run_with_labels(paper_round, db_session):
    report = run_import(db_session, paper_round, csv_file(*TWELVE), "twelve.csv")
    assert report.problem_count == 12 and len(report.problems) == 12 and report.created == 0
    assert [(p.row, p.column, p.key) for p in report.problems] == [
        (None, "K", "unmapped_column"),
        (2, "A", "unit_unknown"), (2, "D", "not_an_option"), (2, "F", "unknown_option"), (2, "I", "not_a_number"),
        (3, "F", "no_not_experienced"), (3, "I", "above_max"),
        (4, "H", "not_relevant"),
        (5, "D", "required"),
        (6, None, "empty_form"),
        (7, "C", "bad_date"),
        (8, "J", "too_long"),
    ]
    assert [(n.key, n.column, n.params["max"]) for n in report.notices] == [("scale_above", "F", 6)]
    messages = {(p.row, p.column): p.message() for p in report.problems}
    assert messages[(2, "D")] == "«Nữa» không phải phương án của câu gender; chọn 1 = Nam, 2 = Nữ."
    assert messages[(2, "F")] == f"«6» không phải phương án của câu q2; chọn {SATISFACTION}."


def test_the_cli_prints_every_problem_with_its_cell_and_keeps_the_cap_but_counts_all(app, paper_round, tmp_path,
                                                                                       monkeypatch):
    from survey.cli import main

    path = tmp_path / "twelve.csv"
    path.write_bytes(csv_file(*TWELVE))
    result = CliRunner().invoke(main, ["import", "--round", CODE, str(path)], obj=app)
    assert result.exit_code == 1
    assert f"{path}: Ô F2 (q2): «6» không phải phương án của câu q2; chọn {SATISFACTION}." in result.output
    assert f"{path}: Ô C7 (@date) «31/02/2025»: Ngày không hợp lệ" in result.output
    assert f"{path}: Dòng 6: Phiếu trống" in result.output
    assert f"12 lỗi trong {path}; không lưu phiếu nào." in result.output
    monkeypatch.setattr(report_module, "MAX_PROBLEMS", 5)
    capped = CliRunner().invoke(main, ["import", "--round", CODE, str(path)], obj=app)
    assert capped.output.count(f"{path}: ") == 1 + 5  # the notice on column F (q2 holds a 6), five problems
    assert "… và 7 lỗi khác." in capped.output and f"12 lỗi trong {path}" in capped.output
    english = CliRunner(env={"SIPAS_LANG": "en"}).invoke(main, ["import", "--round", CODE, str(path)], obj=app)
    assert f"{path}: Cell D2 (gender): «Nữa» is not an option of item gender; choose 1 = Male, 2 = Female." in english.output


# --- the template -----------------------------------------------------------------------------


def test_template_columns_follow_the_round_and_its_design(paper_round, db_session):
    questionnaire = questionnaire_for(paper_round.questionnaire_version)
    assert template_headers(paper_round, questionnaire) == [
        "@unit", "@form", "@date", "gender – Giới tính", "q1 – Thủ tục đơn giản", "q2 – Nhìn chung hài lòng",
        "used – Đã dùng dịch vụ công trực tuyến", "q3 – Dịch vụ trực tuyến", "visits – Số lần đến", "comment – Góp ý",
    ]
    paper_round.sampling_design = {"strata": "province", "psu": "commune", "weights": "dossiers"}
    assert template_headers(paper_round, questionnaire)[:6] == ["@unit", "@form", "@date", "@stratum", "@psu", "@weight"]


def test_the_xlsx_template_from_the_cli_filled_in_imports_cleanly(app, paper_round, db_session, tmp_path):
    from survey.cli import main

    path = tmp_path / "mau.xlsx"
    result = CliRunner().invoke(main, ["import-template", "--round", CODE, str(path)], obj=app)
    assert result.exit_code == 0, result.output
    assert f"Đã ghi tệp mẫu {path} cho đợt {CODE}." in result.output
    workbook = load_workbook(path)
    sheet, options = workbook.worksheets
    assert (sheet.title, options.title) == ("Phiếu", "Mã phương án")
    assert sheet.freeze_panes == "A2" and sheet["A1"].value == UNIT
    lists = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert lists["D2:D5001"] == '"1,2"' and lists["E2:E5001"] == '"1,2,3,4,5,9"'
    assert sheet.column_dimensions["E"].width >= 12
    listed = [[c.value for c in row] for row in options.iter_rows(min_row=2)]
    assert ["D", "gender", "Giới tính", 1, "Nam", "Có"] in listed
    assert [None, None, None, 9, "Chưa trải qua", "Không"] in listed
    sheet.append(["00004", "1", "15/03/2025", 1, 4, 5, 1, "KTN", 2, "Tốt"])
    sheet.append(["00004", "2", "16/03/2025", 2, None, 3, None, None, None, None])
    workbook.save(path)
    imported = CliRunner().invoke(main, ["import", "--round", CODE, str(path)], obj=app)
    assert imported.exit_code == 0, imported.output
    assert imported.output.startswith("Đã nhập 2 phiếu") and "Lưu ý" not in imported.output
    assert answers_by_form(db_session, paper_round) == [
        {"gender": 1, "q1": 4, "q2": 5, "used": 1, "q3": 9, "visits": 2, "comment": "Tốt"},
        {"gender": 2, "q2": 3},
    ]


def test_the_csv_template_has_a_bom_and_imports_cleanly_when_filled_in(paper_round, db_session):
    questionnaire = questionnaire_for(paper_round.questionnaire_version)
    data = build_template(paper_round, questionnaire, "csv")
    assert data.startswith(codecs.BOM_UTF8)
    filled = data + b"00004,1,15/03/2025,1,4,4,2,,0,\r\n"
    report = run_import(db_session, paper_round, filled, "mau.csv")
    assert report.problems == [] and report.notices == [] and report.created == 1


def test_the_template_command_refuses_other_file_types_and_unknown_rounds(app, paper_round, tmp_path):
    from survey.cli import main

    wrong = CliRunner().invoke(main, ["import-template", "--round", CODE, str(tmp_path / "mau.txt")], obj=app)
    assert wrong.exit_code == 1 and "Tệp mẫu phải có đuôi .xlsx hoặc .csv" in wrong.output
    unknown = CliRunner().invoke(main, ["import-template", "--round", "x", str(tmp_path / "m.csv")], obj=app)
    assert unknown.exit_code == 1 and "Không có đợt khảo sát mã x." in unknown.output


# --- the questionnaire key ---------------------------------------------------------------------


def test_required_on_paper_is_checked_and_stored_only_when_true():
    definition = parse_questionnaire(QUESTIONNAIRE).definition
    items = {item["code"]: item for item in definition["sections"][0]["items"]}
    assert items["gender"]["required_on_paper"] is True and "required_on_paper" not in items["q1"]
    wrong = QUESTIONNAIRE.replace("required_on_paper: true", "required_on_paper: yes please")
    with pytest.raises(QuestionnaireError) as not_boolean:
        parse_questionnaire(wrong, "q.yaml")
    assert "'required_on_paper' must be true or false" in str(not_boolean.value)
    never = QUESTIONNAIRE.replace('relevant: "used == 1"', 'relevant: "1 == 2"\n        required_on_paper: true')
    with pytest.raises(QuestionnaireError) as never_asked:
        parse_questionnaire(never, "q.yaml")
    assert "required_on_paper has no meaning on an item that is never asked" in str(never_asked.value)
    assert "q.yaml:" in str(never_asked.value)
