"""Storing one submission: guards, lookups, validation, one idempotent INSERT, one commit.

The hot path (a known device or unit, cached round) runs no SELECT: the
response goes in with ``INSERT ... ON CONFLICT (uuid) DO NOTHING RETURNING``
(together with the responses that arrived at the same moment, see
:mod:`survey.serving.group_commit`), and whether a row comes back says whether it
is new. Only a repeat (or a refusal whose UUID might already be stored) reads
the stored response, to answer as the first time did.

Settings (declared with their defaults in :mod:`survey.settings`):
``KIOSK_MIN_INTERVAL_SECONDS``, ``API_DEVICE_RATE_LIMIT``, ``API_ADDRESS_RATE_LIMIT``,
``API_RATELIMIT_EXEMPT_ADDRESSES``, ``RATELIMIT_STORAGE_URI``, ``RATELIMIT_ENABLED``,
``API_LOOKUP_TTL_SECONDS``, ``API_DEVICE_SEEN_RESOLUTION_SECONDS``,
``API_SQLITE_WRITE_GATE``, ``MAX_CONTENT_LENGTH``.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from survey.domain.responses import SubmissionError, prepare_response
from survey.extensions import db
from survey.i18n import LOCAL_TZ
from survey.models import (
    Channel,
    Device,
    Questionnaire,
    QuestionnaireVersion,
    Response,
    Role,
    Unit,
    hash_token,
    utcnow,
)
from survey.serving.group_commit import GroupCommit, Job
from survey.serving.write_gate import WriteGate, gate_for
from survey.web.answer_forms import answer_problem_text
from survey.web.api.guards import RateLimits, interval_store_for
from survey.web.api.lookups import DeviceInfo, Lookups, RoundInfo, StaffTokenInfo
from survey.web.api.payload import ApiError, Submission, field_error, parse_body, parse_submission
from survey.web.errors import refusal

# Who may submit with a unit code (paper, phone, online through another system):
# a personal API token whose owner has one of these roles and the unit in scope.
SUBMITTING_ROLES = frozenset({Role.ADMIN, Role.STATISTICIAN})


class ApiState:
    """Caches and guards of one application in one worker process."""

    def __init__(self, app):
        self.lookups = Lookups(ttl=float(app.config["API_LOOKUP_TTL_SECONDS"]))
        self.limits = RateLimits(app)
        self.intervals = interval_store_for(self.limits.storage_uri)
        self._committers: dict[int, GroupCommit] = {}
        self._lock = threading.Lock()

    def committer(self, engine) -> GroupCommit:
        """The group committer of an engine (one per engine, per worker process)."""
        committer = self._committers.get(id(engine))
        if committer is None:
            with self._lock:
                committer = self._committers.get(id(engine))
                if committer is None:
                    enabled = current_app.config["API_SQLITE_WRITE_GATE"]
                    gate = gate_for(engine) if enabled else WriteGate(None)
                    committer = self._committers[id(engine)] = GroupCommit(engine, gate)
        return committer

    def reset(self) -> None:
        """Forget caches and counters (tests, or after an admin change that cannot wait)."""
        self.lookups.clear()
        self.limits.reset()
        reset = getattr(self.intervals, "reset", None)
        if reset is not None:
            reset()


_state_lock = threading.Lock()


def api_state() -> ApiState:
    """The API state of the current app in this process, made on first use (after gunicorn forks)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    state = app.extensions.get("sipas_api")
    if state is None:
        with _state_lock:
            state = app.extensions.get("sipas_api")
            if state is None:
                state = app.extensions["sipas_api"] = ApiState(app)
    return state


@dataclass(frozen=True)
class Outcome:
    status: int
    body: dict[str, Any]


def _rate_limited(message: str, retry_after: int) -> ApiError:
    return ApiError(
        429, [field_error("", message, "rate_limited")], headers={"Retry-After": str(retry_after)}
    )


def _hit_address(state: ApiState, address: str | None) -> None:
    refused = state.limits.hit_address(address)
    if refused is not None:
        raise _rate_limited(
            _("Quá nhiều yêu cầu từ địa chỉ này; vui lòng thử lại sau %(seconds)d giây.", seconds=refused.retry_after),
            refused.retry_after,
        )


# --- the per-tablet guard of every write path (this API and the kiosk's plain form) ---


def hit_device_limit(state: ApiState, device_id: int) -> None:
    """Count one write of a tablet against its rate limit; ApiError 429 when it is used up."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return
    refused = state.limits.hit_device(device_id)
    if refused is not None:
        raise _rate_limited(
            _("Quá nhiều phiếu từ máy tính bảng này; vui lòng thử lại sau %(seconds)d giây.", seconds=refused.retry_after),
            refused.retry_after,
        )


def interval_claim(state: ApiState, device_id: int, moment: datetime, response_key: str):
    """The minimum-interval check of a tablet's new response (None when off): run it where the row is stored.

    The claim returns the submitted_at time (epoch seconds) of the response it
    conflicts with, or None after recording this one.
    """
    interval = float(current_app.config["KIOSK_MIN_INTERVAL_SECONDS"])
    if interval <= 0:
        return None
    at = moment.timestamp()
    intervals = state.intervals
    return lambda: intervals.claim(device_id, at, response_key, interval)


def guard_device_write(device_id: int, response_key: str, moment: datetime) -> None:
    """The API's tablet guard for a path that stores one server-stamped response itself (the kiosk form).

    The rate limit, then the minimum interval; raises ApiError 429 (with
    Retry-After) when either refuses.
    """
    state = api_state()
    hit_device_limit(state, device_id)
    claim = interval_claim(state, device_id, moment, response_key)
    conflict = claim() if claim is not None else None
    if conflict is not None:
        raise min_interval_refusal(conflict, moment, client_time=False)


def submit(body: bytes, address: str | None, authorization: str | None = None) -> Outcome:
    """Handle one submission body; raises :class:`ApiError` on refusal.

    ``authorization`` is the request's Authorization header: a staff member's
    personal API token is the credential of a submission with a unit code.
    """
    state = api_state()
    config = current_app.config
    try:
        document = parse_body(body)
    except ApiError:
        if config["RATELIMIT_ENABLED"]:
            _hit_address(state, address)
        raise
    token = document.get("device_token") if isinstance(document, dict) else None
    device = state.lookups.device(db.session, token) if isinstance(token, str) else None
    contact: list[bool] = []  # set once the device's last contact is written with the response
    try:
        return _submit(state, document, device, address, authorization, contact)
    except ApiError:
        if device is not None and not contact:
            _record_contact(state, device)  # a refused tablet is still alive
        raise
    finally:
        if db.session.registry.has():
            db.session.close()


def _submit(state: ApiState, document: Any, device: DeviceInfo | None, address: str | None,
            authorization: str | None, contact: list[bool]) -> Outcome:
    if device is not None:
        hit_device_limit(state, device.id)
    elif current_app.config["RATELIMIT_ENABLED"]:
        _hit_address(state, address)
    submission = parse_submission(document)
    staff = None
    if submission.device_token is not None and device is None:
        raise ApiError(
            403,
            [field_error("device_token", _("Mã máy tính bảng không đúng hoặc máy đã ngừng sử dụng."), "unknown_device")],
        )
    if submission.device_token is None:
        staff = _submitting_staff(state, authorization, submission)
    try:
        return _store(state, submission, device, staff, contact)
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        repeat = _repeat_outcome(submission)  # a refusal now, but maybe stored before
        if repeat is None:
            raise
        return repeat


def _submitting_staff(state: ApiState, authorization: str | None, submission: Submission) -> StaffTokenInfo:
    """The staff member whose token vouches for a submission with a unit code; else ApiError 401/403/422."""
    staff = state.lookups.staff_token(db.session, authorization)
    if staff is None:
        raise refusal(
            401, "unauthorized",
            _("Phiếu gửi theo mã đơn vị cần mã truy cập API của cán bộ (Authorization: Bearer …); "
              "máy tính bảng tại quầy gửi kèm device_token."),
            headers={"WWW-Authenticate": 'Bearer realm="sipas"'},
        )
    if staff.role not in SUBMITTING_ROLES:
        raise refusal(403, "forbidden", _("Chỉ thống kê viên và quản trị viên được gửi phiếu theo mã đơn vị."))
    if submission.channel is Channel.COUNTER:
        message = _("Phiếu kênh counter chỉ được gửi từ máy tính bảng đã đăng ký (device_token).")
        raise refusal(422, "invalid_choice", message, field="channel")
    return staff


def _record_contact(state: ApiState, device: DeviceInfo) -> None:
    """Write Device.last_seen_at on its own (for a request that stored nothing), at most once per resolution."""
    if not state.lookups.device_seen_is_due(device.id):
        return
    committer = state.committer(db.engine)
    with committer.gate.held(), db.engine.begin() as connection:
        connection.execute(
            update(Device.__table__).where(Device.__table__.c.id == device.id).values(last_seen_at=utcnow())
        )


def _store(state: ApiState, submission: Submission, device: DeviceInfo | None, staff: StaffTokenInfo | None,
           contact: list[bool]) -> Outcome:
    now = utcnow()
    moment = submission.submitted_at or now
    if moment > now + timedelta(minutes=5):
        moment = now  # a clock running ahead: the same rule as survey.domain.responses
    day = moment.astimezone(LOCAL_TZ).date()

    if device is not None:
        unit_id, unit_code = device.unit_id, device.unit_code
    else:
        assert submission.unit is not None and staff is not None
        unit = state.lookups.unit(db.session, submission.unit, day)
        if unit is None:
            raise ApiError(
                422, [field_error("unit", _("Không có đơn vị nào mang mã %(code)s.", code=submission.unit), "unknown_unit")]
            )
        if not staff.covers(unit.id):
            message = _("Đơn vị %(code)s nằm ngoài phạm vi của tài khoản gửi phiếu.", code=unit.code)
            raise refusal(403, "forbidden", message, field="unit")
        unit_id, unit_code = unit.id, unit.code
    survey_round = state.lookups.round(db.session, unit_id, submission.channel, day)
    if survey_round is None:
        raise ApiError(
            409,
            [
                field_error(
                    "channel",
                    _(
                        "Đơn vị %(unit)s không có đợt khảo sát nào mở cho kênh %(channel)s vào ngày %(day)s.",
                        unit=unit_code,
                        channel=submission.channel.value,
                        day=day.isoformat(),
                    ),
                    "no_open_round",
                )
            ],
        )
    _check_version(submission, survey_round)
    try:
        row = prepare_response(
            questionnaire=survey_round.questionnaire,
            numeric_items=survey_round.numeric_items,
            version_id=survey_round.version_id,
            round_id=survey_round.round_id,
            unit_id=unit_id,
            channel=submission.channel,
            answers=submission.answers,
            response_uuid=submission.uuid,
            device_id=device.id if device else None,
            submitted_at=submission.submitted_at,
            now=now,
        )
    except SubmissionError as exc:
        raise ApiError(
            422,
            [field_error(f"answers.{code}", answer_problem_text(problem), getattr(problem, "key", "invalid"))
             for code, problem in list(exc.errors.items())[:50]],
        ) from None
    if db.session.registry.has():
        db.session.close()  # end the lookups' read transaction before writing

    claimed_at = submission.submitted_at or now
    claim = interval_claim(state, device.id, claimed_at, str(submission.uuid)) if device is not None else None
    job = state.committer(db.engine).store(Job(
        row=row,
        device_id=device.id if device else None,
        claim=claim,
        touch_device=device is not None and state.lookups.device_seen_is_due(device.id),
    ))
    contact.append(job.touch_device)
    if job.error is not None:
        raise job.error
    if job.conflict is not None:
        raise min_interval_refusal(job.conflict, claimed_at, client_time=submission.submitted_at is not None)
    created = job.created
    if created:
        return Outcome(201, {"uuid": str(submission.uuid), "status": "created"})
    repeat = _repeat_outcome(submission)
    assert repeat is not None  # the INSERT found the UUID, and responses are never deleted
    return repeat


def _check_version(submission: Submission, survey_round: RoundInfo) -> None:
    if (submission.questionnaire, submission.version) == (survey_round.questionnaire_code, survey_round.version):
        return
    message = _(
        "Đợt khảo sát này dùng bảng hỏi %(questionnaire)s phiên bản %(version)s.",
        questionnaire=survey_round.questionnaire_code,
        version=survey_round.version,
    )
    errors = []
    if submission.questionnaire != survey_round.questionnaire_code:
        errors.append(field_error("questionnaire", message, "questionnaire_mismatch"))
    if submission.version != survey_round.version:
        errors.append(field_error("version", message, "version_mismatch"))
    raise ApiError(409, errors)


def min_interval_refusal(conflict: float, moment: datetime, client_time: bool) -> ApiError:
    """A new response (at ``moment``) too close to another of the same device (at ``conflict``)."""
    interval = float(current_app.config["KIOSK_MIN_INTERVAL_SECONDS"])
    seconds = f"{interval:g}"
    if client_time:
        # The client's time will not change on a retry: a permanent refusal (a double tap).
        return ApiError(
            422,
            [field_error(
                "submitted_at",
                _("Hai phiếu mới từ cùng một máy tính bảng phải cách nhau ít nhất %(seconds)s giây.", seconds=seconds),
                "min_interval",
            )],
        )
    retry_after = max(1, math.ceil(conflict + interval - moment.timestamp()))
    return ApiError(
        429,
        [field_error(
            "",
            _(
                "Hai phiếu mới từ cùng một máy tính bảng phải cách nhau ít nhất %(seconds)s giây; vui lòng thử lại sau %(retry)d giây.",
                seconds=seconds,
                retry=retry_after,
            ),
            "min_interval",
        )],
        headers={"Retry-After": str(retry_after)},
    )


def _canonical(answers: Any) -> str:
    return json.dumps(answers, sort_keys=True, separators=(",", ":"))


def _repeat_outcome(submission: Submission) -> Outcome | None:
    """How to answer a submission whose UUID is stored already; None when it is not stored.

    The same content (answers, questionnaire and version, unit or device,
    channel) is a repeat: 200 ``duplicate``, as the first answer was lost. Other
    content under a stored UUID is a client fault: 409 ``uuid_conflict``.
    """
    stored = db.session.execute(
        select(
            Response.answers,
            Response.channel,
            Questionnaire.code,
            QuestionnaireVersion.version,
            Unit.code,
            Device.token_hash,
        )
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Response.questionnaire_version_id)
        .join(Questionnaire, Questionnaire.id == QuestionnaireVersion.questionnaire_id)
        .join(Unit, Unit.id == Response.unit_id)
        .outerjoin(Device, Device.id == Response.device_id)
        .where(Response.uuid == submission.uuid)
    ).first()
    db.session.close()
    if stored is None:
        return None
    answers, channel, questionnaire_code, version, unit_code, token_hash = stored
    if submission.device_token is not None:
        same_source = token_hash == hash_token(submission.device_token)
    else:
        same_source = token_hash is None and unit_code == submission.unit
    same = (
        same_source
        and channel == submission.channel
        and (questionnaire_code, version) == (submission.questionnaire, submission.version)
        and _canonical(answers) == _canonical(submission.answers)
    )
    if same:
        return Outcome(200, {"uuid": str(submission.uuid), "status": "duplicate"})
    raise ApiError(
        409,
        [field_error("uuid", _("UUID này đã được dùng cho một phiếu có nội dung khác."), "uuid_conflict")],
    )
