"""Survey rounds: creating, changing, opening and closing them; the round a unit answers on a channel."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from survey.domain.units import find_unit
from survey.i18n import _, format_local_date
from survey.models import (
    AuditEntry,
    Channel,
    Questionnaire,
    QuestionnaireVersion,
    Response,
    RoundKind,
    RoundStatus,
    StaffUser,
    SurveyRound,
    Unit,
)

CODE_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
CHANNELS = tuple(channel.value for channel in Channel)
DAY_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")
REASON_MAX = 500


def kind_label(kind: RoundKind) -> str:
    if kind == RoundKind.CONTINUOUS_COUNTER:
        return _("Đánh giá liên tục tại quầy")
    return _("Khảo sát năm (chọn mẫu)")


def channel_label(channel: str) -> str:
    labels = {
        Channel.COUNTER.value: _("Tại quầy"),
        Channel.ONLINE.value: _("Trực tuyến"),
        Channel.PAPER.value: _("Phiếu giấy"),
        Channel.PHONE.value: _("Điện thoại"),
    }
    return labels.get(channel, channel)


def channels_label(channels: Iterable[str]) -> str:
    return ", ".join(channel_label(channel) for channel in channels)


def status_label(status: RoundStatus) -> str:
    labels = {RoundStatus.DRAFT: _("Nháp"), RoundStatus.OPEN: _("Đang mở"), RoundStatus.CLOSED: _("Đã đóng")}
    return labels[status]


def parse_day(text: str | None) -> date | None:
    """A day written dd/mm/yyyy (or yyyy-mm-dd); None when empty or not a day."""
    text = (text or "").strip()
    for fmt in DAY_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


class RoundError(ValueError):
    """A round cannot be stored or changed; ``problems`` maps each field to what is wrong with it."""

    def __init__(self, problems: dict[str, str]):
        self.problems = dict(problems)
        super().__init__("; ".join(f"{name}: {message}" for name, message in self.problems.items()))


@dataclass(frozen=True)
class RoundFields:
    """What staff enter for a round: the CLI's options, the admin form's fields."""

    code: str
    name: str
    questionnaire: str
    version: str | None
    kind: RoundKind | None
    channels: tuple[str, ...]
    starts_on: date | None
    ends_on: date | None
    unit_codes: tuple[str, ...] = ()

    @classmethod
    def of(cls, survey_round: SurveyRound) -> RoundFields:
        """The fields of a stored round (the starting point of a change)."""
        return cls(
            code=survey_round.code,
            name=survey_round.name,
            questionnaire=survey_round.questionnaire_version.questionnaire.code,
            version=survey_round.questionnaire_version.version,
            kind=survey_round.kind,
            channels=tuple(survey_round.channels),
            starts_on=survey_round.starts_on,
            ends_on=survey_round.ends_on,
            unit_codes=tuple(sorted(unit.code for unit in survey_round.units)),
        )


@dataclass(frozen=True)
class RoundSummary:
    """A round and how many responses it holds (the list of rounds)."""

    survey_round: SurveyRound
    responses: int


# --- checks -----------------------------------------------------------------------------


def _questionnaire_version(session: Session, fields: RoundFields, problems: dict[str, str]) -> QuestionnaireVersion | None:
    code = fields.questionnaire.strip()
    if not code:
        problems["questionnaire"] = _("Hãy chọn bảng hỏi.")
        return None
    questionnaire = session.scalar(select(Questionnaire).where(Questionnaire.code == code))
    if questionnaire is None or not questionnaire.versions:
        problems["questionnaire"] = _("Chưa có bảng hỏi mã %(id)s được công bố.", id=code)
        return None
    wanted = (fields.version or "").strip()
    if not wanted:
        return questionnaire.versions[-1]  # the latest published version
    for version in questionnaire.versions:
        if version.version == wanted:
            return version
    problems["version"] = _(
        "Bảng hỏi %(id)s không có phiên bản %(version)s; các phiên bản đã công bố: %(versions)s.",
        id=code, version=wanted, versions=", ".join(v.version for v in questionnaire.versions),
    )
    return None


def _check_channels(fields: RoundFields, problems: dict[str, str]) -> None:
    unknown = [c for c in fields.channels if c not in CHANNELS]
    if unknown:
        problems["channels"] = _(
            "Kênh không hợp lệ: %(channels)s; các kênh có: %(known)s.",
            channels=", ".join(unknown), known=", ".join(CHANNELS),
        )
    elif not fields.channels:
        problems["channels"] = _("Hãy chọn ít nhất một kênh thu thập.")
    elif fields.kind == RoundKind.CONTINUOUS_COUNTER and Channel.COUNTER.value not in fields.channels:
        problems["channels"] = _("Đợt đánh giá liên tục tại quầy phải có kênh tại quầy (counter).")


def _check_dates(fields: RoundFields, problems: dict[str, str]) -> None:
    if fields.starts_on is None:
        problems["starts_on"] = _("Hãy nhập ngày bắt đầu theo dạng dd/mm/yyyy.")
    if fields.ends_on is None:
        problems["ends_on"] = _("Hãy nhập ngày kết thúc theo dạng dd/mm/yyyy.")
    elif fields.starts_on is not None and fields.ends_on < fields.starts_on:
        problems["ends_on"] = _(
            "Ngày kết thúc %(end)s trước ngày bắt đầu %(start)s.",
            end=format_local_date(fields.ends_on), start=format_local_date(fields.starts_on),
        )


def _scope_units(session: Session, fields: RoundFields, problems: dict[str, str]) -> list[Unit]:
    """The units of the scope, each valid on every day of the round."""
    first = fields.starts_on or date.today()
    last = fields.ends_on if fields.ends_on is not None and fields.ends_on >= first else first
    units: list[Unit] = []
    wrong: list[str] = []
    for code in dict.fromkeys(c.strip() for c in fields.unit_codes if c.strip()):
        unit = find_unit(session, code, first)
        if unit is None and session.scalar(select(Unit.id).where(Unit.code == code).limit(1)) is None:
            wrong.append(_("Không có đơn vị mã %(code)s.", code=code))
        elif unit is None:
            wrong.append(_("Đơn vị mã %(code)s không có hiệu lực vào ngày %(day)s.", code=code,
                           day=format_local_date(first)))
        elif not unit.is_valid_on(last):
            wrong.append(_("Đơn vị %(code)s (%(name)s) hết hiệu lực ngày %(day)s, trước khi đợt kết thúc.",
                           code=code, name=unit.name, day=format_local_date(unit.valid_to)))
        else:
            units.append(unit)
    if wrong:
        problems["units"] = " ".join(wrong)
    return units


def _check_identity(session: Session, fields: RoundFields, current: SurveyRound | None, problems: dict[str, str]) -> None:
    code = fields.code.strip()
    if not CODE_PATTERN.fullmatch(code):
        problems["code"] = _(
            "Mã đợt chỉ gồm chữ thường không dấu, chữ số và dấu gạch ngang, tối đa 64 ký tự (ví dụ sipas-2026)."
        )
    else:
        other = session.scalar(select(SurveyRound.id).where(SurveyRound.code == code))
        if other is not None and (current is None or other != current.id):
            problems["code"] = _("Đã có đợt khảo sát mã %(code)s.", code=code)
    name = fields.name.strip()
    if not name:
        problems["name"] = _("Hãy nhập tên đợt khảo sát.")
    elif len(name) > 255:
        problems["name"] = _("Tên đợt dài tối đa 255 ký tự.")
    if fields.kind is None:
        problems["kind"] = _("Hãy chọn loại đợt.")


def _checked(
    session: Session, fields: RoundFields, current: SurveyRound | None
) -> tuple[QuestionnaireVersion | None, list[Unit], dict[str, str]]:
    """Every problem of ``fields`` at once, with the questionnaire version and units they name."""
    problems: dict[str, str] = {}
    _check_identity(session, fields, current, problems)
    version = _questionnaire_version(session, fields, problems)
    _check_channels(fields, problems)
    _check_dates(fields, problems)
    units = _scope_units(session, fields, problems)
    return version, units, problems


def response_count(session: Session, survey_round: SurveyRound) -> int:
    return session.scalar(select(func.count()).select_from(Response).where(Response.round_id == survey_round.id)) or 0


def _open_round_limits(before: RoundFields, after: RoundFields, problems: dict[str, str]) -> None:
    """What may not change while a round is open: only a new name, a later end, more units or channels."""
    if after.code.strip() != before.code:
        problems["code"] = _("Đợt đang mở: không đổi được mã đợt.")
    if after.kind != before.kind:
        problems["kind"] = _("Đợt đang mở: không đổi được loại đợt.")
    if after.starts_on is not None and after.starts_on != before.starts_on:
        problems["starts_on"] = _("Đợt đang mở: không đổi được ngày bắt đầu.")
    if after.ends_on is not None and before.ends_on is not None and after.ends_on < before.ends_on:
        problems["ends_on"] = _("Đợt đang mở: chỉ được lùi ngày kết thúc về sau (hiện là %(day)s).",
                                day=format_local_date(before.ends_on))
    dropped = [c for c in before.channels if c not in after.channels]
    if dropped and "channels" not in problems:
        problems["channels"] = _("Đợt đang mở: chỉ được thêm kênh, không bỏ kênh %(channels)s.",
                                 channels=", ".join(dropped))
    new_codes = {c.strip() for c in after.unit_codes if c.strip()}
    if "units" in problems or not new_codes:
        return
    if not before.unit_codes:
        problems["units"] = _("Đợt đang mở cho mọi đơn vị: không thu hẹp phạm vi được.")
    elif missing := sorted(set(before.unit_codes) - new_codes):
        problems["units"] = _("Đợt đang mở: chỉ được thêm đơn vị, không bỏ %(codes)s.", codes=", ".join(missing))


# --- changes ----------------------------------------------------------------------------


def _ordered_channels(channels: Iterable[str]) -> list[str]:
    wanted = set(channels)
    return [c for c in CHANNELS if c in wanted]


def _audit(session: Session, action: str, survey_round: SurveyRound, user: StaffUser | None, **details: Any) -> None:
    session.add(AuditEntry(user_id=None if user is None else user.id, action=action,
                           target=f"round:{survey_round.code}", details=details or None))


def _described(fields: RoundFields) -> dict[str, Any]:
    """The fields as JSON for the audit log."""
    return {
        "code": fields.code, "name": fields.name, "questionnaire": fields.questionnaire, "version": fields.version,
        "kind": None if fields.kind is None else fields.kind.value, "channels": list(fields.channels),
        "starts_on": None if fields.starts_on is None else fields.starts_on.isoformat(),
        "ends_on": None if fields.ends_on is None else fields.ends_on.isoformat(),
        "units": list(fields.unit_codes),
    }


def create_round(session: Session, fields: RoundFields, user: StaffUser | None = None) -> SurveyRound:
    """A new round in draft status; RoundError lists every problem of ``fields`` at once (flush only)."""
    version, units, problems = _checked(session, fields, None)
    if problems:
        raise RoundError(problems)
    survey_round = SurveyRound(
        code=fields.code.strip(), name=fields.name.strip(), questionnaire_version=version, kind=fields.kind,
        channels=_ordered_channels(fields.channels), starts_on=fields.starts_on, ends_on=fields.ends_on,
        units=units, status=RoundStatus.DRAFT,
    )
    session.add(survey_round)
    session.flush()
    _audit(session, "round.create", survey_round, user, **_described(RoundFields.of(survey_round)))
    session.flush()
    return survey_round


def update_round(session: Session, survey_round: SurveyRound, fields: RoundFields,
                 user: StaffUser | None = None) -> dict[str, list[Any]]:
    """Change a round: anything while draft; while open only a new name, a later end, more units
    or channels; a closed round not at all. Returns the changes ({field: [before, after]})."""
    if survey_round.status == RoundStatus.CLOSED:
        raise RoundError({"status": _("Đợt %(code)s đã đóng; hãy mở lại (kèm lý do) trước khi sửa.",
                                      code=survey_round.code)})
    before = RoundFields.of(survey_round)
    version, units, problems = _checked(session, fields, survey_round)
    if survey_round.status == RoundStatus.OPEN:
        _open_round_limits(before, fields, problems)
    if version is not None and version.id != survey_round.questionnaire_version_id:
        responses = response_count(session, survey_round)
        if responses:
            problems["version"] = _("Đợt đã có %(n)d phiếu trả lời: không đổi được bảng hỏi hay phiên bản.",
                                    n=responses)
    if problems:
        raise RoundError(problems)
    survey_round.code = fields.code.strip()
    survey_round.name = fields.name.strip()
    survey_round.questionnaire_version = version
    survey_round.kind = fields.kind
    survey_round.channels = _ordered_channels(fields.channels)
    survey_round.starts_on, survey_round.ends_on = fields.starts_on, fields.ends_on
    survey_round.units = units
    session.flush()
    old, new = _described(before), _described(RoundFields.of(survey_round))
    changes = {name: [old[name], new[name]] for name in new if old[name] != new[name]}
    if changes:
        _audit(session, "round.update", survey_round, user, changes=changes)
        session.flush()
    return changes


def open_round(session: Session, survey_round: SurveyRound, user: StaffUser | None = None,
               reason: str | None = None) -> SurveyRound:
    """Open a draft round; a closed round opens again only with a reason (kept in the audit log)."""
    reason = (reason or "").strip()
    if survey_round.status == RoundStatus.OPEN:
        raise RoundError({"status": _("Đợt %(code)s đang mở.", code=survey_round.code)})
    if survey_round.status == RoundStatus.CLOSED:
        if not reason:
            raise RoundError({"reason": _("Đợt %(code)s đã đóng; hãy ghi lý do mở lại.", code=survey_round.code)})
        if len(reason) > REASON_MAX:
            raise RoundError({"reason": _("Lý do dài tối đa %(n)d ký tự.", n=REASON_MAX)})
        survey_round.status = RoundStatus.OPEN
        _audit(session, "round.reopen", survey_round, user, reason=reason)
    else:
        survey_round.status = RoundStatus.OPEN
        _audit(session, "round.open", survey_round, user)
    session.flush()
    return survey_round


def close_round(session: Session, survey_round: SurveyRound, user: StaffUser | None = None) -> SurveyRound:
    """Close an open round: no channel accepts answers for it any more."""
    if survey_round.status == RoundStatus.DRAFT:
        raise RoundError({"status": _("Đợt %(code)s chưa mở nên không đóng được.", code=survey_round.code)})
    if survey_round.status == RoundStatus.CLOSED:
        raise RoundError({"status": _("Đợt %(code)s đã đóng.", code=survey_round.code)})
    survey_round.status = RoundStatus.CLOSED
    _audit(session, "round.close", survey_round, user, responses=response_count(session, survey_round))
    session.flush()
    return survey_round


# --- reading ------------------------------------------------------------------------------


def find_round(session: Session, code: str) -> SurveyRound | None:
    return session.scalar(select(SurveyRound).where(SurveyRound.code == code.strip()))


def list_rounds(session: Session) -> list[RoundSummary]:
    """Every round, the latest first, with its number of responses."""
    counts = dict(session.execute(select(Response.round_id, func.count()).group_by(Response.round_id)).all())
    rounds = session.scalars(
        select(SurveyRound)
        .options(selectinload(SurveyRound.units),
                 selectinload(SurveyRound.questionnaire_version).selectinload(QuestionnaireVersion.questionnaire))
        .order_by(SurveyRound.starts_on.desc(), SurveyRound.id.desc())
    ).all()
    return [RoundSummary(r, counts.get(r.id, 0)) for r in rounds]


def _ancestor_ids(unit: Unit) -> set[int]:
    ids: set[int] = set()
    current: Unit | None = unit
    while current is not None and current.id not in ids:
        ids.add(current.id)
        current = current.parent
    return ids


def current_round(session: Session, unit: Unit, channel: Channel, day: date | None = None) -> SurveyRound | None:
    """The open round covering ``unit`` (or one of its parents) on ``channel`` today.

    A round with no units in scope covers every unit. When several match, the
    most recently started one wins.
    """
    day = day or date.today()
    candidates = session.scalars(
        select(SurveyRound)
        .where(SurveyRound.status == RoundStatus.OPEN, SurveyRound.starts_on <= day, SurveyRound.ends_on >= day)
        .options(selectinload(SurveyRound.units))
        .order_by(SurveyRound.starts_on.desc(), SurveyRound.id.desc())
    ).all()
    lineage = _ancestor_ids(unit)
    for survey_round in candidates:
        if channel.value not in survey_round.channels:
            continue
        if not survey_round.units or lineage & {u.id for u in survey_round.units}:
            return survey_round
    return None
