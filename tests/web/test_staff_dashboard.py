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
    assert len(statements) <= 24, statements
    # The only answers read are the live counter ratings with reasons (the "reasons" card), never
    # the survey round's answers: that read is restricted to the versions asking reasons.
    reads = [s for s in statements if "FROM responses" in s]
    assert len(reads) <= 1 and all("responses.questionnaire_version_id IN" in s for s in reads), reads


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
    assert "Hài lòng hôm nay" in html and "Hài lòng tuần này" in html
    assert "http-equiv=\"refresh\"" not in html and "js/counters.js" in html and ">Tải lại</a>" in html
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


def _svg(html: str, chart_id: str):
    import xml.etree.ElementTree as ET

    start = html.index(f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}"')
    return ET.fromstring(html[start: html.index("</svg>", start) + 6])


SVG_NS = "{http://www.w3.org/2000/svg}"


def test_forest_plot_draws_the_interval_of_the_holm_decision(staff_app, session):
    """Where the thick bar leaves the reference line out, the unit is flagged above/below; and only there."""
    hanoi = _unit(session, "01")
    release_id = session.scalar(  # a published release in which Hà Nội's sub-units were compared with it
        select(ReleaseIndex.release_id)
        .join(Unit, Unit.id == ReleaseIndex.unit_id)
        .join(Release, Release.id == ReleaseIndex.release_id)
        .where(Unit.parent_id == hanoi.id, ReleaseIndex.reference_p_adjusted.is_not(None),
               Release.status == ReleaseStatus.PUBLISHED, ReleaseIndex.level == "overall")
        .group_by(ReleaseIndex.release_id)
        .order_by(func.count().desc())
        .limit(1)
    )
    html = _client(staff_app, "quanly.hanoi").get(f"/staff/dashboard/01?release={release_id}").get_data(as_text=True)
    forest = _svg(html, "forest")
    reference = next(line for line in forest.iter(f"{SVG_NS}line") if line.get("class") == "reference")
    x_ref = float(reference.get("x1"))
    checked = 0
    for row in (g for g in forest.iter(f"{SVG_NS}g") if g.get("class") == "row"):
        decision = next((line for line in row.iter(f"{SVG_NS}line") if line.get("class") == "decision"), None)
        if decision is None:
            continue
        x1, x2 = float(decision.get("x1")), float(decision.get("x2"))
        leaves_out = not (x1 <= x_ref <= x2)
        assert leaves_out == (row.get("data-flag") in ("above", "below")), row.get("data-flag")
        assert any(line.get("class") == "ci" for line in row.iter(f"{SVG_NS}line"))  # both drawn
        checked += 1
    assert checked >= 3
    assert "Khoảng dùng để kết luận cao hơn/thấp hơn (đã hiệu chỉnh Holm)" in html and "KTC 95 % của đơn vị" in html


def test_province_cards_and_trend_show_the_nation(staff_app, session):
    release = _current(session)
    national = session.scalar(select(ReleaseIndex).where(
        ReleaseIndex.release_id == release.id, ReleaseIndex.unit_id.is_(None), ReleaseIndex.level == "overall"))
    html = _client(staff_app, "quanly.hanoi").get("/staff/dashboard/01").get_data(as_text=True)
    assert "Cả nước: " + _vi_pct(national.estimate) in html[html.index('id="kpi-overall"'):][:900]
    trend = _svg(html, "trend")
    series = [g for g in trend.iter(f"{SVG_NS}g") if g.get("class") == "reference-series"]
    assert len(series) == 1 and "Cả nước" in "".join(series[0].itertext())


def test_a_merged_province_trend_point_has_its_lineage_and_interval(staff_app, session):
    import numpy as np

    from survey.domain.synthetic_releases import synthetic_release

    published = next(r for r in session.scalars(select(Release).where(Release.status == ReleaseStatus.PUBLISHED))
                     if (r.parameters.get("previous") or {}).get("merged_territories"))
    merged = published.parameters["previous"]["merged_territories"]
    tuyen_quang = _unit(session, "08")
    assert str(tuyen_quang.id) in merged  # Hà Giang merged into Tuyên Quang in 2025
    former = sorted(session.get(Unit, uid).name for uid in merged[str(tuyen_quang.id)])
    client = _client(staff_app, "quanly.tuyenquang")
    # the published demo release carries no previous estimate for the merged province: said so
    html = client.get(f"/staff/dashboard/08?release={published.id}").get_data(as_text=True)
    assert "đơn vị gồm " + ", ".join(former) + " (sáp nhập)" in html and "không so sánh được" in html
    # a release that has it: the earlier point, re-estimated on today's territory, with its interval
    units = list(session.scalars(select(Unit).where(Unit.valid_to.is_(None))))
    number = session.scalar(select(func.max(Release.number)).where(Release.round_id == published.round_id)) + 1
    draft = synthetic_release(session, published.round, units, np.random.default_rng(8), number=number,
                              published=False, title="Bản thử sáp nhập")
    draft.parameters = {**draft.parameters, "previous": published.parameters["previous"]}
    draft.previous_release_id = published.previous_release_id
    row = _row(session, draft, tuyen_quang)
    row.estimate, row.se, row.previous_estimate, row.change, row.change_se = 84.0, 2.0, 80.0, 4.0, 2.5
    session.commit()
    try:
        html = _client(staff_app, "thongke").get(f"/staff/dashboard/08?release={draft.id}").get_data(as_text=True)
        assert "ước lượng lại trên địa bàn hiện nay, gồm " + ", ".join(former) in html
        trend = _svg(html, "trend")
        first = next(g for g in trend.iter(f"{SVG_NS}g") if g.get("class") == "point")
        assert "SIPAS 2024*" in "".join(first.itertext())
        tooltip = first.find(f"{SVG_NS}title").text
        # Var(previous) = 2.5² − 2² = 1.5²; 95 %: 80 ± 1.96 × 1.5 = 77.06 – 82.94
        assert "80,0 % (77,1 % – 82,9 %)" in tooltip and "Tỉnh Hà Giang" in tooltip
        assert any(line.get("class") == "ci" for line in first.iter(f"{SVG_NS}line"))
    finally:
        session.delete(draft)
        session.commit()


def test_a_not_estimable_unit_is_drawn_without_an_interval(staff_app, session):
    draft = _draft(session, 6, "Bản thử không ước lượng được")
    row = _row(session, draft, _unit(session, "01"))
    row.se, row.df, row.flag, row.rank_low, row.rank_high = 0.0, 1.0, "not_estimable", None, None
    session.commit()
    try:
        html = _client(staff_app, "thongke").get(f"/staff/dashboard/?release={draft.id}").get_data(as_text=True)
        forest = _svg(html, "forest")
        rows = [g for g in forest.iter(f"{SVG_NS}g") if g.get("data-flag") == "not_estimable"]
        assert len(rows) == 1 and "Hà Nội" in "".join(rows[0].itertext())
        assert [c.get("class") for c in rows[0].iter(f"{SVG_NS}circle")] == ["not-estimable"]
        assert not list(rows[0].iter(f"{SVG_NS}line"))  # no CI, no decision bar
        assert "⚠" in "".join(rows[0].itertext())
        page = _client(staff_app, "thongke").get(f"/staff/dashboard/01?release={draft.id}").get_data(as_text=True)
        assert "Không tin cậy: không có khoảng tin cậy" in page
    finally:
        session.delete(draft)
        session.commit()


def test_no_raw_flag_codes_and_no_empty_sections(staff_app):
    html = _client(staff_app, "quanly.hanoi").get("/staff/dashboard/01?lang=en").get_data(as_text=True)
    # a flag is a phrase in the page's language, never the stored code as a cell's or a line's text
    assert not re.search(r">\s*(above|below|none|not_estimable)\s*<", html)
    assert "not_estimable" not in re.sub(r"<[^>]+>", " ", html)
    assert not re.search(r"<h2[^>]*>[^<]*</h2>\s*</(div|section)>", html)  # a heading with nothing under it
