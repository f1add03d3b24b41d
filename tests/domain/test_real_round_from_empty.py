"""A province runs its own round from an empty install, through the ``sipas`` command only.

Nothing of the demo is used: a production-like instance folder, ``sipas db
upgrade``, a first admin, the province's own list of units, its own
questionnaire, a round, a tablet, answers at the counter and online, a paper
file typed by an operator (with blanks and "not experienced" 9s), a sampling
frame, weights, a release, its publication and an export. Each command runs
as a separate process, as an operator would type it; the answers come in
through the public pages and the API, as citizens and tablets send them.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from survey.models import Channel, Response

QUESTIONNAIRE = """\
id: tinh-thu-hai-long
version: 1
languages: [vi, en]
title:
  vi: "Khảo sát hài lòng của tỉnh Thử"
  en: "Satisfaction survey of Thử province"
sections:
  - code: service
    title: {vi: "Phục vụ", en: "Service"}
    items:
      - code: gender
        type: single
        label: {vi: "Giới tính", en: "Gender"}
        options:
          - {code: 1, label: {vi: "Nam", en: "Male"}}
          - {code: 2, label: {vi: "Nữ", en: "Female"}}
      - code: q1
        type: satisfaction
        required: true
        required_on_paper: true
        label: {vi: "Hài lòng với việc tiếp nhận hồ sơ", en: "Satisfied with how the file was received"}
      - code: q2
        type: satisfaction
        required: true
        not_experienced: true
        label: {vi: "Hài lòng với việc trả kết quả", en: "Satisfied with how the result was returned"}
      - code: q3
        type: satisfaction
        label: {vi: "Hài lòng với cơ sở vật chất", en: "Satisfied with the premises"}
      - code: comment
        type: text
        max_length: 500
        label: {vi: "Góp ý", en: "Comments"}
indices:
  groups:
    - code: service
      label: {vi: "Phục vụ", en: "Service"}
      items: [q1, q2, q3]
  overall:
    aggregation: mean
"""

UNITS = [
    # code, name, level, parent, valid from
    ("98", "Tỉnh Thử", "Tỉnh", "", "01/07/2025"),
    ("98001", "Phường Một", "Phường", "98", "01/07/2025"),
    ("98002", "Xã Hai", "Xã", "98", "01/07/2025"),
    ("98003", "Xã Ba", "Xã", "98", "01/07/2025"),
]


def _sipas(instance: Path, *args: str, stdin: str | None = None, ok: bool = True) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "SIPAS_INSTANCE_PATH": str(instance),
        "SIPAS_ENV_NAME": "production",
        "SIPAS_SECRET_KEY": "e2e-" + "x" * 40,
        "SIPAS_LANG": "vi",
    }
    env.pop("SIPAS_DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-m", "survey.cli", *args], env=env, input=stdin,
                            capture_output=True, text=True, cwd=instance, timeout=300, check=False)
    if ok:
        assert result.returncode == 0, f"sipas {' '.join(args)}\n{result.stdout}\n{result.stderr}"
    return result


def test_a_province_runs_a_round_from_an_empty_install(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    today = date.today()

    # 1. An empty database and the first admin.
    _sipas(instance, "db", "upgrade")
    _sipas(instance, "staff", "add", "quantri", "--role", "admin", "--name", "Quản trị tỉnh",
           "--password-stdin", stdin="mat-khau-rat-dai-2026\n")
    listed = _sipas(instance, "staff", "list").stdout
    assert "quantri" in listed

    # 2. The province's own units.
    units_csv = tmp_path / "don-vi.csv"
    with open(units_csv, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Mã", "Tên", "Cấp", "Mã cấp trên", "Hiệu lực từ"])
        writer.writerows(UNITS)
    _sipas(instance, "units", "import", str(units_csv))
    again = _sipas(instance, "units", "import", str(units_csv)).stdout
    assert "4" in again  # unchanged: nothing created twice

    # 3. Its own questionnaire, a round over the province, opened.
    qfile = tmp_path / "bang-hoi.yaml"
    qfile.write_text(QUESTIONNAIRE, encoding="utf-8")
    _sipas(instance, "questionnaire", "publish", str(qfile))
    _sipas(instance, "rounds", "create", "thu-2026", "--name", "Khảo sát năm 2026",
           "--questionnaire", "tinh-thu-hai-long", "--kind", "yearly",
           "--channels", "counter,online,paper",
           "--from", (today - timedelta(days=30)).isoformat(), "--to", (today + timedelta(days=30)).isoformat(),
           "--unit", "98")
    _sipas(instance, "rounds", "open", "thu-2026")
    assert "thu-2026" in _sipas(instance, "rounds", "list").stdout

    # 4. A tablet at the counter of Phường Một.
    added = _sipas(instance, "devices", "add", "--unit", "98001", "--counter", "Quầy 1",
                   "--base-url", "https://sipas.example.gov.vn", "--qr", str(tmp_path / "qr.png")).stdout
    kiosk_token = next(line for line in added.splitlines() if "/k/" in line).rsplit("/k/", 1)[1].strip()

    # 5. Answers from the tablet (the API, as the kiosk's script sends them) and online (the public form).
    from survey import create_app

    app = create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": "e2e-" + "x" * 40,
                      "ENV_NAME": "production", "TESTING": True, "RATELIMIT_ENABLED": False})
    client = app.test_client()
    start = datetime.now().astimezone() - timedelta(hours=2)
    for i, rating in enumerate((5, 4, 2)):
        reply = client.post("/api/v1/responses", json={
            "uuid": str(uuid.uuid4()), "questionnaire": "tinh-thu-hai-long", "version": "1",
            "device_token": kiosk_token, "submitted_at": (start + timedelta(minutes=10 * i)).isoformat(),
            "answers": {"q1": rating, "q2": 9 if i == 0 else rating, "q3": rating},
        }, base_url="https://localhost")
        assert reply.status_code == 201, reply.get_data(as_text=True)
    for unit_code, ratings in (("98002", (4, 3)), ("98003", (5, 5))):
        for rating in ratings:
            page = client.post(f"/s/{unit_code}", data={
                "response_uuid": str(uuid.uuid4()), "gender": "2", "q1": str(rating), "q2": str(rating),
                "q3": str(rating), "comment": "",
            }, base_url="https://localhost")
            assert page.status_code == 302, page.get_data(as_text=True)[:2000]

    # 6. Paper forms typed by an operator: blanks are item nonresponse, 9 is "not experienced".
    template = tmp_path / "mau-nhap.xlsx"
    _sipas(instance, "import-template", "--round", "thu-2026", str(template))
    headers = [cell.value for cell in next(load_workbook(template).active.iter_rows(max_row=1))]
    assert "@unit" in headers and any(str(h).startswith("q1") for h in headers)
    paper = tmp_path / "phieu-giay.csv"
    with open(paper, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["@unit", "@form", "@date", "gender", "q1", "q2", "q3", "comment"])
        day = (today - timedelta(days=3)).strftime("%d/%m/%Y")
        writer.writerow(["98002", "1", day, "1", "4", "9", "", ""])  # q3 left blank
        writer.writerow(["98002", "2", day, "", "3", "", "4", "Chờ hơi lâu"])  # gender and q2 blank
        writer.writerow(["98003", "1", day, "2", "5", "5", "5", ""])
    imported = _sipas(instance, "import", "--round", "thu-2026", str(paper)).stdout
    assert "3" in imported
    again = _sipas(instance, "import", "--round", "thu-2026", str(paper)).stdout
    assert "0" in again or "đã" in again.lower()

    engine = create_engine(f"sqlite:///{instance / 'sipas.db'}")
    with Session(engine) as session:
        by_channel = dict(session.execute(
            select(Response.channel, func.count()).group_by(Response.channel)).all())
        assert by_channel == {Channel.COUNTER: 3, Channel.ONLINE: 4, Channel.PAPER: 3}
        papers = session.scalars(select(Response).where(Response.channel == Channel.PAPER)).all()
        answers = sorted((r.answers for r in papers), key=lambda a: (a.get("q1"), a.get("q2") or 0))
        assert {"q1": 3, "q3": 4} .items() <= answers[0].items() and answers[0].get("q2") is None
        assert answers[1]["q2"] == 9 and answers[1].get("q3") is None
    engine.dispose()

    # 7. A sampling frame, weights, a release, published and exported.
    frame = tmp_path / "khung-mau.csv"
    with open(frame, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["unit", "stratum", "psu", "population"])
        writer.writerows([["98001", "phuong", "98001", 1200], ["98002", "xa", "98002", 800],
                          ["98003", "xa", "98003", 500]])
    _sipas(instance, "frames", "import", "--round", "thu-2026", str(frame))
    weights = _sipas(instance, "weights", "compute", "--round", "thu-2026", "--frame", "1").stdout
    assert "10" in weights
    _sipas(instance, "releases", "compute", "--round", "thu-2026", "--weights", "1", "--title", "Kết quả 2026")
    _sipas(instance, "releases", "publish", "1")
    out = tmp_path / "ket-qua.xlsx"
    _sipas(instance, "releases", "export", "1", "--format", "xlsx", "--out", str(out))
    sheet = load_workbook(out).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any("Tỉnh Thử" in c for c in cells) and any("Phường Một" in c for c in cells)

    # Privacy: nothing in the responses table names the tablet's address or the citizen.
    engine = create_engine(f"sqlite:///{instance / 'sipas.db'}")
    with engine.connect() as connection:
        columns = [row[1] for row in connection.execute(text("PRAGMA table_info(responses)"))]
    engine.dispose()
    assert not {"ip", "ip_address", "user_agent", "name"} & set(columns)
