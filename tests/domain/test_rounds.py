"""Survey rounds from an empty database: `sipas rounds` and the domain's create/update/open/close rules."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select, text

from survey import QUESTIONNAIRES_DIR
from survey.cli import main
from survey.domain.rounds import (
    RoundError,
    RoundFields,
    close_round,
    create_round,
    current_round,
    open_round,
    update_round,
)
from survey.models import AuditEntry, Channel, RoundKind, RoundStatus, SurveyRound, UnitKind

SERVICE = str(QUESTIONNAIRES_DIR / "sipas-service.yaml")
COUNTER = str(QUESTIONNAIRES_DIR / "counter-quick.yaml")


def invoke(app, *args):
    return CliRunner().invoke(main, list(args), obj=app)


@pytest.fixture
def published(app, db_session, make_unit):
    """An empty install with the two questionnaires published through the CLI and a few units."""
    for path in (SERVICE, COUNTER):
        result = invoke(app, "questionnaire", "publish", path)
        assert result.exit_code == 0, result.output
    hanoi = make_unit("01", "Thành phố Hà Nội", UnitKind.PROVINCE, valid_from=date(2025, 7, 1))
    make_unit("00004", "Phường Ba Đình", parent=hanoi, valid_from=date(2025, 7, 1))
    make_unit("02", "Tỉnh Hà Giang", UnitKind.PROVINCE, valid_to=date(2025, 6, 30))
    make_unit("77", "Xã sắp nhập", valid_from=date(2025, 7, 1), valid_to=date(2026, 6, 30))
    db_session.commit()  # the CLI works in a session of its own
    return hanoi


def fields(**changes) -> RoundFields:
    values = {"code": "sipas-2026", "name": "SIPAS 2026", "questionnaire": "sipas-service", "version": None,
              "kind": RoundKind.YEARLY_SAMPLE, "channels": ("paper", "online"), "starts_on": date(2026, 1, 1),
              "ends_on": date(2026, 12, 31), "unit_codes": ("01",)}
    values.update(changes)
    return RoundFields(**values)


def _actions(db_session) -> list[str]:
    return db_session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("round.%"))
                              .order_by(AuditEntry.id)).all()


def test_questionnaire_list_on_an_empty_install_and_after_publishing(app, db_session):
    empty = invoke(app, "questionnaire", "list")
    assert empty.exit_code == 0 and "Chưa công bố bảng hỏi nào" in empty.output
    invoke(app, "questionnaire", "publish", COUNTER)
    listed = invoke(app, "questionnaire", "list")
    assert listed.exit_code == 0
    assert db_session.scalar(select(AuditEntry.target).where(AuditEntry.action == "questionnaire.publish")) == \
        "counter-quick@1"
    assert "counter-quick phiên bản 1: Đánh giá nhanh tại quầy; 3 câu hỏi" in listed.output
    assert "đợt: chưa có" in listed.output


def test_cli_creates_opens_closes_and_reopens_a_round(app, db_session, published):
    result = invoke(app, "rounds", "create", "sipas-2026", "--name", "SIPAS 2026", "--questionnaire",
                    "sipas-service", "--kind", "yearly", "--channels", "paper,online", "--from", "01/01/2026",
                    "--to", "2026-12-31", "--unit", "01")
    assert result.exit_code == 0, result.output
    assert "Đã tạo đợt sipas-2026 (nháp): sipas-service phiên bản" in result.output
    assert "01/01/2026 – 31/12/2026, 1 đơn vị" in result.output
    survey_round = db_session.scalar(select(SurveyRound))
    assert (survey_round.status, survey_round.kind) == (RoundStatus.DRAFT, RoundKind.YEARLY_SAMPLE)
    assert survey_round.channels == ["online", "paper"]  # stored in one order, whatever was typed
    assert [u.code for u in survey_round.units] == ["01"]
    assert survey_round.questionnaire_version.questionnaire.code == "sipas-service"

    ba_dinh = published.children[0]
    assert current_round(db_session, ba_dinh, Channel.PAPER, date(2026, 5, 1)) is None  # a draft takes nothing
    assert invoke(app, "rounds", "open", "sipas-2026").exit_code == 0
    db_session.expire_all()
    assert current_round(db_session, ba_dinh, Channel.PAPER, date(2026, 5, 1)).code == "sipas-2026"

    listed = invoke(app, "rounds", "list")
    assert listed.exit_code == 0
    line = next(row for row in listed.output.splitlines() if row.startswith("sipas-2026"))
    for part in ("SIPAS 2026", "Khảo sát năm (chọn mẫu)", "sipas-service@1", "online,paper",
                 "01/01/2026 – 31/12/2026", "Đang mở", " 0"):
        assert part in line, (part, line)
    questionnaires = invoke(app, "questionnaire", "list")
    assert "đợt: sipas-2026" in questionnaires.output

    closed = invoke(app, "rounds", "close", "sipas-2026")
    assert closed.exit_code == 0 and "Đã đóng đợt sipas-2026" in closed.output
    again = invoke(app, "rounds", "close", "sipas-2026")
    assert again.exit_code == 1 and "đã đóng" in again.stderr
    no_reason = invoke(app, "rounds", "open", "sipas-2026")
    assert no_reason.exit_code == 1 and "--reason: Đợt sipas-2026 đã đóng; hãy ghi lý do mở lại." in no_reason.stderr
    reopened = invoke(app, "rounds", "open", "sipas-2026", "--reason", "Phiếu giấy của xã đến muộn")
    assert reopened.exit_code == 0
    db_session.expire_all()
    assert db_session.scalar(select(SurveyRound)).status == RoundStatus.OPEN
    assert _actions(db_session) == ["round.create", "round.open", "round.close", "round.reopen"]
    reopen = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "round.reopen"))
    assert reopen.target == "round:sipas-2026" and reopen.details == {"reason": "Phiếu giấy của xã đến muộn"}


def test_cli_reports_every_problem_at_once_and_stores_nothing(app, db_session, published):
    result = invoke(app, "rounds", "create", "SIPAS 2026", "--name", " ", "--questionnaire", "sipas-service",
                    "--version", "9", "--kind", "counter", "--channels", "paper,fax", "--from", "31/02/2026",
                    "--to", "01/01/2026", "--unit", "99", "--unit", "02")
    assert result.exit_code == 1
    errors = result.stderr
    assert "CODE: Mã đợt chỉ gồm chữ thường không dấu" in errors
    assert "--name: Hãy nhập tên đợt khảo sát." in errors
    assert "--version: Bảng hỏi sipas-service không có phiên bản 9; các phiên bản đã công bố: 1." in errors
    assert "--channels: Kênh không hợp lệ: fax; các kênh có: counter, online, paper, phone." in errors
    assert "--from: 31/02/2026 không phải là một ngày (dd/mm/yyyy)." in errors
    assert "--unit: Không có đơn vị mã 99." in errors
    assert db_session.scalar(select(SurveyRound)) is None and _actions(db_session) == []

    unknown = invoke(app, "rounds", "open", "no-such-round")
    assert unknown.exit_code == 1 and "Không có đợt khảo sát mã no-such-round" in unknown.stderr


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"questionnaire": "nope"}, "questionnaire", "Chưa có bảng hỏi mã nope được công bố."),
        ({"kind": RoundKind.CONTINUOUS_COUNTER}, "channels", "phải có kênh tại quầy (counter)"),
        ({"channels": ()}, "channels", "Hãy chọn ít nhất một kênh thu thập."),
        ({"ends_on": date(2025, 12, 31)}, "ends_on", "Ngày kết thúc 31/12/2025 trước ngày bắt đầu 01/01/2026."),
        ({"starts_on": None}, "starts_on", "Hãy nhập ngày bắt đầu theo dạng dd/mm/yyyy."),
        ({"unit_codes": ("02",)}, "units", "Đơn vị mã 02 không có hiệu lực vào ngày 01/01/2026."),
        ({"unit_codes": ("77",)}, "units", "Đơn vị 77 (Xã sắp nhập) hết hiệu lực ngày 30/06/2026, trước khi đợt kết thúc."),
        ({"name": "x" * 256}, "name", "Tên đợt dài tối đa 255 ký tự."),
        ({"kind": None}, "kind", "Hãy chọn loại đợt."),
    ],
)
def test_create_round_refusals(db_session, published, changes, field, message):
    with pytest.raises(RoundError) as refused:
        create_round(db_session, fields(**changes))
    assert message in refused.value.problems[field]
    assert db_session.scalar(select(SurveyRound)) is None


def test_codes_are_unique_and_the_version_defaults_to_the_latest(db_session, published):
    first = create_round(db_session, fields(version="1"))
    assert first.questionnaire_version.version == "1" and first.status == RoundStatus.DRAFT
    with pytest.raises(RoundError) as refused:
        create_round(db_session, fields(name="Khác"))
    assert refused.value.problems == {"code": "Đã có đợt khảo sát mã sipas-2026."}
    counter = create_round(db_session, fields(code="quay-2026", kind=RoundKind.CONTINUOUS_COUNTER,
                                              questionnaire="counter-quick", channels=("counter",), unit_codes=()))
    assert counter.units == [] and counter.questionnaire_version.questionnaire.code == "counter-quick"


def test_a_draft_changes_freely_an_open_round_only_grows(db_session, published, make_unit):
    make_unit("48", "Thành phố Đà Nẵng", UnitKind.PROVINCE, valid_from=date(2025, 7, 1))
    survey_round = create_round(db_session, fields())
    changes = update_round(db_session, survey_round, fields(code="sipas-2026b", starts_on=date(2026, 2, 1),
                                                            channels=("paper",), unit_codes=()))
    assert changes == {"code": ["sipas-2026", "sipas-2026b"], "channels": [["online", "paper"], ["paper"]],
                       "starts_on": ["2026-01-01", "2026-02-01"], "units": [["01"], []]}
    assert survey_round.units == [] and survey_round.code == "sipas-2026b"

    survey_round = create_round(db_session, fields(code="sipas-open"))
    open_round(db_session, survey_round)
    grown = fields(code="sipas-open", name="SIPAS 2026 (mở rộng)", ends_on=date(2027, 1, 31),
                   channels=("paper", "online", "phone"), unit_codes=("01", "48"))
    update_round(db_session, survey_round, grown)
    assert survey_round.name == "SIPAS 2026 (mở rộng)" and survey_round.ends_on == date(2027, 1, 31)
    assert sorted(u.code for u in survey_round.units) == ["01", "48"]
    assert survey_round.channels == ["online", "paper", "phone"]

    with pytest.raises(RoundError) as refused:
        update_round(db_session, survey_round, fields(code="other", kind=RoundKind.CONTINUOUS_COUNTER,
                                                      channels=("counter",), starts_on=date(2026, 3, 1),
                                                      ends_on=date(2026, 6, 30), unit_codes=("48",)))
    assert refused.value.problems == {
        "code": "Đợt đang mở: không đổi được mã đợt.",
        "kind": "Đợt đang mở: không đổi được loại đợt.",
        "starts_on": "Đợt đang mở: không đổi được ngày bắt đầu.",
        "ends_on": "Đợt đang mở: chỉ được lùi ngày kết thúc về sau (hiện là 31/01/2027).",
        "channels": "Đợt đang mở: chỉ được thêm kênh, không bỏ kênh online, paper, phone.",
        "units": "Đợt đang mở: chỉ được thêm đơn vị, không bỏ 01.",
    }
    widest = create_round(db_session, fields(code="everyone", unit_codes=()))
    open_round(db_session, widest)
    with pytest.raises(RoundError) as narrowed:
        update_round(db_session, widest, fields(code="everyone"))
    assert narrowed.value.problems == {"units": "Đợt đang mở cho mọi đơn vị: không thu hẹp phạm vi được."}

    close_round(db_session, survey_round)
    with pytest.raises(RoundError) as closed:
        update_round(db_session, survey_round, grown)
    assert "đã đóng; hãy mở lại (kèm lý do)" in closed.value.problems["status"]
    updates = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "round.update")).all()
    assert [entry.target for entry in updates] == ["round:sipas-2026b", "round:sipas-open"]


def test_the_questionnaire_version_is_fixed_once_responses_exist(app, db_session, published):
    from survey.domain.responses import record_response

    counter_v2 = (QUESTIONNAIRES_DIR / "counter-quick.yaml").read_text(encoding="utf-8").replace(
        "version: 1", "version: 2").replace("Đánh giá nhanh tại quầy", "Đánh giá nhanh tại quầy (2)")
    path = app.instance_path + "/counter-v2.yaml"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(counter_v2)
    assert invoke(app, "questionnaire", "publish", path).exit_code == 0
    counter = fields(code="quay", kind=RoundKind.CONTINUOUS_COUNTER, questionnaire="counter-quick",
                     channels=("counter",), starts_on=date(2020, 1, 1), ends_on=date(2099, 12, 31), unit_codes=())
    survey_round = create_round(db_session, RoundFields(**{**counter.__dict__, "version": "1"}))
    open_round(db_session, survey_round)
    update_round(db_session, survey_round, counter)  # no response yet: the latest version (2) may replace 1
    assert survey_round.questionnaire_version.version == "2"
    record_response(db_session, response_uuid=uuid.uuid4(), survey_round=survey_round, unit=published,
                    channel=Channel.COUNTER, answers={"rating": 5})
    with pytest.raises(RoundError) as refused:
        update_round(db_session, survey_round, RoundFields(**{**counter.__dict__, "version": "1"}))
    assert refused.value.problems == {
        "version": "Đợt đã có 1 phiếu trả lời: không đổi được bảng hỏi hay phiên bản."
    }


def test_open_and_close_refusals(db_session, published):
    survey_round = create_round(db_session, fields())
    with pytest.raises(RoundError, match="chưa mở nên không đóng được"):
        close_round(db_session, survey_round)
    open_round(db_session, survey_round)
    with pytest.raises(RoundError, match="đang mở"):
        open_round(db_session, survey_round)
    close_round(db_session, survey_round)
    with pytest.raises(RoundError, match="tối đa 500 ký tự"):
        open_round(db_session, survey_round, reason="x" * 501)
    assert survey_round.status == RoundStatus.CLOSED


def test_migration_gives_existing_rounds_their_kind(tmp_path):
    from survey.models import database

    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    database.upgrade(engine, "0002")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO questionnaires (id, code, title, created_at) VALUES (1, 'q', 'Q', '2026-01-01')"))
        conn.execute(text(
            "INSERT INTO questionnaire_versions (id, questionnaire_id, version, content_hash, definition, source, "
            "numeric_items, published_at) VALUES (1, 1, '1', 'h', '{}', '', '[]', '2026-01-01')"))
        for ident, channels in ((1, '["counter"]'), (2, '["paper", "online"]'), (3, '["counter", "online"]')):
            conn.execute(text(
                "INSERT INTO survey_rounds (id, code, name, questionnaire_version_id, starts_on, ends_on, channels, "
                "status, created_at) VALUES (:id, :code, 'R', 1, '2026-01-01', '2026-12-31', :channels, 'open', "
                "'2026-01-01')"), {"id": ident, "code": f"r{ident}", "channels": channels})
    database.upgrade(engine)
    with engine.connect() as conn:
        kinds = dict(conn.execute(text("SELECT code, kind FROM survey_rounds")).all())
    assert kinds == {"r1": "continuous_counter", "r2": "yearly_sample", "r3": "yearly_sample"}
    database.downgrade(engine, "0002")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM survey_rounds")).scalar() == 3
    engine.dispose()
