"""The staff workspace frame as users read it: the menu by role, the audit log in words, dates as
dd/mm/yyyy in Asia/Ho_Chi_Minh, codes in words, the job status written once in the chosen language."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

LOGINS = {"admin": "admin", "statistician": "thongke", "manager": "quanly.hanoi"}


def _client(app, role: str):
    client = app.test_client()
    response = client.post("/staff/login", data={"login": LOGINS[role], "password": "sipas-demo"})
    assert response.status_code == 302
    return client


def _menu_links(html: str) -> list[tuple[str, str]]:
    menu = re.search(r'<nav class="staff-menu" aria-label="Menu">(.*?)</nav>', html, re.DOTALL).group(1)
    return re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', menu)


@pytest.mark.parametrize("role", ["admin", "statistician", "manager"])
def test_each_menu_link_opens_with_the_menu_name_as_title_and_heading(staff_app, role):
    client = _client(staff_app, role)
    links = _menu_links(client.get("/staff/").get_data(as_text=True))
    assert len(links) == {"admin": 14, "statistician": 11, "manager": 7}[role]
    named_alike = 0
    for url, label in links:
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, (role, url)
        html = response.get_data(as_text=True)
        assert f'aria-current="page">{label}</a>' in html or 'aria-current="true"' in html, (role, url)
        title = re.search(r"<title>(.*?)</title>", html, re.DOTALL).group(1).strip()
        heading = re.search(r"<h1>(.*?)</h1>", html, re.DOTALL).group(1).strip()
        named_alike += title == heading == label
    # Every page of this area has one name; the dashboards and the Decision 766 page add the unit's name.
    assert named_alike >= len(links) - 4, (role, named_alike)


def test_menu_leaves_out_what_the_role_may_not_open(staff_app):
    manager = [url for url, _label in _menu_links(_client(staff_app, "manager").get("/staff/").get_data(as_text=True))]
    assert "/staff/releases" not in manager and "/admin/rounds" not in manager and "/admin/units" not in manager
    admin = [url for url, _label in _menu_links(_client(staff_app, "admin").get("/staff/").get_data(as_text=True))]
    assert "/staff/releases" not in admin  # computing and publishing is the statisticians' work
    assert _client(staff_app, "admin").get("/staff/releases").status_code == 403


def test_language_switch_and_logout_each_in_their_place(staff_app):
    html = _client(staff_app, "manager").get("/staff/").get_data(as_text=True)
    language = re.search(r'<nav class="lang" aria-label="Ngôn ngữ">(.*?)</nav>', html, re.DOTALL).group(1)
    assert "Đăng xuất" not in language and "/staff/account" not in language
    assert html.count("<nav") == 2 and 'href="#main">Bỏ qua đến nội dung</a>' in html
    assert html.index("skip-link") < html.index("<header")


def test_audit_log_reads_as_sentences_with_local_time(staff_app, session):
    from survey.models import AuditEntry, StaffUser, SurveyRound

    admin = session.scalar(select(StaffUser).where(StaffUser.login == "admin"))
    session.add_all([
        AuditEntry(action="round.close", target="round:sipas-2024", user_id=admin.id, at=datetime(2026, 3, 1, 17, 30, tzinfo=UTC),
                   details={"responses": 12}),
        AuditEntry(action="login_failed", target="khach", user_id=None, at=datetime(2026, 3, 2, 1, 5, tzinfo=UTC)),
    ])
    session.commit()
    client = _client(staff_app, "admin")
    html = client.get("/admin/audit?target=sipas-2024").get_data(as_text=True)
    row = re.search(r'<tr data-action="round.close">(.*?)</tr>', html, re.DOTALL).group(1)
    # 17:30 UTC on 1 March is 00:30 on 2 March in Hà Nội.
    survey_round = session.scalar(select(SurveyRound).where(SurveyRound.code == "sipas-2024"))
    closed = f'admin đã đóng đợt khảo sát <a href="/admin/rounds/{survey_round.id}">{survey_round.name} (sipas-2024)</a>.'
    assert "<td>02/03/2026 00:30</td>" in row and closed in row
    assert "round.close" not in row.split("</td>", 1)[1]  # the code is not shown, only its sentence
    assert '<option value="round.close" >Đóng đợt khảo sát</option>' in html
    failed = client.get("/admin/audit?action=login_failed&target=khach").get_data(as_text=True)
    assert "Có người đăng nhập không thành công với tên “khach”." in failed
    # Days are typed as users write them; a wrong one is named, never a 500.
    by_day = client.get("/admin/audit?from=02/03/2026&to=02/03/2026&target=sipas").get_data(as_text=True)
    assert by_day.count("<tr data-action=") == 1 and 'value="02/03/2026"' in by_day
    wrong = client.get("/admin/audit?from=31/02/2026")
    assert wrong.status_code == 200
    assert "Từ ngày: “31/02/2026” không phải là một ngày; hãy ghi dd/mm/yyyy" in wrong.get_data(as_text=True)
    english = client.get("/admin/audit?target=sipas-2024&lang=en").get_data(as_text=True)
    assert "<td>02/03/2026 00:30</td>" in english and (
        f'admin closed the survey round <a href="/admin/rounds/{survey_round.id}">{survey_round.name} (sipas-2024)</a>.' in english)
    client.get("/staff/?lang=vi")


def test_dates_are_dd_mm_yyyy_in_both_languages(staff_app, session):
    from survey.models import SurveyRound

    first = session.scalar(select(SurveyRound).order_by(SurveyRound.ends_on.desc()))
    expected = f"{first.starts_on:%d/%m/%Y} – {first.ends_on:%d/%m/%Y}"
    client = _client(staff_app, "statistician")
    for lang in ("vi", "en"):
        overview = client.get(f"/staff/?lang={lang}").get_data(as_text=True)
        assert expected in overview, lang
        releases = client.get("/staff/releases").get_data(as_text=True)
        created = re.findall(r"<td>(\d\d/\d\d/\d{4} \d\d:\d\d)</td>", releases)
        assert created, lang  # each release's creation time, as 03/12/2026 14:05
        assert not re.search(r"\b\d{1,2}/\d{1,2}/\d{2}\b,? \d", releases)  # no "12/3/26, 2:05 PM"
    client.get("/staff/?lang=vi")


def test_release_page_shows_comparisons_and_states_in_words(staff_app, session):
    from survey.models import Release, ReleaseStatus

    release = session.scalar(select(Release).where(Release.status == ReleaseStatus.PUBLISHED))
    client = _client(staff_app, "statistician")
    html = client.get(f"/staff/releases/{release.id}").get_data(as_text=True)
    table = html[html.index("Các đơn vị cấp cao nhất"):]
    flags = re.findall(r"<td>(?:<span[^>]*>)?([^<]*)(?:</span>)?</td></tr>", table[:table.index("</table>")])
    words = {"–", "cao hơn mức chung", "thấp hơn mức chung", "không khác biệt rõ", "⚠ Không ước lượng được / không tin cậy"}
    assert flags and set(flags) <= words, set(flags)
    assert "<td class=\"num\">– – –</td>" not in html  # no interval: one dash
    english = client.get(f"/staff/releases/{release.id}?lang=en").get_data(as_text=True)
    assert not re.search(r"<td>(above|below|none)</td>", english)
    releases = client.get("/staff/releases").get_data(as_text=True)
    assert "<td>Published</td>" in releases and "<td>published</td>" not in releases
    client.get("/staff/?lang=vi")


def test_codes_read_as_words_through_one_mapping(staff_app):
    from survey.models import JobStatus, ReleaseStatus, Role, RoundStatus
    from survey.web.labels import code_label

    with staff_app.test_request_context("/?lang=en"):
        assert [code_label(v) for v in (Role.MANAGER, RoundStatus.OPEN, JobStatus.FAILED, ReleaseStatus.DRAFT)] == [
            "Manager", "Open", "Failed", "Draft"]
        assert code_label("above", "flag") == "above the reference"
        assert code_label("paper", "channel") == "Paper" and code_label(None) == "–"
    with staff_app.test_request_context("/"):
        assert code_label("below", "flag") == "thấp hơn mức chung" and code_label(Role.ADMIN) == "Quản trị viên"


def test_job_status_is_written_once_in_the_chosen_language_without_meta_refresh(staff_app, session):
    from survey.models import Job, JobStatus, StaffUser

    statistician = session.scalar(select(StaffUser).where(StaffUser.login == "thongke"))
    job = Job(kind="compute_release", status=JobStatus.RUNNING, progress=0.6,
              message="Đang so sánh các đơn vị (bảng xếp hạng)…", user_id=statistician.id)
    done = Job(kind="compute_release", status=JobStatus.DONE, progress=1.0, message="Đã tính xong.",
               user_id=statistician.id)
    session.add_all([job, done])
    session.commit()
    client = _client(staff_app, "statistician")
    html = client.get(f"/staff/jobs/{job.id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in html
    status = re.search(r'<p id="job-status" role="status" aria-live="polite">(.*?)</p>', html).group(1)
    assert status == "Đang so sánh các đơn vị (bảng xếp hạng)…" and html.count(status) == 1
    assert '<span id="job-percent">60 %</span>' in html
    assert re.search(rf'<noscript><p>[^<]*<a href="/staff/jobs/{job.id}">Tải lại</a>', html)
    english = client.get(f"/staff/jobs/{job.id}.json?lang=en").json
    assert english["text"] == "Comparing units (league tables)…" and english["percent"] == "60%"
    finished = client.get(f"/staff/jobs/{done.id}?lang=en").get_data(as_text=True)
    assert ">Done.</p>" in finished and "Đã tính xong" not in finished and "<noscript>" not in finished
    client.get("/staff/?lang=vi")


def test_units_filter_takes_the_day_as_users_write_it(staff_app):
    client = _client(staff_app, "admin")
    before = client.get("/admin/units?on=01/06/2024&level=province").get_data(as_text=True)
    assert ">Tỉnh Hà Giang</a>" in before and 'value="01/06/2024"' in before
    wrong = client.get("/admin/units?on=32/13/2024")
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 200 and "Có hiệu lực ngày: “32/13/2024” không phải là một ngày" in html
