"""The managers' dashboards: a unit's indices with CIs, change, league table, charts, items,
expectations, comments and live counter ratings; all from stored release rows, within scope."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from sqlalchemy import event, func, select

from survey.extensions import db
from survey.models import (
    Channel,
    Device,
    Release,
    ReleaseIndex,
    ReleaseStatus,
    Response,
    SurveyRound,
    Unit,
    utcnow,
)


def _client(app, login: str):
    client = app.test_client()
    assert client.post("/staff/login", data={"login": login, "password": "sipas-demo"}).status_code == 302
    return client


def _vi_pct(value: float) -> str:
    return f"{value:.2f}".replace(".", ",") + " %"


def _current(session) -> Release:
    return session.scalar(
        select(Release)
        .join(SurveyRound, SurveyRound.id == Release.round_id)
        .where(Release.status == ReleaseStatus.PUBLISHED)
        .order_by(SurveyRound.ends_on.desc(), Release.number.desc())
    )


def _unit(session, code: str) -> Unit:
    from survey.domain.units import find_unit

    return find_unit(session, code)


def _row(session, release, unit, level="overall", code="overall") -> ReleaseIndex:
    return session.scalar(
        select(ReleaseIndex).where(
            ReleaseIndex.release_id == release.id,
            ReleaseIndex.unit_id == unit.id,
            ReleaseIndex.level == level,
            ReleaseIndex.index_code == code,
        )
    )


def test_manager_lands_on_their_unit_with_indices_league_and_charts(staff_app, session):
    client = _client(staff_app, "quanly.hanoi")
    landing = client.get("/staff/dashboard/")
    assert landing.status_code == 302 and landing.headers["Location"] == "/staff/dashboard/01"
    page = client.get("/staff/dashboard/01")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    release = _current(session)
    hanoi = _unit(session, "01")
    overall = _row(session, release, hanoi)
    assert _vi_pct(overall.estimate) in html
    assert _vi_pct(overall.ci_low) + " – " + _vi_pct(overall.ci_high) in html
    # league table: Hà Nội's sub-units, best first, with the analysis package's flags
    children = session.execute(
        select(Unit.name, ReleaseIndex.estimate, ReleaseIndex.flag)
        .join(ReleaseIndex, ReleaseIndex.unit_id == Unit.id)
        .where(Unit.parent_id == hanoi.id, ReleaseIndex.release_id == release.id, ReleaseIndex.level == "overall")
        .order_by(ReleaseIndex.estimate.desc())
    ).all()
    assert len(children) == 5
    league = html[html.index('<table class="league">'):]
    league = league[: league.index("</table>")]
    positions = [league.index(name) for name, _e, _f in children]
    assert positions == sorted(positions)
    assert league.count('data-flag="above"') == sum(f == "above" for _n, _e, f in children)
    assert league.count('data-flag="below"') == sum(f == "below" for _n, _e, f in children)
    assert league.count("▲") == sum(f == "above" for _n, _e, f in children)
    # charts: server-side SVG with a title and description for screen readers
    for chart in ("forest", "trend", "items"):
        assert re.search(rf'<svg[^>]*id="{chart}"[^>]*role="img"', html), chart
        assert f'<title id="{chart}-title">' in html and f'<desc id="{chart}-desc">' in html
    assert 'class="reference"' in html  # the forest plot's reference line
    for foreign in ("Tuyên Quang", "Minh Xuân", "Đà Nẵng", "Hải Châu"):
        assert foreign not in html


def test_change_since_last_round_and_trend(staff_app, session):
    client = _client(staff_app, "quanly.hanoi")
    html = client.get("/staff/dashboard/00004").get_data(as_text=True)
    release = _current(session)
    row = _row(session, release, _unit(session, "00004"))
    assert row.change is not None
    change = f"{row.change:+.2f}".replace(".", ",").replace("+", "+" if row.change > 0 else "")
    assert change + " điểm" in html
    trend = html[html.index('id="trend"'):]
    trend = trend[: trend.index("</svg>")]
    assert trend.count('class="point"') == 2  # last year and this year
    assert "SIPAS 2024" in trend


def test_commune_manager_sees_no_other_commune(staff_app, session):
    client = _client(staff_app, "quanly.badinh")
    page = client.get("/staff/dashboard/00004")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Phường Ba Đình" in html
    for sibling in ("Phường Hoàn Kiếm", "Xã Sóc Sơn", "Sở Nội vụ"):
        assert sibling not in html
    assert "Không có đơn vị trực thuộc trong phạm vi của bạn." in html
    # weakest items first, with their labels from the questionnaire
    release = _current(session)
    ba_dinh = _unit(session, "00004")
    expectation_items = {f"e{i}" for i in range(1, 11)}
    items = [
        r
        for r in session.scalars(
            select(ReleaseIndex)
            .where(ReleaseIndex.release_id == release.id, ReleaseIndex.unit_id == ba_dinh.id, ReleaseIndex.level == "item")
            .order_by(ReleaseIndex.estimate)
        )
        if r.index_code not in expectation_items
    ]
    weakest = html[html.index("Những nội dung hài lòng thấp nhất"):]
    assert _vi_pct(items[0].estimate) in weakest[: weakest.index("</ol>")]
    assert "Mong đợi và mức hài lòng" in html
    assert client.get("/staff/dashboard/01").status_code == 404
    assert client.get("/staff/dashboard/08").status_code == 404


def _draft(session, seed: int, title: str) -> Release:
    """A synthetic draft release of the current round (flushed)."""
    import numpy as np

    from survey.domain.synthetic_releases import synthetic_release

    current = _current(session)
    units = list(session.scalars(select(Unit).where(Unit.valid_to.is_(None))))
    number = session.scalar(select(func.max(Release.number)).where(Release.round_id == current.round_id)) + 1
    return synthetic_release(
        session, current.round, units, np.random.default_rng(seed), number=number, published=False, title=title
    )


def test_drafts_are_for_statisticians_only(staff_app, session):
    draft = _draft(session, 3, "Bản nháp thử")
    session.commit()
    manager = _client(staff_app, "quanly.hanoi")
    assert manager.get(f"/staff/dashboard/01?release={draft.id}").status_code == 404
    assert "Bản nháp thử" not in manager.get("/staff/dashboard/01").get_data(as_text=True)
    statistician = _client(staff_app, "thongke")
    page = statistician.get(f"/staff/dashboard/01?release={draft.id}")
    assert page.status_code == 200 and "Bản nháp – chưa công bố" in page.get_data(as_text=True)
    session.delete(draft)
    session.commit()


def test_page_views_read_stored_rows_and_never_recompute(staff_app, session, monkeypatch):
    import analysis.indices
    import survey.domain.releases

    def refuse(*args, **kwargs):
        raise AssertionError("a page view must not recompute")

    monkeypatch.setattr(survey.domain.releases, "compute_release", refuse)
    monkeypatch.setattr(survey.domain.releases, "compute_release_from_data", refuse)
    monkeypatch.setattr(analysis.indices, "compute_indices", refuse)
    client = _client(staff_app, "quanly.hanoi")
    client.get("/staff/dashboard/01")  # warm the questionnaire cache
    statements = []
    listener = lambda *args: statements.append(args[2])
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert client.get("/staff/dashboard/01").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) <= 20, statements
    assert not any("FROM responses" in s for s in statements)


def test_comments_are_escaped_searchable_and_never_linked_to_a_person(staff_app, session):
    from survey.domain.responses import pack_scores

    release = _current(session)
    ba_dinh = _unit(session, "00004")
    marker = uuid.uuid4()
    for answer in ("<script>alert('x')</script> Phải chờ rất lâu ở quầy số 2", "Nhân viên rất nhiệt tình"):
        session.add(
            Response(
                uuid=marker if "script" in answer else uuid.uuid4(),
                round_id=release.round_id,
                questionnaire_version_id=release.questionnaire_version_id,
                unit_id=ba_dinh.id,
                channel=Channel.PAPER,
                submitted_at=utcnow() - timedelta(days=2),
                received_at=utcnow() - timedelta(days=2),  # shown a day later, once 5 others came (test_comment_delay)
                answers={"comment": answer},
                scores=pack_scores(release.questionnaire_version.numeric_items, {}),
            )
        )
    for _ in range(5):
        session.add(Response(uuid=uuid.uuid4(), round_id=release.round_id, unit_id=ba_dinh.id, channel=Channel.PAPER,
                             questionnaire_version_id=release.questionnaire_version_id, submitted_at=utcnow(),
                             answers={}, scores=pack_scores(release.questionnaire_version.numeric_items, {})))
    session.commit()
    client = _client(staff_app, "quanly.badinh")
    page = client.get("/staff/dashboard/00004/comments?q=chờ rất lâu")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "&lt;script&gt;alert(" in html and "<script>alert" not in html
    assert "Nhân viên rất nhiệt tình" not in html  # filtered out by the search
    assert str(marker) not in html
    everything = client.get("/staff/dashboard/00004/comments").get_data(as_text=True)
    assert "Nhân viên rất nhiệt tình" in everything
    other = _client(staff_app, "quanly.tuyenquang")
    assert other.get("/staff/dashboard/00004/comments").status_code == 404


def test_counter_ratings_today_heat_map_and_unhappy_alert(staff_app, session):
    ba_dinh = _unit(session, "00004")
    device = session.scalar(select(Device).where(Device.unit_id == ba_dinh.id))
    counter_round = session.scalar(select(SurveyRound).where(SurveyRound.code.like("counter-%")))
    from survey.domain.responses import build_response

    now = utcnow()
    for minutes, rating in ((2, 1), (4, 2), (6, 1), (9, 5)):
        session.add(
            build_response(
                survey_round=counter_round, unit=ba_dinh, channel=Channel.COUNTER, answers={"rating": rating},
                response_uuid=uuid.uuid4(), device=device, submitted_at=now - timedelta(minutes=minutes),
            )
        )
    session.commit()
    client = _client(staff_app, "quanly.hanoi")
    page = client.get("/staff/counters/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    alert = re.search(r'<p class="alert">([^<]*)</p>', html)
    assert alert and "Phường Ba Đình · Quầy 1: 3 trên 4" in alert.group(1)
    assert re.search(r'<svg[^>]*id="heat"[^>]*role="img"', html)
    assert html.count('class="cell"') == 7 * len(range(7, 18)) or html.count('class="cell"') >= 7 * 11
    assert "Hôm nay" in html and "Tuần này" in html
    for foreign in ("Tuyên Quang", "Hải Châu", "Hà Giang"):
        assert foreign not in html
    other = _client(staff_app, "quanly.tuyenquang")
    other_html = other.get("/staff/counters/").get_data(as_text=True)
    assert "Phường Ba Đình" not in other_html and 'class="alert"' not in other_html
    assert other.get("/staff/counters/00004").status_code == 404


def test_dashboard_in_english(staff_app):
    client = _client(staff_app, "quanly.hanoi")
    html = client.get("/staff/dashboard/01?lang=en").get_data(as_text=True)
    assert "Overall satisfaction index" in html and "League table of sub-units" in html
    assert "Access to the service" in html  # group labels from the questionnaire in English


def test_statistician_computes_follows_progress_reviews_and_publishes(staff_app, session):
    from survey.models import AuditEntry, Job, JobStatus
    from survey.serving.queue import wait_for_job

    survey_round = session.scalar(
        select(SurveyRound).where(SurveyRound.code.like("sipas-2%")).order_by(SurveyRound.ends_on.desc())
    )
    before = _current(session)
    client = _client(staff_app, "thongke")
    assert "Bắt đầu tính toán" in client.get("/staff/releases").get_data(as_text=True)
    started = client.post("/staff/releases/compute", data={"round_id": survey_round.id, "title": "Bản sửa lỗi"})
    assert started.status_code == 302
    job_id = int(re.search(r"/staff/jobs/(\d+)$", started.headers["Location"]).group(1))
    progress_page = client.get(f"/staff/jobs/{job_id}").get_data(as_text=True)
    assert '<progress id="job-progress"' in progress_page and "js/progress.js" in progress_page
    assert wait_for_job(job_id, timeout=120)
    state = client.get(f"/staff/jobs/{job_id}.json").json
    assert state["status"] == "done" and state["progress"] == 1.0 and state["done"] is True
    session.expire_all()
    job = session.get(Job, job_id)
    assert job.status == JobStatus.DONE and job.user.login == "thongke" if hasattr(job, "user") else True
    release = session.get(Release, job.result["release_id"])
    assert release.status == ReleaseStatus.DRAFT and release.title == "Bản sửa lỗi"
    assert state["result_url"] == f"/staff/releases/{release.id}"
    # managers do not see the draft; the statistician reviews it
    manager = _client(staff_app, "quanly.hanoi")
    assert manager.get(f"/staff/dashboard/01?release={release.id}").status_code == 404
    review = client.get(state["result_url"]).get_data(as_text=True)
    assert "Bản nháp – chưa công bố" in review and 'id="publish"' in review
    assert manager.get(state["result_url"]).status_code == 403
    assert client.post(f"/staff/releases/{release.id}/publish").status_code == 302
    session.expire_all()
    assert session.get(Release, release.id).status == ReleaseStatus.PUBLISHED
    again = client.post(f"/staff/releases/{release.id}/publish", follow_redirects=True)
    assert "đã được công bố" in again.get_data(as_text=True)
    actions = set(session.scalars(select(AuditEntry.action)))
    assert {"release.compute_started", "release.compute", "release.publish"} <= actions
    # the new release is what the manager now sees; the older one is listed
    page = manager.get("/staff/dashboard/01").get_data(as_text=True)
    assert "Bản sửa lỗi" in page and f"release={before.id}" in page


def test_exports_are_scoped_and_audited(staff_app, session):
    from survey.models import AuditEntry

    release = _current(session)
    manager = _client(staff_app, "quanly.tuyenquang")
    csv = manager.get(f"/staff/releases/{release.id}/export.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    text_body = csv.get_data(as_text=True)
    assert "Tỉnh Tuyên Quang" in text_body and "Phường Ba Đình" not in text_body and "Hà Nội" not in text_body
    assert manager.get(f"/staff/releases/{release.id}/export.csv?unit=00004").status_code == 404
    report = manager.get(f"/staff/releases/{release.id}/export.html")
    assert report.status_code == 200 and "Tuyên Quang" in report.get_data(as_text=True)
    assert "Hà Nội" not in report.get_data(as_text=True)
    statistician = _client(staff_app, "thongke")
    full = statistician.get(f"/staff/releases/{release.id}/export.xlsx")
    assert full.status_code == 200 and full.data[:2] == b"PK"
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "release.export").order_by(AuditEntry.id.desc())).first()
    assert entry.details["format"] == "xlsx" and entry.user.login == "thongke"


def test_a_not_estimable_unit_is_said_so_on_the_dashboard_and_release_page(staff_app, session):
    draft = _draft(session, 5, "Bản thử df")
    row = _row(session, draft, _unit(session, "01"))
    row.se, row.df, row.flag, row.rank_low, row.rank_high = 0.0, 1.0, "not_estimable", None, None
    session.commit()
    statistician = _client(staff_app, "thongke")
    page = statistician.get(f"/staff/dashboard/01?release={draft.id}").get_data(as_text=True)
    assert "Ước lượng của đơn vị này không tin cậy" in page
    assert "thứ hạng trong khoảng" not in page
    release_page = statistician.get(f"/staff/releases/{draft.id}").get_data(as_text=True)
    assert "Không ước lượng được / không tin cậy" in release_page
    session.delete(draft)
    session.commit()
