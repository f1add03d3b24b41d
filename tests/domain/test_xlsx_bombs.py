"""XLSX files made to exhaust the server: refused with a clear message on every import, the server stays up.

The files are small on disk (a few kB) and generated here: a shared-strings
bomb, a part that unpacks a thousandfold, rows padded to the last column, and
XML entity expansion (billion laughs).
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from sqlalchemy import func, select

from survey.cli import main
from survey.domain.units import seed_provinces
from survey.models import Response, Role, SampleFrame, StaffUser, SurveyRound, Unit

PASSWORD = "mật-khẩu-thử-nghiệm"
SHEET = "xl/worksheets/sheet1.xml"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "]>"
)


def _workbook(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rezip(base: bytes, parts: dict[str, bytes]) -> bytes:
    """``base`` with some parts replaced or added, deflated hard."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED,
                                                                       compresslevel=9) as target:
        for info in source.infolist():
            if info.filename not in parts:
                target.writestr(info.filename, source.read(info.filename))
        for name, content in parts.items():
            target.writestr(name, content)
    return out.getvalue()


def shared_strings_bomb() -> bytes:
    huge = b"A" * (40 * 1024 * 1024)
    content = (f'<sst xmlns="{MAIN_NS}" count="1" uniqueCount="1"><si><t>'.encode() + huge + b"</t></si></sst>")
    return _rezip(_workbook([["Mã", "Tên"]]), {"xl/sharedStrings.xml": content})


def dense_part_bomb() -> bytes:
    sheet = (f'<worksheet xmlns="{MAIN_NS}"><sheetData>' + " " * (8 * 1024 * 1024) + "</sheetData></worksheet>")
    return _rezip(_workbook([["Mã"]]), {SHEET: sheet.encode()})


def wide_rows_bomb(rows: int = 700) -> bytes:
    """Each row has one cell, in the last column (XFD): 16,384 cells a row once padded."""
    cells = "".join(f'<row r="{n}"><c r="XFD{n}" t="inlineStr"><is><t>x</t></is></c></row>' for n in range(1, rows + 1))
    sheet = f'<worksheet xmlns="{MAIN_NS}"><dimension ref="A1:XFD1048576"/><sheetData>{cells}</sheetData></worksheet>'
    return _rezip(_workbook([["Mã"]]), {SHEET: sheet.encode()})


def billion_laughs(part: str = SHEET) -> bytes:
    base = _workbook([["Mã", "Tên"], ["01", "x"]])
    with zipfile.ZipFile(io.BytesIO(base)) as source:
        original = source.read(part).decode()
    body = original.split("?>", 1)[1] if original.startswith("<?xml") else original
    body = body.replace("<t>x</t>", "<t>&lol9;</t>") if part == SHEET else body
    if part == SHEET and "&lol9;" not in body:
        body = body.replace("</sheetData>", '<row r="3"><c r="A3" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData>')
    return _rezip(base, {part: (LAUGHS + body).encode()})


BOMBS = {
    "shared strings": (shared_strings_bomb, r"giải nén ra quá lớn: phần xl/sharedStrings\.xml là 40 MB, tối đa 32 MB"),
    "dense part": (dense_part_bomb, r"bị nén bất thường: phần xl/worksheets/sheet1\.xml giải nén lớn gấp \d+ lần, tối đa 200 lần"),
    "wide rows": (wide_rows_bomb, r"có hơn 10\.000\.000 ô .*vượt ở dòng \d+"),
    "billion laughs": (billion_laughs, r"có khai báo DTD hay thực thể XML"),
}


def _text(page) -> str:
    return re.sub(r"\s+", " ", page.get_data(as_text=True))


def test_bomb_files_are_small_on_disk():
    for make, _message in BOMBS.values():
        assert len(make()) < 200_000


# --- the paper import page -----------------------------------------------------------


@pytest.mark.parametrize("bomb", BOMBS)
def test_paper_import_page_refuses_the_bomb(client, demo, db_session, login_as, bomb):
    make, message = BOMBS[bomb]
    survey_round = db_session.scalar(select(SurveyRound).where(SurveyRound.code == "sipas-2024"))
    before = db_session.scalar(select(func.count()).select_from(Response))
    login_as("thongke")
    page = client.post("/staff/imports", data={"round_id": str(survey_round.id), "file": (io.BytesIO(make()), "phieu.xlsx")},
                       content_type="multipart/form-data", follow_redirects=True)
    assert page.status_code in (200, 400)
    text = _text(page)
    assert re.search(r"Tệp Excel phieu\.xlsx " + message, text), text[-2000:]
    assert db_session.scalar(select(func.count()).select_from(Response)) == before
    assert client.get("/api/v1/health").status_code == 200  # the server stays up


# --- the units import page -----------------------------------------------------------


@pytest.mark.parametrize("bomb", ["wide rows", "billion laughs", "shared strings"])
def test_units_import_page_refuses_the_bomb(client, db_session, bomb):
    make, message = BOMBS[bomb]
    seed_provinces(db_session)
    admin = StaffUser(login="quantri", display_name="quantri", role=Role.ADMIN)
    admin.set_password(PASSWORD)
    db_session.add(admin)
    db_session.commit()
    units = db_session.scalar(select(func.count()).select_from(Unit))
    assert client.post("/staff/login", data={"login": "quantri", "password": PASSWORD}).status_code == 302
    page = client.post("/admin/units/import", data={"file": (io.BytesIO(make()), "phuong.xlsx")},
                       content_type="multipart/form-data")
    assert page.status_code in (200, 400)
    assert re.search(r"Tệp Excel phuong\.xlsx " + message, _text(page))
    assert db_session.scalar(select(func.count()).select_from(Unit)) == units


# --- the sample frame import (CLI) ---------------------------------------------------


@pytest.mark.parametrize("bomb", ["dense part", "billion laughs", "wide rows"])
def test_frame_import_refuses_the_bomb(app, demo, db_session, tmp_path, bomb):
    make, message = BOMBS[bomb]
    path = tmp_path / "khung.xlsx"
    path.write_bytes(make())
    survey_round = db_session.scalar(select(SurveyRound).where(SurveyRound.code == "sipas-2024"))
    result = CliRunner().invoke(main, ["frames", "import", "--round", survey_round.code, str(path)], obj=app)
    assert result.exit_code == 2
    assert re.search(r"Tệp Excel khung\.xlsx " + message, result.output)
    assert db_session.scalar(select(func.count()).select_from(SampleFrame)) == 0


def test_entities_in_the_workbook_part_are_refused_too(client, demo, db_session, login_as):
    from survey.domain.paper_import import ImportFileError, read_table

    with pytest.raises(ImportFileError, match="có khai báo DTD hay thực thể XML"):
        read_table(billion_laughs("xl/workbook.xml"), "so.xlsx")


# --- the limits come from the settings (survey/settings.py), read where the file is read --------


def _ordinary_workbook() -> bytes:
    """Five columns, a header and five rows: 30 cells, far below the default limits."""
    return _workbook([["Mã", "Tên", "Cấp", "Mã cấp trên", "Hiệu lực từ"]] + [[f"0{n}", "x", "tỉnh", "", ""]
                                                                           for n in range(1, 6)])


def test_a_lowered_cell_limit_refuses_an_ordinary_workbook_on_both_pages(app, client, demo, db_session,
                                                                         login_as, monkeypatch):
    survey_round = db_session.scalar(select(SurveyRound).where(SurveyRound.code == "sipas-2024"))
    login_as("admin")
    monkeypatch.setitem(app.config, "XLSX_MAX_CELLS", 20)
    message = r"có hơn 20 ô \(kể cả ô trống đến cột cuối của mỗi dòng; vượt ở dòng 5\)"
    paper = client.post("/staff/imports", data={"round_id": str(survey_round.id),
                                                "file": (io.BytesIO(_ordinary_workbook()), "phieu.xlsx")},
                        content_type="multipart/form-data", follow_redirects=True)
    assert re.search(r"Tệp Excel phieu\.xlsx " + message, _text(paper))
    units = client.post("/admin/units/import", data={"file": (io.BytesIO(_ordinary_workbook()), "phuong.xlsx")},
                        content_type="multipart/form-data")
    assert units.status_code in (200, 400)
    assert re.search(r"Tệp Excel phuong\.xlsx " + message, _text(units))
    monkeypatch.setitem(app.config, "XLSX_MAX_CELLS", 10_000_000)
    units = client.post("/admin/units/import", data={"file": (io.BytesIO(_ordinary_workbook()), "phuong.xlsx")},
                        content_type="multipart/form-data")
    assert "ô (kể cả ô trống" not in _text(units)


def test_the_import_command_reads_its_size_limit_from_the_settings(app, demo, db_session, tmp_path, monkeypatch):
    path = tmp_path / "phieu.csv"
    path.write_bytes(b"a" * (1536 * 1024))  # 1.5 MB
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 1024 * 1024)
    before = db_session.scalar(select(func.count()).select_from(Response))
    result = CliRunner().invoke(main, ["import", "--round", "sipas-2024", str(path)], obj=app)
    assert result.exit_code == 1
    assert "Tệp quá lớn (1.5 MB); tối đa 1 MB. Hãy chia thành nhiều tệp." in result.output
    assert db_session.scalar(select(func.count()).select_from(Response)) == before


def _frame_workbook() -> bytes:
    """A sample frame of five provinces: a header and five rows of three columns, 18 cells."""
    return _workbook([["Mã đơn vị", "Số hồ sơ", "Tầng"]] + [[f"0{n}", 1000 * n, "Bắc"] for n in (1, 2, 4, 6, 8)])


def test_a_lowered_limit_refuses_a_frame_file_on_sipas_frames_import(app, demo, db_session, tmp_path, monkeypatch):
    workbook, text = tmp_path / "khung.xlsx", tmp_path / "khung.csv"
    workbook.write_bytes(_frame_workbook())
    text.write_bytes(b"unit,population\n" + b"".join(b"%02d,%d\n" % (n, 100 * n) for n in range(1, 40)))

    def frames_import(path) -> tuple[int, str]:
        result = CliRunner().invoke(main, ["frames", "import", "--round", "sipas-2024", str(path)], obj=app)
        return result.exit_code, re.sub(r"\s+", " ", result.output)

    monkeypatch.setitem(app.config, "XLSX_MAX_CELLS", 15)
    code, output = frames_import(workbook)
    assert code == 2
    assert "Tệp Excel khung.xlsx có hơn 15 ô (kể cả ô trống đến cột cuối của mỗi dòng; vượt ở dòng 6)" in output
    large = tmp_path / "lon.csv"
    large.write_bytes(b"unit,population\n" + b"01,100\n" * 225_000)  # 1.5 MB
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 1024 * 1024)
    code, output = frames_import(large)
    assert code == 2 and "Không đọc được tệp lon.csv: Tệp quá lớn (1.5 MB); tối đa 1 MB. Hãy chia thành nhiều tệp." in output
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 30)
    code, output = frames_import(text)
    assert code == 2 and "Không đọc được tệp khung.csv: Tệp có hơn 30 dòng; hãy chia thành nhiều tệp." in output
    assert db_session.scalar(select(func.count()).select_from(SampleFrame)) == 0  # nothing half-stored
    monkeypatch.setitem(app.config, "XLSX_MAX_CELLS", 10_000_000)
    code, output = frames_import(workbook)  # the defaults take the same file
    assert code == 0, output
    assert "Đã nhập khung mẫu" in output and ": 5 đơn vị." in output
    frame = db_session.scalar(select(SampleFrame))
    assert [(row["unit"], row["population"]) for row in frame.rows] == [
        ("01", 1000.0), ("02", 2000.0), ("04", 4000.0), ("06", 6000.0), ("08", 8000.0)]
