"""The counter tablet in Chromium: a full rating, idle reset, offline queue, language."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from survey.models import Channel, Device, Response
from tests.browser.axe_rules import assert_wcag_aa

pytestmark = pytest.mark.browser


def _stored(live_server, since_id: int) -> list[dict]:
    from sqlalchemy import select

    def rows(session):
        found = session.scalars(
            select(Response).where(Response.id > since_id, Response.channel == Channel.COUNTER).order_by(Response.id)
        ).all()
        return [{"uuid": str(r.uuid), "answers": r.answers, "device": r.device.counter_label, "unit": r.unit.name} for r in found]

    return live_server.query(rows)


def _last_id(live_server) -> int:
    from sqlalchemy import func, select

    return live_server.query(lambda s: s.scalar(select(func.max(Response.id))) or 0)


def test_kiosk_full_flow_stores_one_response_and_returns_to_the_start(kiosk_url, page, live_server, screenshot, axe_check):
    since = _last_id(live_server)
    sent = []
    page.on("request", lambda request: sent.append(request)
            if request.method == "POST" and request.url.endswith("/api/v1/responses") else None)
    page.clock.install()
    page.goto(kiosk_url)
    expect(page.get_by_role("heading", name="Đánh giá nhanh tại quầy")).to_be_visible()
    expect(page.locator("header .brand")).to_contain_text("Phường Ba Đình · Quầy thử")
    screenshot(page, "kiosk-start")
    axe_check(page, "the kiosk start screen")
    page.get_by_text("Không hài lòng", exact=True).click()
    expect(page.get_by_text("Điều gì khiến Ông/Bà chưa hài lòng?")).to_be_visible()
    page.get_by_text("Phải chờ quá lâu").click()
    page.get_by_text("Hướng dẫn chưa rõ ràng, khó hiểu").click()
    screenshot(page, "kiosk-problems")
    axe_check(page, "the kiosk's multiple-choice screen")
    page.get_by_role("button", name="Tiếp tục").click()
    page.get_by_role("textbox").fill("Cần thêm ghế chờ")
    page.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.get_by_text("Cảm ơn Ông/Bà đã đánh giá!")).to_be_visible()
    screenshot(page, "kiosk-thanks")
    stored = _wait_stored(page, live_server, since, 1)
    expect(page.locator("#kiosk-pending")).to_be_hidden()  # acknowledged by the server
    assert [r["answers"] for r in stored] == [
        {"rating": 2, "problems": ["waiting", "guidance"], "comment": "Cần thêm ghế chờ"}
    ]
    assert stored[0]["device"].startswith("Quầy thử") and stored[0]["unit"] == "Phường Ba Đình"
    # Sent without cookies, in the kiosk's language: a plain request for the server's fast path.
    headers = sent[0].all_headers()
    assert "cookie" not in headers and headers["accept-language"] == "vi"
    page.clock.run_for(7_000)
    expect(page.get_by_text("Mức độ hài lòng của Ông/Bà", exact=False)).to_be_visible()
    # Nothing of the previous respondent is left on the screen.
    assert page.locator("input:checked").count() == 0
    assert page.get_by_role("button", name="Quay lại").count() == 0
    assert page.locator("#kiosk-fallback").count() == 0


def test_kiosk_device_contact_is_recorded(kiosk_url, page, live_server):
    from sqlalchemy import select

    from survey.models import hash_token

    token_hash = hash_token(kiosk_url.rsplit("/", 1)[1])

    def seen(session):
        return session.scalar(select(Device.last_seen_at).where(Device.token_hash == token_hash))

    assert live_server.query(seen) is None  # registered, never seen
    page.goto(kiosk_url)
    expect(page.get_by_role("heading", name="Đánh giá nhanh tại quầy")).to_be_visible()
    assert live_server.query(seen) is not None


# ---------------------------------------------------------------- helpers


def _rate(page, code: int):
    page.locator(f"#kiosk-app label[data-code='{code}']").click()


def _outbox_uuids(page) -> list[str]:
    return page.evaluate(
        """() => new Promise((resolve, reject) => {
            const open = indexedDB.open("sipas-kiosk", 1);
            open.onsuccess = () => {
                const request = open.result.transaction("outbox").objectStore("outbox").getAllKeys();
                request.onsuccess = () => resolve(request.result);
                request.onerror = () => reject(request.error);
            };
            open.onerror = () => reject(open.error);
        })"""
    )


def _count_uuid(live_server, uuid: str) -> int:
    import uuid as uuid_module

    from sqlalchemy import func, select

    return live_server.query(
        lambda s: s.scalar(select(func.count()).select_from(Response).where(Response.uuid == uuid_module.UUID(uuid)))
    )


def _continue_after_problems(page):
    expect(page.get_by_text("Điều gì khiến Ông/Bà chưa hài lòng?")).to_be_visible()
    page.get_by_role("button", name="Tiếp tục").click()


def _wait_for(page, condition, seconds: float = 10):
    """Wait for a condition on the test's side (Playwright handles routes while it waits)."""
    for _ in range(int(seconds * 20)):
        if condition():
            return
        page.wait_for_timeout(50)
    raise AssertionError("timed out")


def _wait_stored(page, live_server, since: int, n: int) -> list[dict]:
    """The responses stored since ``since`` once there are ``n`` of them (the tablet sends in the background)."""
    _wait_for(page, lambda: len(_stored(live_server, since)) >= n)
    return _stored(live_server, since)


def _start_screen(page):
    expect(page.locator("#kiosk-app label[data-code='5']")).to_be_visible()


# ---------------------------------------------------------------- idle reset


def test_idle_countdown_keeps_a_partial_answer_that_has_the_main_rating(kiosk_url, page, live_server, axe_check):
    since = _last_id(live_server)
    page.clock.install()
    page.goto(kiosk_url)
    _rate(page, 4)  # no problems question for a good rating: the comment comes next
    expect(page.get_by_text("Ông/Bà có muốn góp ý thêm không?", exact=False)).to_be_visible()
    page.get_by_role("textbox").fill("đang gõ dở")
    page.clock.pause_at(datetime.fromtimestamp(page.evaluate("Date.now()") / 1000 + 0.5, UTC))  # time now moves only when told
    page.clock.run_for(39_000)
    expect(page.locator("#k-countdown")).to_be_hidden()
    page.clock.run_for(1_500)  # 40.5 s idle: the last 20 s (WCAG 2.2.1) are counted down on screen
    countdown = page.locator("#k-countdown")
    expect(countdown).to_be_visible()
    expect(countdown).to_contain_text(re.compile(r"Màn hình sẽ trở về đầu sau (20|19) giây"))
    # The focus is on the way out of the countdown, and no live region repeats every second.
    expect(page.get_by_role("button", name="Tôi vẫn đang trả lời")).to_be_focused()
    assert page.locator("#k-countdown [aria-live], #k-countdown[aria-live]").count() == 0
    assert page.get_by_role("alertdialog").count() == 1
    page.clock.run_for(4_000)
    expect(countdown).to_contain_text(re.compile(r"sau (16|15) giây"))
    page.clock.resume()  # axe-core needs running timers
    axe_check(page, "the idle countdown")
    assert_wcag_aa(page, "the idle countdown")
    page.clock.run_for(17_000)
    _start_screen(page)
    expect(page.get_by_role("textbox")).to_have_count(0)
    stored = _wait_stored(page, live_server, since, 1)
    expect(page.locator("#kiosk-pending")).to_be_hidden()
    # The comment was still being typed, so only what was given counts: the rating and the text so far.
    assert [r["answers"] for r in stored] == [{"rating": 4, "comment": "đang gõ dở"}]


def test_touching_the_screen_stops_the_countdown(kiosk_url, page, live_server):
    page.clock.install()
    page.goto(kiosk_url)
    _rate(page, 1)
    page.clock.run_for(45_000)
    expect(page.locator("#k-countdown")).to_be_visible()
    page.get_by_role("button", name="Tôi vẫn đang trả lời").click()
    expect(page.locator("#k-countdown")).to_be_hidden()
    page.clock.run_for(15_000)
    expect(page.get_by_text("Điều gì khiến Ông/Bà chưa hài lòng?")).to_be_visible()


def test_idle_reset_discards_an_answer_without_the_main_rating(kiosk_url, page, live_server):
    since = _last_id(live_server)
    page.clock.install()
    page.goto(kiosk_url)
    page.locator("nav.lang").get_by_text("English").click()
    expect(page.get_by_role("heading", name="Quick counter rating")).to_be_visible()
    page.clock.run_for(61_000)
    expect(page.get_by_role("heading", name="Đánh giá nhanh tại quầy")).to_be_visible()
    page.wait_for_timeout(500)  # time enough for a wrongly kept answer to arrive
    assert _outbox_uuids(page) == [] and _stored(live_server, since) == []


def test_keep_partial_can_be_switched_off(kiosk_url, page, live_server):
    since = _last_id(live_server)
    live_server.app.config["KIOSK_KEEP_PARTIAL_WITH_MAIN_RATING"] = False
    try:
        page.clock.install()
        page.goto(kiosk_url)
        _rate(page, 2)
        expect(page.get_by_text("Điều gì khiến Ông/Bà chưa hài lòng?")).to_be_visible()
        page.clock.run_for(61_000)
        _start_screen(page)
    finally:
        live_server.app.config["KIOSK_KEEP_PARTIAL_WITH_MAIN_RATING"] = True
    page.wait_for_timeout(500)  # time enough for a wrongly kept answer to arrive
    assert _outbox_uuids(page) == [] and _stored(live_server, since) == []


# ---------------------------------------------------------------- offline


def test_offline_answers_wait_on_the_tablet_and_are_sent_exactly_once(kiosk_url, context, live_server, screenshot):
    since = _last_id(live_server)
    page = context.new_page()
    page.clock.install()
    page.goto(kiosk_url)
    assert page.evaluate("navigator.serviceWorker.ready.then(r => !!r.active)")
    # The worker claims the page on activation (sw.js: clients.claim()); offline reloads need it.
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    context.set_offline(True)
    for rating in (5, 3):
        _rate(page, rating)
        if rating == 3:
            _continue_after_problems(page)
        page.get_by_role("button", name="Gửi đánh giá").click()
        expect(page.get_by_text("Cảm ơn Ông/Bà đã đánh giá!")).to_be_visible()
        page.clock.run_for(7_000)
        _start_screen(page)
    pending = page.locator("#kiosk-pending")
    expect(pending).to_have_text("Chờ gửi: 2")
    screenshot(page, "kiosk-offline-pending")
    queued = _outbox_uuids(page)
    assert len(queued) == 2 and _stored(live_server, since) == []
    # Still offline, the tablet restarts: the service worker brings the kiosk back, queue intact.
    page.reload()
    _start_screen(page)
    expect(pending).to_have_text("Chờ gửi: 2")
    context.set_offline(False)
    expect(pending).to_be_hidden()
    assert _outbox_uuids(page) == []
    stored = _stored(live_server, since)
    assert sorted(r["uuid"] for r in stored) == sorted(queued)
    assert [r["answers"]["rating"] for r in stored] == [5, 3]
    assert all(_count_uuid(live_server, uuid) == 1 for uuid in queued)


def test_a_lost_acknowledgement_is_replayed_without_a_duplicate(kiosk_url, browser, live_server):
    since = _last_id(live_server)
    context = browser.new_context(base_url=live_server.url, service_workers="block")
    page = context.new_page()
    seen = []

    def lose_first_answer(route):
        if not seen:
            stored = route.fetch()  # the server stores it...
            seen.append(stored.status)
            route.abort("connectionreset")  # ...but the tablet never hears back
        else:
            seen.append("retry")
            route.continue_()

    try:
        page.route("**/api/v1/responses", lose_first_answer)
        page.clock.install()
        page.goto(kiosk_url)
        _rate(page, 5)
        page.get_by_role("button", name="Gửi đánh giá").click()
        expect(page.locator("#kiosk-pending")).to_have_text("Chờ gửi: 1")
        _wait_for(page, lambda: seen)
        [uuid] = _outbox_uuids(page)
        assert _count_uuid(live_server, uuid) == 1  # stored, yet still queued on the tablet
        page.clock.run_for(3_000)  # first back-off: at most 2.5 s
        expect(page.locator("#kiosk-pending")).to_be_hidden()
        assert seen == [201, "retry"]
        assert _count_uuid(live_server, uuid) == 1
        assert len(_stored(live_server, since)) == 1
    finally:
        context.close()


def test_server_errors_are_retried_with_back_off_and_refusals_dropped(kiosk_url, browser, live_server):
    since = _last_id(live_server)
    context = browser.new_context(base_url=live_server.url, service_workers="block")
    page = context.new_page()
    warnings: list[str] = []
    page.on("console", lambda msg: warnings.append(msg.text) if msg.type == "warning" else None)
    answers = {"status": [503, 429]}

    def flaky(route):
        if answers["status"]:
            route.fulfill(status=answers["status"].pop(0), body="{}", content_type="application/json")
        else:
            route.continue_()

    try:
        page.route("**/api/v1/responses", flaky)
        page.clock.install()
        page.goto(kiosk_url)
        _rate(page, 4)
        page.get_by_role("button", name="Gửi đánh giá").click()
        expect(page.locator("#kiosk-pending")).to_have_text("Chờ gửi: 1")
        page.clock.run_for(3_000)  # 503, then after ~2 s: 429
        expect(page.locator("#kiosk-pending")).to_have_text("Chờ gửi: 1")
        page.clock.run_for(6_000)  # after ~4 s: accepted
        expect(page.locator("#kiosk-pending")).to_be_hidden()
        assert len(_stored(live_server, since)) == 1
        # A refusal (4xx) cannot be cured by sending again: dropped, with a note in the console.
        page.unroute("**/api/v1/responses")
        page.route("**/api/v1/responses", lambda route: route.fulfill(
            status=422, body='{"errors": [{"field": "answers.rating", "code": "required"}]}',
            content_type="application/json"))
        page.clock.run_for(7_000)
        _rate(page, 3)
        _continue_after_problems(page)
        page.get_by_role("button", name="Gửi đánh giá").click()
        expect(page.get_by_text("Cảm ơn Ông/Bà đã đánh giá!")).to_be_visible()
        _wait_for(page, lambda: any("refused" in w and "422" in w for w in warnings))
        expect(page.locator("#kiosk-pending")).to_be_hidden()
        assert _outbox_uuids(page) == []
        assert len(_stored(live_server, since)) == 1
    finally:
        context.close()


# ---------------------------------------------------------------- language, keyboard, no JavaScript


def test_kiosk_language_switch_lasts_for_one_respondent(kiosk_url, page, live_server, axe_check):
    since = _last_id(live_server)
    page.clock.install()
    page.goto(kiosk_url)
    page.locator("nav.lang").get_by_text("English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_text("How satisfied are you", exact=False)).to_be_visible()
    _rate(page, 2)
    expect(page.get_by_text("What was not good enough?", exact=False)).to_be_visible()
    page.get_by_text("I waited too long").click()
    axe_check(page, "the kiosk in English")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Send rating").click()
    expect(page.get_by_text("Thank you for your rating!")).to_be_visible()
    page.clock.run_for(7_000)
    expect(page.get_by_role("heading", name="Đánh giá nhanh tại quầy")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    assert [r["answers"] for r in _wait_stored(page, live_server, since, 1)] == [{"rating": 2, "problems": ["waiting"]}]


def test_a_language_chosen_before_the_kiosk_started_is_kept_for_that_respondent(kiosk_url, page, live_server):
    """A tap on English while the kiosk still loads follows the link (?lang=en): the kiosk starts in English."""
    page.clock.install()
    page.goto(kiosk_url + "?lang=en")
    expect(page.get_by_role("heading", name="Quick counter rating")).to_be_visible()
    expect(page.locator("nav.lang [data-lang=en]")).to_have_attribute("aria-current", "true")
    _rate(page, 5)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Send rating").click()
    expect(page.get_by_text("Thank you for your rating!")).to_be_visible()
    page.clock.run_for(7_000)
    expect(page.get_by_role("heading", name="Đánh giá nhanh tại quầy")).to_be_visible()


def test_kiosk_can_be_answered_with_the_keyboard_only(kiosk_url, page, live_server):
    since = _last_id(live_server)
    page.goto(kiosk_url)
    _start_screen(page)
    for _ in range(10):  # Tab past the language links to the faces
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "radio":
            break
    page.keyboard.press("Space")  # the first face: very dissatisfied
    page.keyboard.press("ArrowRight")  # the second: dissatisfied
    page.keyboard.press("Enter")
    expect(page.get_by_text("Điều gì khiến Ông/Bà chưa hài lòng?")).to_be_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # the first problem: waiting
    page.keyboard.press("Enter")
    expect(page.get_by_role("textbox")).to_be_visible()
    page.keyboard.press("Tab")
    page.keyboard.type("Nhanh hơn")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # past "Back" to "Send"
    assert page.evaluate("document.activeElement.textContent") == "Gửi đánh giá"
    page.keyboard.press("Enter")
    expect(page.get_by_text("Cảm ơn Ông/Bà đã đánh giá!")).to_be_visible()
    assert [r["answers"] for r in _wait_stored(page, live_server, since, 1)] == [
        {"rating": 2, "problems": ["waiting"], "comment": "Nhanh hơn"}]
    expect(page.locator("#kiosk-pending")).to_be_hidden()


def test_kiosk_without_javascript_keeps_the_plain_form(kiosk_url, browser, live_server, screenshot):
    since = _last_id(live_server)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(kiosk_url)
        page.get_by_text("Rất hài lòng", exact=True).click()
        screenshot(page, "kiosk-no-js")
        page.get_by_role("button", name="Gửi đánh giá").click()
        expect(page.get_by_text("Cảm ơn Ông/Bà đã đánh giá!")).to_be_visible()
    finally:
        context.close()
    assert [r["answers"] for r in _stored(live_server, since)] == [{"rating": 5}]


# ---------------------------------------------------------------- weight


def test_kiosk_page_weighs_under_100_kb(kiosk_url, context, live_server, artifacts):
    page = context.new_page()
    sizes: list[tuple[str, int]] = []

    def record(request):
        s = request.sizes()
        sizes.append((request.url, s["responseBodySize"] + s["responseHeadersSize"]))

    page.on("requestfinished", record)
    page.goto(kiosk_url, wait_until="networkidle")
    _start_screen(page)
    total = sum(size for _, size in sizes)
    (artifacts / "kiosk-weight.txt").write_text(
        "\n".join(f"{size:>8} {url}" for url, size in sizes) + f"\n{total:>8} bytes in total\n", encoding="utf-8"
    )
    assert any(url.endswith("/config.json") for url, _ in sizes)
    assert not [url for url, _ in sizes if not url.startswith(live_server.url)]  # no CDN
    assert total < 100_000, sizes
