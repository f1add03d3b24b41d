"""Stored codes in words: the one mapping from a code (a role, a round's state, a job's status,
a comparison flag, an audit action…) to what staff read, in the language of the request.

Templates use the ``label`` filter: ``{{ user.role|label }}``, ``{{ row.flag|label("flag") }}``;
an audit entry reads as a sentence with :func:`audit_sentence`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from survey.domain.rounds import channel_label, kind_label, status_label
from survey.domain.staff import role_label
from survey.models import JobStatus, ReleaseStatus, Role, RoundKind, RoundStatus

_JOB_STATUS = {
    JobStatus.QUEUED: _l("Đang chờ đến lượt"),
    JobStatus.RUNNING: _l("Đang tính"),
    JobStatus.DONE: _l("Đã xong"),
    JobStatus.FAILED: _l("Không thành công"),
}
_RELEASE_STATUS = {ReleaseStatus.DRAFT: _l("Bản nháp"), ReleaseStatus.PUBLISHED: _l("Đã công bố")}
# How a unit compares with the level of its parent (release_indices.flag).
_FLAGS = {
    "above": _l("cao hơn mức chung"),
    "below": _l("thấp hơn mức chung"),
    "none": _l("không khác biệt rõ"),
    "not_estimable": _l("không ước lượng được / không tin cậy"),
}
_ENUMS: dict[type, Callable[[enum.Enum], str]] = {
    Role: role_label,
    RoundStatus: status_label,
    RoundKind: kind_label,
    JobStatus: lambda status: str(_JOB_STATUS[status]),
    ReleaseStatus: lambda status: str(_RELEASE_STATUS[status]),
}
_CODES: dict[str, Callable[[str], str]] = {
    "flag": lambda code: str(_FLAGS[code]) if code in _FLAGS else code,
    "channel": channel_label,
}


def code_label(value: object, kind: str | None = None) -> str:
    """``value`` in words: an enum of the models, or a plain code of ``kind`` ("flag", "channel")."""
    if value is None or value == "":
        return "–"
    if isinstance(value, enum.Enum) and type(value) in _ENUMS:
        return _ENUMS[type(value)](value)
    if kind in _CODES:
        return _CODES[kind](str(value))
    return str(value)


# What each audit action means, as a short name (for the filter) and a sentence:
# %(who)s is the staff member, %(target)s what the action was done to.
_ACTIONS: dict[str, tuple[object, object]] = {
    "login": (_l("Đăng nhập"), _l("%(who)s đã đăng nhập.")),
    "login_failed": (_l("Đăng nhập sai"), _l("Có người đăng nhập không thành công với tên “%(target)s”.")),
    "logout": (_l("Đăng xuất"), _l("%(who)s đã đăng xuất.")),
    "api_token.create": (_l("Tạo mã API"), _l("%(who)s đã tạo mã truy cập API “%(target)s”.")),
    "api_token.revoke": (_l("Thu hồi mã API"), _l("%(who)s đã thu hồi mã truy cập API “%(target)s”.")),
    "device_registered": (_l("Đăng ký máy tính bảng"), _l("%(who)s đã đăng ký máy tính bảng %(target)s.")),
    "device_deactivated": (_l("Ngừng máy tính bảng"), _l("%(who)s đã ngừng sử dụng máy tính bảng %(target)s.")),
    "import": (_l("Nhập phiếu giấy"), _l("%(who)s đã nhập phiếu giấy từ tệp %(target)s.")),
    "import_refused": (_l("Nhập phiếu giấy bị từ chối"),
                       _l("%(who)s đã nhập phiếu giấy từ tệp %(target)s nhưng tệp bị từ chối.")),
    "questionnaire.publish": (_l("Công bố bảng hỏi"), _l("%(who)s đã công bố bảng hỏi %(target)s.")),
    "release.compute_started": (_l("Bắt đầu tính kết quả"), _l("%(who)s đã bắt đầu tính kết quả đợt %(target)s.")),
    "release.compute": (_l("Tính xong kết quả"), _l("%(who)s đã tính xong bản kết quả %(target)s.")),
    "release.publish": (_l("Công bố kết quả"), _l("%(who)s đã công bố bản kết quả %(target)s.")),
    "release.discard": (_l("Bỏ bản nháp"), _l("%(who)s đã bỏ bản kết quả nháp %(target)s.")),
    "release.export": (_l("Tải số liệu"), _l("%(who)s đã tải số liệu của bản kết quả %(target)s.")),
    "frame.import": (_l("Nhập khung mẫu"), _l("%(who)s đã nhập khung mẫu %(target)s.")),
    "weights.compute": (_l("Tính trọng số"), _l("%(who)s đã tính trọng số cho %(target)s.")),
    "units.import": (_l("Nhập danh mục đơn vị"), _l("%(who)s đã nhập danh mục đơn vị từ tệp %(target)s.")),
    "units.rename": (_l("Đổi tên đơn vị"), _l("%(who)s đã ghi nhận đổi tên đơn vị %(target)s.")),
    "units.merge": (_l("Sáp nhập đơn vị"), _l("%(who)s đã ghi nhận sáp nhập vào đơn vị %(target)s.")),
    "units.split": (_l("Chia tách đơn vị"), _l("%(who)s đã ghi nhận chia tách đơn vị %(target)s.")),
    "round.create": (_l("Tạo đợt khảo sát"), _l("%(who)s đã tạo đợt khảo sát %(target)s.")),
    "round.update": (_l("Sửa đợt khảo sát"), _l("%(who)s đã sửa đợt khảo sát %(target)s.")),
    "round.open": (_l("Mở đợt khảo sát"), _l("%(who)s đã mở đợt khảo sát %(target)s.")),
    "round.reopen": (_l("Mở lại đợt khảo sát"), _l("%(who)s đã mở lại đợt khảo sát %(target)s.")),
    "round.close": (_l("Đóng đợt khảo sát"), _l("%(who)s đã đóng đợt khảo sát %(target)s.")),
    "staff.add": (_l("Thêm tài khoản"), _l("%(who)s đã thêm tài khoản cán bộ %(target)s.")),
    "staff.update": (_l("Sửa tài khoản"), _l("%(who)s đã sửa vai trò hoặc phạm vi của tài khoản %(target)s.")),
    "staff.disable": (_l("Khóa tài khoản"), _l("%(who)s đã khóa tài khoản %(target)s.")),
    "staff.enable": (_l("Mở khóa tài khoản"), _l("%(who)s đã mở khóa tài khoản %(target)s.")),
    "staff.reset_password": (_l("Đặt lại mật khẩu"), _l("%(who)s đã đặt lại mật khẩu của tài khoản %(target)s.")),
    "staff.change_password": (_l("Đổi mật khẩu"), _l("%(who)s đã đổi mật khẩu của mình.")),
    "staff.logout_everywhere": (_l("Đăng xuất mọi thiết bị"),
                                _l("%(who)s đã đăng xuất tài khoản %(target)s khỏi mọi thiết bị.")),
}


def action_name(action: str) -> str:
    """The short name of an audit action; an unknown action is shown as stored."""
    return str(_ACTIONS[action][0]) if action in _ACTIONS else action


def audit_sentence(action: str, who: str | None, target: str | None, url: str | None = None) -> Markup:
    """What happened, as a sentence: "admin đã công bố bảng hỏi sipas-service@2."; the target a link with ``url``."""
    actor = who or _("Hệ thống SIPAS")
    shown = Markup('<a href="{}">{}</a>').format(url, target) if url and target else target or "–"
    if action not in _ACTIONS:
        return escape(_("%(who)s: %(action)s %(target)s")) % {"who": actor, "action": action, "target": shown}
    return escape(str(_ACTIONS[action][1])) % {"who": actor, "target": shown}
