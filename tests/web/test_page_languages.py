"""Every HTML page of the app (app.url_map, demo data) is Vietnamese by default and English with ?lang=en."""

from __future__ import annotations

import html
from pathlib import Path

from babel.messages.pofile import read_po

from tests.web.test_access_matrix import ONLY, _is_public, _login, _routes

CATALOGUE = Path(__file__).resolve().parents[2] / "survey" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def _interface_texts() -> dict[str, str]:
    """Vietnamese interface text -> its English, for whole phrases without placeholders."""
    with CATALOGUE.open("rb") as po:
        catalogue = read_po(po)
    return {
        message.id: message.string
        for message in catalogue
        if isinstance(message.id, str) and message.string and message.id != message.string
        and len(message.id) >= 6 and not message.id.isascii() and not any(c in message.id for c in "%{<")
    }


def _role_for(endpoint: str) -> str:
    if _is_public(endpoint):
        return "anonymous"
    entitled = ONLY.get(endpoint, {"admin"})
    return next(role for role in ("admin", "statistician", "manager_in") if role in entitled)


def _page(client, url: str, lang: str | None = None):
    response = client.get(url + (("&" if "?" in url else "?") + f"lang={lang}" if lang else ""))
    if response.status_code != 200 or response.mimetype != "text/html":
        return None
    return html.unescape(response.get_data(as_text=True))


def test_every_html_page_is_vietnamese_by_default_and_english_on_request(staff_app):
    texts = _interface_texts()
    assert len(texts) > 200
    urls = (Path(staff_app.instance_path) / "demo-urls.txt").read_text(encoding="utf-8").split()
    kiosk = next(url.replace("{base}", "") for url in urls if "/k/" in url)  # a tablet of the demo
    checked, problems = [], []
    for endpoint, method, url in _routes(staff_app):
        if method != "GET" or endpoint in ("staff.logout", "static"):
            continue
        url = url.replace("/k/not-a-token", kiosk)
        role = _role_for(endpoint)
        vietnamese = _page(_login(staff_app, role), url)
        if vietnamese is None:
            continue  # a redirect, JSON, CSV, an image ...
        english = _page(_login(staff_app, role), url, "en")
        shown = [vi for vi in texts if vi in vietnamese]
        if '<html lang="vi">' not in vietnamese or not shown:
            problems.append(f"{url} ({role}): not Vietnamese by default")
        elif english is None or '<html lang="en">' not in english:
            problems.append(f"{url} ({role}): no English page with ?lang=en")
        elif not any(texts[vi] in english and vi not in english for vi in shown):
            problems.append(f"{url} ({role}): ?lang=en shows no English interface text")
        checked.append(endpoint)
    assert problems == []
    assert len(checked) >= 15, checked  # kiosk, online, staff and admin pages were all reached
    assert {e.split(".")[0] for e in checked} >= {"kiosk", "online", "staff", "admin"}
