"""Audit entries in words: the target of the sentence and the stored details become names and links.

An entry stores its details as JSON (``{"round_id": 3, "unit": "01"}``); the audit
page shows "Đợt khảo sát: SIPAS 2024 (sipas-2024)" with a link while the row still
exists, and "#3 (đã xoá)" once it is gone. Its target (``round:sipas-2024``,
``release:3``, ``frame:2``, ``weight_set:5``, ``import-batch:7``, or a bare unit code or
login whose kind the action tells) is read the same way. Every page of entries is resolved with one query per kind of row referred
to, targets and details together, not one per entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.domain.rounds import channel_label, kind_label
from survey.domain.staff import role_label
from survey.i18n import format_local_date, local_time
from survey.models import (
    AuditEntry,
    ImportBatch,
    Release,
    Role,
    RoundKind,
    SampleFrame,
    StaffUser,
    SurveyRound,
    Unit,
    WeightSet,
)

# What each stored key means; a key not listed is shown as stored.
LABELS: dict[str, object] = {
    "round": _l("Đợt khảo sát"),
    "round_id": _l("Đợt khảo sát"),
    "unit": _l("Đơn vị"),
    "units": _l("Đơn vị"),
    "predecessors": _l("Đơn vị trước"),
    "successors": _l("Đơn vị sau"),
    "owner": _l("Chủ tài khoản"),
    "release_id": _l("Bản kết quả"),
    "supersedes": _l("Thay cho bản"),
    "job_id": _l("Công việc"),
    "frame": _l("Khung mẫu"),
    "token_id": _l("Mã API số"),
    "expires_at": _l("Hết hạn"),
    "counter": _l("Quầy"),
    "filename": _l("Tệp"),
    "file": _l("Tệp"),
    "sha256": _l("Mã SHA-256 của tệp"),
    "content_hash": _l("Mã nội dung"),
    "rows": _l("Số dòng"),
    "created": _l("Số mục mới"),
    "updated": _l("Số mục cập nhật"),
    "links": _l("Số liên kết"),
    "duplicates": _l("Số phiếu trùng"),
    "designs": _l("Số phiếu có thông tin thiết kế mẫu"),
    "problems": _l("Số lỗi"),
    "title": _l("Tiêu đề"),
    "format": _l("Định dạng"),
    "number": _l("Số thứ tự"),
    "n": _l("Số phiếu"),
    "responses": _l("Số phiếu"),
    "reason": _l("Lý do"),
    "old": _l("Tên cũ"),
    "new": _l("Tên mới"),
    "on": _l("Ngày hiệu lực"),
    "basis": _l("Căn cứ pháp lý"),
    "code": _l("Mã"),
    "name": _l("Tên"),
    "questionnaire": _l("Bảng hỏi"),
    "version": _l("Phiên bản"),
    "kind": _l("Loại"),
    "channels": _l("Kênh"),
    "starts_on": _l("Ngày bắt đầu"),
    "ends_on": _l("Ngày kết thúc"),
    "role": _l("Vai trò"),
}

# Keys whose values name a row: how the value finds it.
_ROUND_CODES = {"round"}
_ROUND_IDS = {"round_id"}
_UNIT_CODES = {"unit", "units", "predecessors", "successors"}
_LOGINS = {"owner"}
_RELEASE_IDS = {"release_id", "supersedes"}
_FRAME_IDS = {"frame"}
_WEIGHT_SET_IDS = {"weight_set"}  # as a target only
_BATCH_IDS = {"import_batch"}  # as a target only
_ID_KEYS = _ROUND_IDS | _RELEASE_IDS | _FRAME_IDS | _WEIGHT_SET_IDS | _BATCH_IDS

# How a stored target names its row: "kind:value", the kind read as the details key beside it;
# a kind not listed is shown as stored.
_TARGET_KINDS = {"round": "round", "unit": "unit", "user": "owner", "release": "release_id", "frame": "frame",
                 "weight_set": "weight_set", "import-batch": "import_batch"}
# Actions that store a bare value as their target (the code of a unit, the login of an account).
_BARE_TARGETS = {
    "release.compute_started": "round",
    **dict.fromkeys(("round.create", "round.update", "round.open", "round.reopen", "round.close"), "round"),
    **dict.fromkeys(("units.rename", "units.merge", "units.split"), "unit"),
    **dict.fromkeys(("staff.add", "staff.update", "staff.disable", "staff.enable", "staff.reset_password",
                     "staff.logout_everywhere"), "owner"),
}

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


@dataclass(frozen=True)
class Part:
    """One value as shown: its text and, while its row exists, a link to it."""

    text: str
    url: str | None = None


@dataclass(frozen=True)
class Detail:
    """A labelled value; a change also has the value it replaced (``was``)."""

    label: str
    parts: tuple[Part, ...]
    was: tuple[Part, ...] | None = None


@dataclass
class _Rows:
    """The rows the details of a page refer to, loaded at once."""

    rounds_by_code: dict[str, SurveyRound]
    rounds_by_id: dict[int, SurveyRound]
    units: dict[str, list[Unit]]
    users: dict[str, StaffUser]
    releases: dict[int, Release]
    frames: dict[int, tuple[str, str]]  # id -> name, round name
    weight_sets: dict[int, str]  # id -> round name
    batches: dict[int, tuple[str, datetime]]  # id -> file name, time of import


def _values(details: Mapping[str, Any], keys: set[str]) -> set[Any]:
    found: set[Any] = set()
    for key, value in _flat(details):
        if key in keys:
            found |= {v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str | int)}
    return found


def _flat(details: Mapping[str, Any]) -> Iterable[tuple[str, Any]]:
    """(key, value) of the details, those of the changes and of before/after included."""
    for key, value in details.items():
        if isinstance(value, dict):
            for inner, inner_value in value.items():
                yield from ((inner, v) for v in (inner_value if isinstance(inner_value, list) else [inner_value]))
        else:
            yield key, value


def _target(entry: AuditEntry) -> tuple[str, Any] | None:
    """The target of an entry as (details key, value) when it names a row, else None."""
    target = entry.target or ""
    kind, colon, value = target.partition(":")
    if colon and kind in _TARGET_KINDS:
        key = _TARGET_KINDS[kind]
        if key not in _ID_KEYS:
            return key, value
        return (key, int(value)) if value.isdigit() else None
    release_id = (entry.details or {}).get("release_id")
    if entry.action == "release.export" and isinstance(release_id, int):  # target "<round code>#<number>"
        return "release_id", release_id
    return (_BARE_TARGETS[entry.action], target) if target and entry.action in _BARE_TARGETS else None


def _load(session: Session, entries: list[AuditEntry], targets: Iterable[tuple[str, Any]]) -> _Rows:
    details = [entry.details for entry in entries if entry.details] + [{key: value} for key, value in targets]

    def wanted(keys: set[str], kind: type) -> list:
        return sorted({v for d in details for v in _values(d, keys) if isinstance(v, kind)})

    round_codes, round_ids = wanted(_ROUND_CODES, str), wanted(_ROUND_IDS, int)
    unit_codes, logins, release_ids = wanted(_UNIT_CODES, str), wanted(_LOGINS, str), wanted(_RELEASE_IDS, int)
    rounds = session.scalars(select(SurveyRound).where(
        SurveyRound.code.in_(round_codes) | SurveyRound.id.in_(round_ids))).all() if round_codes or round_ids else []
    units: dict[str, list[Unit]] = {}
    for unit in session.scalars(select(Unit).where(Unit.code.in_(unit_codes))).all() if unit_codes else []:
        units.setdefault(unit.code, []).append(unit)
    users = session.scalars(select(StaffUser).where(StaffUser.login.in_(logins))).all() if logins else []
    releases = session.scalars(select(Release).where(Release.id.in_(release_ids))).all() if release_ids else []
    # names only: a frame's rows and a weight set's arrays can be megabytes
    frame_ids, weight_set_ids, batch_ids = wanted(_FRAME_IDS, int), wanted(_WEIGHT_SET_IDS, int), wanted(_BATCH_IDS, int)
    frames = session.execute(
        select(SampleFrame.id, SampleFrame.name, SurveyRound.name).join(SurveyRound, SampleFrame.round)
        .where(SampleFrame.id.in_(frame_ids))).all() if frame_ids else []
    weight_sets = session.execute(
        select(WeightSet.id, SurveyRound.name).join(SurveyRound, WeightSet.round)
        .where(WeightSet.id.in_(weight_set_ids))).all() if weight_set_ids else []
    batches = session.execute(select(ImportBatch.id, ImportBatch.filename, ImportBatch.created_at)
                              .where(ImportBatch.id.in_(batch_ids))).all() if batch_ids else []
    return _Rows(
        rounds_by_code={r.code: r for r in rounds}, rounds_by_id={r.id: r for r in rounds}, units=units,
        users={u.login: u for u in users}, releases={r.id: r for r in releases},
        frames={i: (name, round_name) for i, name, round_name in frames}, weight_sets=dict(weight_sets),
        batches={i: (filename, at) for i, filename, at in batches},
    )


def _gone(value: object) -> Part:
    shown = f"#{value}" if isinstance(value, int) else str(value)
    return Part(_("%(value)s (đã xoá)", value=shown))


def _unit_at(candidates: list[Unit], day: date) -> Unit:
    """Of the units that had a code, the one valid on the day of the entry, else the latest."""
    valid = [u for u in candidates if u.is_valid_on(day)]
    return max(valid or candidates, key=lambda u: u.valid_from or date.min)


class _Reader:
    """Turns the details of one page of entries into words."""

    def __init__(self, rows: _Rows):
        self.rows = rows

    def part(self, key: str, value: Any, day: date) -> Part:
        rows = self.rows
        found: Any = None
        if value is None or value == "":
            return Part("–")
        if key in _ROUND_CODES or key in _ROUND_IDS:
            found = (rows.rounds_by_code if key in _ROUND_CODES else rows.rounds_by_id).get(value)
            if found is not None:
                return Part(f"{found.name} ({found.code})", url_for("admin.round_edit", round_id=found.id))
        elif key in _UNIT_CODES:
            if value in rows.units:
                unit = _unit_at(rows.units[value], day)
                return Part(f"{unit.code} {unit.name}", url_for("admin.unit_detail", unit_id=unit.id))
        elif key in _LOGINS:
            found = rows.users.get(value)
            if found is not None:
                name = found.display_name or found.login
                shown = name if name == found.login else f"{name} ({found.login})"
                return Part(shown, url_for("admin.staff_edit", user_id=found.id))
        elif key in _RELEASE_IDS:
            found = rows.releases.get(value)
            if found is not None:
                # no link: release pages are for statisticians only
                return Part(_("%(round)s, bản công bố số %(number)d", round=found.round.name, number=found.number))
        elif key in _FRAME_IDS or key in _WEIGHT_SET_IDS or key in _BATCH_IDS:
            found = self.study_row(key, value)
            if found is not None:
                return found
        else:
            return Part(self.text(key, value))
        return _gone(value)

    def study_row(self, key: str, value: Any) -> Part | None:
        """A sample frame, weight set or import batch in words (no page shows the first two), None if gone."""
        rows = self.rows
        if key in _FRAME_IDS and value in rows.frames:
            name, round_name = rows.frames[value]
            return Part(_("%(name)s (đợt %(round)s)", name=name, round=round_name))
        if key in _WEIGHT_SET_IDS and value in rows.weight_sets:
            return Part(_("%(round)s (bộ trọng số #%(id)d)", round=rows.weight_sets[value], id=value))
        if key in _BATCH_IDS and value in rows.batches:
            filename, at = rows.batches[value]
            return Part(f"{filename} ({format_local_date(at)})", url_for("staff.import_batch", batch_id=value))
        return None

    def text(self, key: str, value: Any) -> str:
        """A plain value in words: yes/no, numbers and days as users write them, codes by their names."""
        if value is None or value == "":
            return "–"
        if isinstance(value, bool):
            return _("Có") if value else _("Không")
        if isinstance(value, int | float):
            return str(value) if key in ("number", "token_id", "job_id") else format_decimal(value)
        if isinstance(value, str):
            return self._coded(key, value)
        return str(value)

    @staticmethod
    def _coded(key: str, value: str) -> str:
        if _MOMENT.match(value):
            try:
                moment = local_time(datetime.fromisoformat(value))
            except ValueError:
                return value
            return f"{format_local_date(moment)} {moment:%H:%M}"
        if _DAY.fullmatch(value):
            try:
                return format_local_date(date.fromisoformat(value))
            except ValueError:
                return value
        if key == "role" and value in {r.value for r in Role}:
            return role_label(Role(value))
        if key == "kind" and value in {k.value for k in RoundKind}:
            return kind_label(RoundKind(value))
        if key == "channels":
            return channel_label(value)
        if key == "format":
            return value.upper()
        return value

    def parts(self, key: str, value: Any, day: date) -> tuple[Part, ...]:
        values = value if isinstance(value, list) else [value]
        if not values:
            return (Part("–"),)
        return tuple(self.part(key, v, day) for v in values)

    def details(self, entry: AuditEntry) -> list[Detail]:
        stored = dict(entry.details or {})
        day = local_time(entry.at).date()
        before, after = stored.pop("before", None), stored.pop("after", None)
        changes = stored.pop("changes", None) or {}
        if isinstance(before, dict) and isinstance(after, dict):
            changes.update({k: [before.get(k), after.get(k)] for k in {*before, *after} if before.get(k) != after.get(k)})
        shown = [Detail(label(key), self.parts(key, value, day))
                 for key, value in sorted(stored.items(), key=_in_order) if value is not None]
        for key, pair in sorted(changes.items(), key=_in_order):
            old, new = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
            shown.append(Detail(label(key), self.parts(key, new, day), was=self.parts(key, old, day)))
        return shown


_ORDER = {key: number for number, key in enumerate(LABELS)}


def _in_order(item: tuple[str, Any]) -> tuple[int, str]:
    """Keys in the order of LABELS (what the entry is about first), unknown keys last."""
    return _ORDER.get(item[0], len(_ORDER)), item[0]


def label(key: str) -> str:
    """The label of a stored key; the key itself when it has none."""
    return str(LABELS[key]) if key in LABELS else key


def audit_words(session: Session, entries: list[AuditEntry]) -> tuple[dict[int, Part], dict[int, list[Detail]]]:
    """Entry id -> its target, and entry id -> its details, in words, for one page of entries."""
    targets = {entry.id: _target(entry) for entry in entries}
    reader = _Reader(_load(session, entries, (pair for pair in targets.values() if pair is not None)))

    def target(entry: AuditEntry) -> Part:
        pair = targets[entry.id]
        return Part(entry.target or "") if pair is None else reader.part(*pair, local_time(entry.at).date())

    return {entry.id: target(entry) for entry in entries}, {entry.id: reader.details(entry) for entry in entries}
