"""The national portal's field names and formats, and checking one event in isolation.

An event is a JSON object (or a row of a file) with the portal's dossier fields
(``MaHoSo``, ``MaTTHC``, ``DonViXuLy``, ``KenhThucHien``, ``TrangThaiHoSo``,
``NgayTiepNhan``, ``NgayHenTra``, ``NgayKetThucXuLy``, ``NgayTra``) and two of
ours, because the portal's services carry them in their envelope:
``LoaiSuKien``, the service the event stands for (``DongBoHoSoMC``: a dossier
synchronised; ``CapNhatTienDoHoSoMC``: its progress; ``PAKN``: a feedback or
petition), and ``ThoiGianSuKien``, when it happened. The PAKN fields
(``MaPAKN``, ``PhanLoai``, ``SoLuotThich``, ``SoLuotKhongThich``,
``KhieuNaiTiep``) are ours: the portal's PAKN payload is not public. So is
``MaQuay``, the code of the desk (counter) that received the dossier, optional,
for the dashboard's count of dossiers that cost points by desk.

Dates are ``yyyyMMddHHmmss`` in Asia/Ho_Chi_Minh and are stored in UTC; an
empty date (``""`` or ``null``) means "not yet" and changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from survey.domain.unit_kinds import N_
from survey.i18n import LOCAL_TZ, _, format_local_datetime
from survey.models.dossiers import CODE_LENGTH

SYNC, PROGRESS, COMPLAINT = "DongBoHoSoMC", "CapNhatTienDoHoSoMC", "PAKN"
KINDS = (SYNC, PROGRESS, COMPLAINT)
KIND, TIME, DOSSIER, UNIT, COMPLAINT_CODE = "LoaiSuKien", "ThoiGianSuKien", "MaHoSo", "DonViXuLy", "MaPAKN"
DESK = "MaQuay"  # our extension: the desk (counter) that received the dossier; the portal's sync has none
DESK_LENGTH = 32

# portal field -> (model attribute, reader); the reader returns the value or raises _Bad
DATE_FIELDS = ("NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy", "NgayTra")
DOSSIER_ATTRIBUTES = {
    "MaTTHC": "procedure_code", "KenhThucHien": "channel", "TrangThaiHoSo": "status", DESK: "desk_code",
    "NgayTiepNhan": "received_at", "NgayHenTra": "due_at", "NgayKetThucXuLy": "handled_at", "NgayTra": "returned_at",
}
COMPLAINT_ATTRIBUTES = {
    "MaHoSo": "dossier_code", "PhanLoai": "category", "NgayTiepNhan": "received_at",
    "NgayKetThucXuLy": "handled_at", "SoLuotThich": "likes", "SoLuotKhongThich": "dislikes",
    "KhieuNaiTiep": "follow_up",
}
REQUIRED = {
    SYNC: (DOSSIER, UNIT, "MaTTHC", "NgayTiepNhan"),
    PROGRESS: (DOSSIER, UNIT),
    COMPLAINT: (COMPLAINT_CODE, UNIT),
}
TEXT_LIMITS = {"MaTTHC": CODE_LENGTH, "TrangThaiHoSo": 32, "PhanLoai": 255, DOSSIER: CODE_LENGTH,
               COMPLAINT_CODE: CODE_LENGTH, UNIT: CODE_LENGTH, DESK: DESK_LENGTH}
CODE_PATTERN = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._\-/]*$")
FUTURE_FIELDS = ("NgayHenTra",)  # a due date is ahead of the moment the dossier is received
FUTURE_TOLERANCE = timedelta(days=1)  # clocks of one-stop-shop servers are not all right

MESSAGES = {
    "not_object": N_("không phải là một đối tượng (cần {\"MaHoSo\": …})."),
    "missing": N_("thiếu (bắt buộc với %(kind)s)."),
    "missing_kind": N_("thiếu (bắt buộc)."),
    "bad_kind": N_("\"%(value)s\" không phải là loại sự kiện; hãy ghi DongBoHoSoMC, CapNhatTienDoHoSoMC hoặc PAKN."),
    "bad_time": N_("\"%(value)s\" không phải là thời điểm dạng yyyyMMddHHmmss (ví dụ 20261203143000)."),
    "future": N_("%(value)s ở tương lai."),
    "too_long": N_("dài quá %(max)s ký tự."),
    "bad_code": N_("\"%(value)s\" có ký tự không dùng được trong mã (chỉ chữ, số và . _ - /)."),
    "bad_channel": N_("\"%(value)s\" không phải là kênh thực hiện; hãy ghi 1 (trực tiếp), 2 (trực tuyến) hoặc 3 (bưu chính)."),
    "bad_count": N_("\"%(value)s\" không phải là một số nguyên không âm."),
    "bad_flag": N_("\"%(value)s\" không phải là 0 hoặc 1."),
    "not_text": N_("phải là chuỗi ký tự, không phải %(value)s."),
    "unknown_unit": N_("không có đơn vị nào mang mã %(value)s (hãy nhập bảng ánh xạ mã đơn vị: sipas dossiers units-map)."),
    "out_of_scope": N_("đơn vị %(value)s nằm ngoài phạm vi của hệ thống %(system)s."),
    "before_received": N_("%(name)s %(value)s trước ngày tiếp nhận %(received)s."),
    "conflict": N_("hồ sơ %(code)s đã có sự kiện %(kind)s lúc %(value)s với nội dung khác; sự kiện đã nhận được giữ nguyên."),
}


@dataclass(frozen=True)
class EventError:
    """What is wrong with one event: its position in the batch (or file row), the field, the problem."""

    index: int
    field: str | None
    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def problem(self) -> str:
        return _(MESSAGES[self.key], **self.params)

    def message(self) -> str:
        if self.field is None:
            return _("Sự kiện %(index)d: %(problem)s", index=self.index, problem=self.problem())
        return _("Sự kiện %(index)d, trường %(field)s: %(problem)s", index=self.index, field=self.field,
                 problem=self.problem())


class _Bad(ValueError):
    def __init__(self, key: str, **params: Any):
        super().__init__(key)
        self.key, self.params = key, params


def parse_portal_time(value: Any, now: datetime | None = None, *, future: bool = False) -> datetime | None:
    """``yyyyMMddHHmmss`` (local time) as an aware UTC datetime; None for an empty value; raises _Bad.

    A time after ``now`` (give or take a day of clock drift) is refused unless ``future``: only a due
    date (``NgayHenTra``, the appointment on the slip) lies ahead when it is posted.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):  # an Excel cell typed as a date: local time
        moment = value if value.tzinfo else value.replace(tzinfo=LOCAL_TZ)
    else:
        text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value).strip()
        if len(text) != 14 or not text.isdigit() or not text.isascii():
            raise _Bad("bad_time", value=text)
        try:  # slicing, not strptime: a batch has tens of thousands of dates
            moment = datetime(int(text[:4]), int(text[4:6]), int(text[6:8]), int(text[8:10]), int(text[10:12]),
                              int(text[12:]), tzinfo=LOCAL_TZ)
        except ValueError:
            raise _Bad("bad_time", value=text) from None
    moment = moment.astimezone(UTC)
    if not future and moment > (now or datetime.now(UTC)) + FUTURE_TOLERANCE:
        raise _Bad("future", value=format_local_datetime(moment))
    return moment


def portal_time_text(moment: datetime) -> str:
    """A stored time as the portal writes it (local ``yyyyMMddHHmmss``)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TZ).strftime("%Y%m%d%H%M%S")


def _text(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dict, list, bool)):
        raise _Bad("not_text", value=type(value).__name__)
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value).strip()
    if not text:
        return None
    if len(text) > TEXT_LIMITS.get(name, CODE_LENGTH):
        raise _Bad("too_long", max=TEXT_LIMITS.get(name, CODE_LENGTH))
    if name in (DOSSIER, COMPLAINT_CODE, UNIT, "MaTTHC") and not CODE_PATTERN.match(text):
        raise _Bad("bad_code", value=text)
    return text


def _count(value: Any) -> int | None:
    if value is None or value == "":
        return None
    text = str(value).strip()
    if isinstance(value, bool) or not re.fullmatch(r"\d{1,9}(\.0)?", text):
        raise _Bad("bad_count", value=text)
    return int(float(text))


def _flag(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    text = str(value).strip().lower()
    if text in ("1", "true", "1.0"):
        return True
    if text in ("0", "false", "0.0"):
        return False
    raise _Bad("bad_flag", value=str(value))


def _channel(value: Any) -> int | None:
    if value is None or value == "":
        return None
    text = str(value).strip()
    if text not in ("1", "2", "3", "1.0", "2.0", "3.0"):
        raise _Bad("bad_channel", value=text)
    return int(float(text))


READERS = {"KenhThucHien": _channel, "SoLuotThich": _count, "SoLuotKhongThich": _count, "KhieuNaiTiep": _flag}


@dataclass
class CheckedEvent:
    """An event whose every field is well formed (not yet checked against what is stored)."""

    index: int
    kind: str
    code: str  # MaHoSo, or MaPAKN
    unit_code: str
    event_at: datetime
    values: dict[str, Any]  # model attribute -> value, only the fields the event carries
    payload: dict[str, Any]


def check_event(index: int, event: Any, now: datetime, default_kind: str | None = None
                ) -> CheckedEvent | list[EventError]:
    """Check one event on its own: kind, time, required fields, each field's format."""
    if not isinstance(event, dict):
        return [EventError(index, None, "not_object")]
    errors: list[EventError] = []
    kind = _text_or_none(event.get(KIND)) or default_kind
    if kind not in KINDS:
        return [EventError(index, KIND, "bad_kind" if kind else "missing_kind", {"value": kind})]
    for name in (TIME, *REQUIRED[kind]):
        if _text_or_none(event.get(name)) is None:
            errors.append(EventError(index, name, "missing", {"kind": kind}))
    attributes = COMPLAINT_ATTRIBUTES if kind == COMPLAINT else DOSSIER_ATTRIBUTES
    values: dict[str, Any] = {}
    parsed: dict[str, Any] = {}
    for name in (TIME, UNIT, COMPLAINT_CODE if kind == COMPLAINT else DOSSIER, *attributes):
        if name not in event or any(e.field == name for e in errors):
            continue
        try:
            if name in DATE_FIELDS or name == TIME:
                parsed[name] = parse_portal_time(event[name], now, future=name in FUTURE_FIELDS)
            else:
                parsed[name] = READERS.get(name, lambda v, n=name: _text(v, n))(event[name])
        except _Bad as bad:
            errors.append(EventError(index, name, bad.key, bad.params))
            continue
        if name in attributes and parsed[name] is not None:
            values[attributes[name]] = parsed[name]
    if errors:
        return errors
    code = parsed[COMPLAINT_CODE if kind == COMPLAINT else DOSSIER]
    payload = {k: (v if isinstance(v, (str, int, float, bool)) or v is None else str(v)) for k, v in event.items()}
    return CheckedEvent(index, kind, code, parsed[UNIT], parsed[TIME], values, payload)


def _text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None
