"""Role × route matrix over every route of the app (app.url_map, so new routes are covered).

Roles: anonymous, admin, statistician, a manager whose scope holds the unit in
the URL (Hà Nội, for Phường Ba Đình) and one whose scope does not (Tuyên
Quang). Public routes are whitelisted explicitly; every other route must send
anonymous users to the login page (the token API: 401 JSON), must refuse an
out-of-scope manager (403/404) whenever the URL names a unit, and must never
show a manager another unit's names, whatever the route.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

PUBLIC_PREFIXES = ("static", "kiosk.", "online.")
PUBLIC_ENDPOINTS = {
    "home",  # redirects to the staff overview
    "staff.login",
    "api.health",
    "api.openapi_json",
    "api.openapi_yaml",
    "api.submit_response",  # devices and systems: its own validation and rate limits
    # A citizen's dossier rating (Decision 766): the signed link on the slip is the credential.
    "dossier_rating.rate",
    "dossier_rating.thanks",
    "dossier_rating.slip",
    "dossier_rating.qr",
}
TOKEN_API_PREFIX = ("api.", "dossiers.")  # bearer APIs: staff tokens; one-stop-shop systems (Decision 766)
# Arguments that name something belonging to a unit: out-of-scope managers must get 403/404.
SCOPED_ARGUMENTS = {"unit_code", "unit_id", "device_id"}
# Who may use a route at all (others get 403/404); endpoints not listed: every staff role.
ONLY = {
    "admin.units": {"admin"},
    "admin.unit_detail": {"admin"},
    "admin.unit_poster": {"admin"},
    "admin.units_import": {"admin"},
    "admin.unit_change": {"admin"},
    "admin.devices": {"admin"},
    "admin.device_new": {"admin"},
    "admin.device_deactivate": {"admin"},
    "admin.audit_log": {"admin"},
    "admin.staff_list": {"admin"},
    "admin.staff_new": {"admin"},
    "admin.staff_edit": {"admin"},
    "admin.staff_disable": {"admin"},
    "admin.staff_enable": {"admin"},
    "admin.staff_logout_everywhere": {"admin"},
    "admin.staff_reset_password": {"admin"},
    "admin.rounds": {"admin", "statistician"},
    "admin.round_new": {"admin", "statistician"},
    "admin.round_edit": {"admin", "statistician"},
    "admin.round_open": {"admin", "statistician"},
    "admin.round_close": {"admin", "statistician"},
    "staff.questionnaires": {"admin", "statistician"},
    "staff.questionnaire_publish": {"admin", "statistician"},
    "staff.imports": {"admin", "statistician"},
    "staff.import_preview": {"admin", "statistician"},
    "staff.import_batch": {"admin", "statistician"},
    "staff.import_template": {"admin", "statistician"},
    "staff.releases": {"statistician"},
    "staff.release_review": {"statistician"},
    "staff.release_publish": {"statistician"},
    "staff.compute": {"statistician"},
    "staff.release_export": {"statistician", "manager_in", "manager_out"},
}
# They end the caller's own sessions: walked by no test here (tested in test_admin_staff.py).
LOGOUT_ENDPOINTS = {"staff.logout", "staff.logout_everywhere"}
MANAGER_LOGINS = {"manager_in": "quanly.hanoi", "manager_out": "quanly.tuyenquang"}
STAFF_LOGINS = {"admin": "admin", "statistician": "thongke", **MANAGER_LOGINS}
# Names only the other manager's scope may show.
FOREIGN_NAMES = {
    "manager_in": ("Phường Minh Xuân", "Phường Hà Giang 1", "Tỉnh Tuyên Quang", "Phường Hải Châu"),
    "manager_out": ("Phường Ba Đình", "Phường Hoàn Kiếm", "Xã Sóc Sơn", "Thành phố Hà Nội"),
}


def _sample_values(app) -> dict[str, object]:
    """A value for every URL argument: things of Phường Ba Đình (Hà Nội) where a unit matters."""
    from survey.domain.units import find_unit
    from survey.extensions import db
    from survey.models import Device, Job, JobStatus, Release, ReleaseStatus, StaffUser, SurveyRound
    from survey.web.auth import new_api_token

    with app.app_context():
        session = db.session
        ba_dinh = find_unit(session, "00004")
        statistician = session.scalar(select(StaffUser).where(StaffUser.login == "thongke"))
        token, _secret = new_api_token(statistician, "matrix")
        job = Job(kind="compute_release", status=JobStatus.DONE, progress=1.0, user_id=statistician.id)
        session.add(job)
        session.commit()
        values = {
            "unit_code": ba_dinh.code,
            "unit_id": ba_dinh.id,
            "device_id": session.scalar(select(Device.id).where(Device.unit_id == ba_dinh.id)),
            "round_id": session.scalar(select(SurveyRound.id).where(SurveyRound.code.like("sipas-2%")).order_by(SurveyRound.ends_on.desc())),
            "release_id": session.scalar(
                select(Release.id).where(Release.status == ReleaseStatus.PUBLISHED).order_by(Release.id.desc())
            ),
            "job_id": job.id,
            "token_id": token.id,
            "user_id": statistician.id,
            "batch_id": 1,
            "token": "not-a-token",
            "fmt": "csv",
            "kind": "png",
            "change": "rename",
            "filename": "css/sipas.css",
        }
        session.remove()
    return values


def _routes(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every rule and method of the app."""
    from flask import url_for

    values = _sample_values(app)
    routes = []
    with app.test_request_context():
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            missing = set(rule.arguments) - set(values)
            assert not missing, f"{rule.rule}: add a sample value for {sorted(missing)} to the access matrix"
            args = {name: values[name] for name in rule.arguments}
            url = url_for(rule.endpoint, **args)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                routes.append((rule.endpoint, method, url))
    return routes


def _is_public(endpoint: str) -> bool:
    return endpoint in PUBLIC_ENDPOINTS or endpoint.startswith(PUBLIC_PREFIXES)


def _allowed(endpoint: str, role: str) -> bool:
    return role in ONLY.get(endpoint, STAFF_LOGINS)


def _login(app, role: str):
    client = app.test_client()
    if role != "anonymous":
        response = client.post("/staff/login", data={"login": STAFF_LOGINS[role], "password": "sipas-demo"})
        assert response.status_code == 302, role
    return client


def _token_for(app, role: str) -> str:
    from survey.extensions import db
    from survey.models import StaffUser
    from survey.web.auth import new_api_token

    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.login == STAFF_LOGINS[role]))
        _token, secret = new_api_token(user, f"matrix-{role}")
        db.session.commit()
        db.session.remove()
    return secret


def _call(client, method: str, url: str, headers: dict | None = None):
    return client.open(url, method=method, headers=headers or {}, data={} if method == "POST" else None)


def test_every_route_is_public_by_whitelist_or_needs_login(staff_app):
    routes = _routes(staff_app)
    assert len({e for e, _m, _u in routes}) >= 30  # the matrix really walks the whole app
    client = staff_app.test_client()
    checked = 0
    for endpoint, method, url in routes:
        if _is_public(endpoint):
            continue
        response = _call(client, method, url)
        if endpoint.startswith(TOKEN_API_PREFIX):
            assert response.status_code == 401, (method, url, response.status_code)
            assert response.is_json and response.json["errors"][0]["code"] == "unauthorized"
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
        else:
            assert response.status_code == 302, (method, url, response.status_code)
            assert response.headers["Location"].startswith("/staff/login"), (method, url)
        checked += 1
    assert checked >= 25


@pytest.mark.parametrize("role", ["admin", "statistician", "manager_in", "manager_out"])
def test_every_staff_route_respects_role_and_scope(staff_app, role):
    routes = _routes(staff_app)
    client = _login(staff_app, role)
    bearer = {"Authorization": "Bearer " + _token_for(staff_app, role)}
    foreign = FOREIGN_NAMES.get(role, ())
    seen = 0
    for endpoint, method, url in routes:
        if _is_public(endpoint) or endpoint in LOGOUT_ENDPOINTS:
            continue
        if method == "POST" and role in ("admin", "statistician"):
            continue  # state changes by entitled users are tested where they belong
        headers = bearer if endpoint.startswith(TOKEN_API_PREFIX) else None
        response = _call(client, method, url, headers)
        status = response.status_code
        where = f"{role} {method} {url} -> {status}"
        assert status < 500, where
        assert not (status == 302 and response.headers["Location"].startswith("/staff/login")), where
        if not _allowed(endpoint, role):
            assert status in (403, 404), where
        rule_args = set(re.findall(r"<(?:[^:>]+:)?([^>]+)>", _rule_of(staff_app, endpoint)))
        if role == "manager_out" and rule_args & SCOPED_ARGUMENTS:
            assert status in (403, 404), where
        if foreign and response.mimetype in ("text/html", "application/json", "text/csv", "text/plain"):
            body = response.get_data(as_text=True)
            leaked = [name for name in foreign if name in body]
            assert not leaked, f"{where} shows {leaked}"
        seen += 1
    assert seen >= 20


def _rule_of(app, endpoint: str) -> str:
    return next(r.rule for r in app.url_map.iter_rules() if r.endpoint == endpoint)


def test_in_scope_manager_reaches_their_unit_pages(staff_app):
    client = _login(staff_app, "manager_in")
    for url in ("/staff/dashboard/00004", "/staff/dashboard/01", "/staff/counters/00004", "/staff/dashboard/00004/comments"):
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get("/staff/dashboard/01").get_data(as_text=True)
    assert "Phường Ba Đình" in page and "Phường Hoàn Kiếm" in page


def test_out_of_scope_pages_are_404_so_existence_is_not_revealed(staff_app):
    client = _login(staff_app, "manager_out")
    for url in ("/staff/dashboard/00004", "/staff/dashboard/01", "/staff/dashboard/no-such-unit",
                "/staff/counters/00004", "/staff/dashboard/00004/comments"):
        response = client.get(url)
        assert response.status_code == 404, url
    assert client.get("/staff/dashboard/08").status_code == 200  # their own province


def _staff_posts(app) -> list[tuple[str, str]]:
    """(endpoint, url) of every POST route that is not public (the token API included)."""
    return [(endpoint, url) for endpoint, method, url in _routes(app)
            if method == "POST" and not _is_public(endpoint) and endpoint not in LOGOUT_ENDPOINTS]


@pytest.mark.parametrize("role", ["admin", "statistician", "manager_in", "manager_out"])
def test_post_routes_outside_a_roles_rights_are_refused(staff_app, role):
    """Every role, the entitled ones included: a POST it has no right to is refused, never done."""
    client = _login(staff_app, role)
    bearer = {"Authorization": "Bearer " + _token_for(staff_app, role)}
    refused = []
    for endpoint, url in _staff_posts(staff_app):
        scoped = set(re.findall(r"<(?:[^:>]+:)?([^>]+)>", _rule_of(staff_app, endpoint))) & SCOPED_ARGUMENTS
        if _allowed(endpoint, role) and not (role == "manager_out" and scoped):
            continue
        response = _call(client, "POST", url, bearer if endpoint.startswith(TOKEN_API_PREFIX) else None)
        assert response.status_code in (403, 404), f"{role} POST {url} -> {response.status_code}"
        refused.append(endpoint)
    minimum = {"admin": 2, "statistician": 2, "manager_in": 5, "manager_out": 5}[role]
    assert len(refused) >= minimum, refused  # the matrix really holds POSTs outside each role's rights


@pytest.mark.parametrize("role", ["anonymous", "admin", "statistician", "manager_in", "manager_out"])
def test_staff_posts_without_the_csrf_token_are_refused(staff_app, role):
    """With CSRF protection on (as in production), a forged staff POST is refused for every role."""
    client = _login(staff_app, role)  # logged in while the tests' CSRF switch is still off
    posts = [(e, u) for e, u in _staff_posts(staff_app) if not e.startswith(TOKEN_API_PREFIX)]
    posts.append(("staff.login", "/staff/login"))
    staff_app.config["WTF_CSRF_ENABLED"] = True
    try:
        answers = {url: _call(client, "POST", url) for _endpoint, url in posts}
        login = client.post("/staff/login", data={"login": "admin", "password": "sipas-demo"})
    finally:
        staff_app.config["WTF_CSRF_ENABLED"] = False
    # Refused: the CSRF error, the role check or the login page; never done (200, another redirect) nor 500.
    wrong = {url: response.status_code for url, response in answers.items()
             if not (response.status_code in (400, 403, 404) or _to_login(response))}
    assert len(answers) >= 9 and wrong == {}
    assert sum(response.status_code == 400 for response in answers.values()) >= 5  # the CSRF check answers
    assert login.status_code == 400
    if role == "anonymous":
        assert _to_login(client.get("/staff/"))  # the refused login did not log anyone in


def _to_login(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/staff/login")
