"""Every HTTP error is a page in the user's language, or the JSON error shape under /api/; never a 500 for a number."""

from __future__ import annotations

import pytest
from flask import abort

STATUSES = {
    400: ("Yêu cầu không hợp lệ", "Bad request", "bad_request"),
    403: ("Không có quyền truy cập", "Access denied", "forbidden"),
    404: ("Không tìm thấy trang", "Page not found", "not_found"),
    405: ("Thao tác không được hỗ trợ", "Method not allowed", "method_not_allowed"),
    410: ("Trang không còn nữa", "Gone", "gone"),
    413: ("Dữ liệu gửi lên quá lớn", "Request too large", "too_large"),
    429: ("Quá nhiều yêu cầu", "Too many requests", "rate_limited"),
    500: ("Lỗi máy chủ", "Server error", "internal_error"),
}
HUGE = "99999999999999999999999"


def _failing(app, endpoint: str, status: int) -> None:
    """Make a view answer ``status`` as an error, the way production does (not propagated to the test)."""

    def failing(**kwargs):
        if status == 500:
            raise RuntimeError("disk on fire")
        abort(status)

    app.view_functions[endpoint] = failing
    app.config["PROPAGATE_EXCEPTIONS"] = False


def _page(response) -> str:
    assert response.mimetype == "text/html", response.data[:200]
    return response.get_data(as_text=True)


def _json_error(response, status: int) -> dict:
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    (error,) = response.get_json()["errors"]
    assert set(error) == {"field", "message", "code"} and error["message"]
    return error


@pytest.mark.parametrize("status", sorted(STATUSES))
def test_every_error_page_is_vietnamese_or_english_as_chosen(app, status):
    vietnamese, english, _code = STATUSES[status]
    _failing(app, "home", status)
    client = app.test_client()
    page = client.get("/")
    html = _page(page)
    assert page.status_code == status
    assert '<html lang="vi">' in html and f"<title>{vietnamese} – SIPAS</title>" in html
    page = client.get("/?lang=en")
    html = _page(page)
    assert page.status_code == status
    assert '<html lang="en">' in html and f"<title>{english} – SIPAS</title>" in html
    assert vietnamese not in html
    if status == 500:
        assert f"<code>{page.headers['X-Request-Id']}</code>" in html
    else:
        assert "<code>" not in html  # a request id only where the log has something to match


@pytest.mark.parametrize("status", sorted(STATUSES))
def test_every_api_error_is_the_json_shape_in_the_language_asked(app, status):
    _failing(app, "api.health", status)
    client = app.test_client()
    vietnamese = _json_error(client.get("/api/v1/health"), status)
    english = _json_error(client.get("/api/v1/health", headers={"Accept-Language": "en"}), status)
    assert vietnamese["code"] == english["code"] == STATUSES[status][2]
    assert vietnamese["message"] != english["message"]
    assert english["message"].isascii() and not vietnamese["message"].isascii()


def test_unknown_addresses_and_methods(client):
    page = client.get("/khong-co-trang-nay")
    assert page.status_code == 404 and "Không tìm thấy trang" in _page(page)
    assert "Page not found" in _page(client.get("/khong-co-trang-nay?lang=en"))
    wrong_method = client.post("/")
    assert wrong_method.status_code == 405 and "GET" in wrong_method.headers["Allow"]
    assert "Method not allowed" in _page(wrong_method)  # the session remembers English

    api = client.get("/api/v1/khong-co", headers={"Accept-Language": "vi"})
    assert _json_error(api, 404)["code"] == "not_found"
    english = client.get("/api/nothing-here", headers={"Accept-Language": "en"})
    assert _json_error(english, 404)["message"] == (
        "There is nothing at this address; the link may be wrong or the page may have been removed.")
    for method, path in (("put", "/api/v1/responses"), ("get", "/api/v1/responses"), ("post", "/api/v1/health")):
        refused = getattr(client, method)(path)
        assert _json_error(refused, 405)["code"] == "method_not_allowed"
        assert refused.headers["Allow"]


def test_an_over_long_form_is_a_413_page(client):
    page = client.post("/staff/login", data={"login": "x" * 300_000, "password": "y"})
    assert page.status_code == 413 and "Dữ liệu gửi lên quá lớn" in _page(page)


@pytest.mark.parametrize("path", [
    f"/staff/releases/{HUGE}", f"/staff/releases/{2**63}", f"/staff/jobs/{HUGE}.json", f"/admin/units/{HUGE}",
    f"/staff/rounds/{2**64}", "/staff/releases/" + "9" * 5000,
    f"/staff/releases/{2**31}", f"/admin/units/{2**63 - 1}",  # beyond an INTEGER id on PostgreSQL
])
def test_huge_numbers_in_paths_are_not_found(client, login_as, demo, path):
    login_as("admin")
    page = client.get(path)
    assert page.status_code == 404 and "Không tìm thấy trang" in _page(page)


def test_the_largest_id_is_looked_up_and_not_found(client, login_as, demo):
    login_as("thongke")
    assert client.get(f"/staff/releases/{2**31 - 1}").status_code == 404
    client.post("/staff/logout")
    login_as("admin")
    assert client.get(f"/admin/units/{2**31 - 1}").status_code == 404


def test_huge_numbers_in_api_paths_are_json_404(client):
    response = client.get(f"/api/v1/releases/{HUGE}/indices")
    assert _json_error(response, 404)["code"] == "not_found"


def test_page_numbers_never_fail(client, login_as, demo):
    login_as("admin")
    for page in ("abc", "-3", "0", "", "1.5", "١"):
        assert client.get(f"/admin/audit?page={page}").status_code == 200, page
    for page in (HUGE, str(2**63), "1000001"):
        response = client.get(f"/admin/audit?page={page}")
        assert response.status_code == 400 and "Yêu cầu không hợp lệ" in _page(response)
    assert client.get("/admin/audit?page=1000000").status_code == 200
