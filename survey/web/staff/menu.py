"""The staff menu: each role sees only the pages its role may open, grouped, the current page marked.

Each entry's label is the page's title and heading, so a page has one name. The
roles beside an entry repeat the view's ``role_required``; tests request every
link of every role's menu and compare the menu with tests/web/test_access_matrix.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from survey.web.staff.blueprint import bp

ALL = frozenset({"admin", "statistician", "manager"})
SURVEY_STAFF = frozenset({"admin", "statistician"})


@dataclass(frozen=True)
class MenuEntry:
    endpoint: str
    label: object  # a lazy string: translated when shown
    roles: frozenset[str]
    # Other pages under this entry: the entry is marked current there too.
    also: tuple[str, ...] = ()


MENU: tuple[tuple[object, tuple[MenuEntry, ...]], ...] = (
    (_l("Theo dõi"), (
        MenuEntry("staff.index", _l("Tổng quan"), ALL, ("staff.round_detail",)),
        MenuEntry("staff.my_dashboard", _l("Kết quả"), ALL, ("staff.unit_dashboard", "staff.unit_comments")),
        MenuEntry("staff.counters", _l("Đánh giá tại quầy"), ALL, ("staff.unit_counters",)),
        MenuEntry("staff.decision766", _l("Điểm hài lòng theo Quyết định 766"), ALL, ("staff.unit_decision766",)),
        MenuEntry("admin.invitation_rounds", _l("Tỉ lệ phản hồi thư mời"), ALL, ("admin.invitation_rates",)),
    )),
    (_l("Khảo sát"), (
        MenuEntry("admin.rounds", _l("Đợt khảo sát"), SURVEY_STAFF,
                  ("admin.round_new", "admin.round_edit", "admin.round_open", "admin.round_close")),
        MenuEntry("staff.questionnaires", _l("Bảng hỏi"), SURVEY_STAFF),
        MenuEntry("staff.imports", _l("Nhập phiếu giấy"), SURVEY_STAFF, ("staff.import_preview", "staff.import_batch")),
        MenuEntry("staff.releases", _l("Tính toán và công bố"), frozenset({"statistician"}),
                  ("staff.release_review", "staff.job")),
    )),
    (_l("Quản trị"), (
        MenuEntry("admin.units", _l("Đơn vị hành chính"), frozenset({"admin"}),
                  ("admin.unit_detail", "admin.unit_change", "admin.units_import")),
        MenuEntry("admin.devices", _l("Máy tính bảng tại quầy"), frozenset({"admin"}), ("admin.device_new",)),
        MenuEntry("admin.staff_list", _l("Tài khoản cán bộ"), frozenset({"admin"}),
                  ("admin.staff_new", "admin.staff_edit", "admin.staff_reset_password")),
        MenuEntry("admin.audit_log", _l("Nhật ký hệ thống"), frozenset({"admin"})),
    )),
    (_l("Cá nhân"), (
        MenuEntry("staff.api_tokens", _l("Mã truy cập API"), ALL),
        MenuEntry("staff.account", _l("Tài khoản của tôi"), ALL),
    )),
)


@dataclass(frozen=True)
class MenuLink:
    url: str
    label: str
    current: str | None  # the aria-current value: "page" on the page itself, "true" on a page under it


def menu_for(role: str, endpoint: str | None) -> list[tuple[str, list[MenuLink]]]:
    """The groups of links ``role`` may open, empty groups left out, ``endpoint`` marked current."""
    groups = []
    for title, entries in MENU:
        links = [
            MenuLink(url_for(e.endpoint), str(e.label),
                     "page" if endpoint == e.endpoint else ("true" if endpoint in e.also else None))
            for e in entries if role in e.roles
        ]
        if links:
            groups.append((str(title), links))
    return groups


def current_menu() -> list[tuple[str, list[MenuLink]]]:
    """The menu of the signed-in user on this page (none when nobody is signed in)."""
    if not current_user.is_authenticated:
        return []
    return menu_for(current_user.role.value, request.endpoint)


@bp.app_context_processor
def _staff_menu() -> dict:
    # A function, so pages without the menu (kiosk, online form) never build it.
    return {"staff_menu": current_menu}
