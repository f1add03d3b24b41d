"""The demo: units, staff, questionnaires, rounds and synthetic responses.

Everything random comes from one seeded generator, so the demo numbers are the
same on every machine. Seeding twice changes nothing.
"""

from __future__ import annotations

import os
import uuid as uuid_module
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey import QUESTIONNAIRES_DIR
from survey.domain.demo_dossiers import seed_demo_dossiers
from survey.domain.devices import register_device
from survey.domain.questionnaires import QuestionnaireDefinition, load_questionnaire
from survey.domain.questionnaires.store import publish
from survey.domain.responses import build_response
from survey.domain.units import find_unit, seed_provinces
from survey.i18n import LOCAL_TZ, current_language, gettext
from survey.models import (
    Channel,
    Role,
    RoundKind,
    StaffUser,
    SurveyRound,
    Unit,
    UnitKind,
)

DEMO_SEED = 20260701
DEMO_PASSWORD = "sipas-demo"
DEMO_URLS_FILE = "demo-urls.txt"  # in the instance folder, 0600: the kiosk URLs carry the tablets' tokens

# Demo communes/wards and service centres under three current provinces.
# The codes are illustrative, not official commune codes.
DEMO_UNITS: list[tuple[str, str, UnitKind, str]] = [
    ("01-TTPV", "Trung tâm Phục vụ hành chính công Thành phố Hà Nội", UnitKind.SERVICE_CENTRE, "01"),
    ("01-SNV", "Sở Nội vụ Thành phố Hà Nội", UnitKind.DEPARTMENT, "01"),
    ("00004", "Phường Ba Đình", UnitKind.COMMUNE, "01"),
    ("00070", "Phường Hoàn Kiếm", UnitKind.COMMUNE, "01"),
    ("09955", "Xã Sóc Sơn", UnitKind.COMMUNE, "01"),
    ("08-TTPV", "Trung tâm Phục vụ hành chính công tỉnh Tuyên Quang", UnitKind.SERVICE_CENTRE, "08"),
    ("02269", "Phường Minh Xuân", UnitKind.COMMUNE, "08"),
    ("00688", "Phường Hà Giang 1", UnitKind.COMMUNE, "08"),
    ("48-TTPV", "Trung tâm Phục vụ hành chính công Thành phố Đà Nẵng", UnitKind.SERVICE_CENTRE, "48"),
    ("20194", "Phường Hải Châu", UnitKind.COMMUNE, "48"),
    ("20333", "Phường Tam Kỳ", UnitKind.COMMUNE, "48"),
]
DEMO_DEVICES = [
    ("01-TTPV", "Quầy 1"),
    ("01-TTPV", "Quầy 2"),
    ("00004", "Quầy 1"),
    ("08-TTPV", "Quầy 1"),
    ("00688", "Quầy 1"),
    ("48-TTPV", "Quầy 1"),
    ("20194", "Quầy 1"),
]
DEMO_STAFF = [
    ("admin", "Quản trị hệ thống", Role.ADMIN, None),
    ("thongke", "Chuyên viên thống kê Sở Nội vụ", Role.STATISTICIAN, None),
    ("quanly.hanoi", "Lãnh đạo UBND Thành phố Hà Nội", Role.MANAGER, "01"),
    ("quanly.tuyenquang", "Lãnh đạo UBND tỉnh Tuyên Quang", Role.MANAGER, "08"),
    ("quanly.badinh", "Chủ tịch UBND Phường Ba Đình", Role.MANAGER, "00004"),
]


@dataclass
class DemoReport:
    created: bool
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """What was created, in the current language: 'đơn vị: 108; ...; phiếu trả lời: 5.109'."""
        from babel.numbers import format_decimal

        language = current_language()
        return "; ".join(
            f"{gettext(COUNT_LABELS[name])}: {format_decimal(n, locale=language)}" for name, n in self.counts.items()
        )


def N_(message: str) -> str:
    """Mark a label for translation where it is shown."""
    return message


COUNT_LABELS = {
    "units": N_("đơn vị"),
    "lineage links": N_("liên kết kế thừa"),
    "staff users": N_("tài khoản cán bộ"),
    "questionnaires": N_("bảng hỏi"),
    "rounds": N_("đợt khảo sát"),
    "devices": N_("máy tính bảng"),
    "responses": N_("phiếu trả lời"),
    "dossiers": N_("hồ sơ"),
    "releases": N_("bản công bố"),
}


class SyntheticRespondents:
    """Answers with realistic variation: unit and item effects on the chance of satisfaction."""

    def __init__(self, questionnaire: QuestionnaireDefinition, rng: np.random.Generator):
        self.questionnaire = questionnaire
        self.rng = rng
        self.item_effect = {item.code: rng.normal(0.0, 0.35) for item in questionnaire.items}

    def answers(self, unit_effect: float) -> dict[str, Any]:
        rng = self.rng
        person = rng.normal(0.0, 0.8)
        answers: dict[str, Any] = {}
        for item in self.questionnaire.items:
            if item.expression is not None and not item.expression.evaluate(answers):
                continue
            if not item.required and rng.random() < 0.04:
                continue  # left blank
            value = self._answer(item, unit_effect + person)
            if value is not None:
                answers[item.code] = value
        return answers

    def _answer(self, item: Any, effect: float) -> Any:
        rng = self.rng
        codes = item.option_codes
        if item.type == "satisfaction":
            if item.not_experienced and rng.random() < 0.04:
                return 9
            p_satisfied = 1.0 / (1.0 + np.exp(-(1.6 + effect + self.item_effect[item.code])))
            if rng.random() < p_satisfied:
                return 5 if rng.random() < 0.33 else 4
            return int(rng.choice([1, 2, 3], p=[0.12, 0.28, 0.60]))
        if item.type == "scale4":
            return int(rng.choice(codes, p=[0.06, 0.14, 0.40, 0.40][: len(codes)]))
        if item.type in ("yesno", "single"):
            weights = np.linspace(1.6, 0.4, len(codes))
            if item.type == "yesno" and "feedback" in item.code:
                weights = np.array([0.2, 0.8])
            return codes[int(rng.choice(len(codes), p=weights / weights.sum()))]
        if item.type == "multiple":
            pick = [c for c in codes if c not in item.exclusive and rng.random() < 0.3]
            return pick or [codes[0]]
        if item.type == "number":
            low = item.min if item.min is not None else 0
            high = item.max if item.max is not None else low + 10
            return int(rng.integers(int(low), int(high) + 1))
        if item.type == "text":
            if rng.random() < 0.1:
                return str(rng.choice(COMMENTS))
            return None
        return None


COMMENTS = [
    "Cán bộ hướng dẫn tận tình, thủ tục nhanh.",
    "Phải chờ lâu, nên có thêm quầy vào buổi sáng.",
    "Mong được nộp hồ sơ trực tuyến dễ hơn.",
    "Phòng chờ nóng, thiếu ghế ngồi.",
    "Kết quả trả đúng hẹn, cảm ơn.",
    "Hướng dẫn trên cổng dịch vụ công còn khó hiểu.",
]


def _units_by_code(session: Session, codes: list[str], on: date) -> dict[str, Unit]:
    result = {}
    for code in codes:
        unit = find_unit(session, code, on)
        if unit is None:
            raise LookupError(f"demo: unit {code} missing")
        result[code] = unit
    return result


def seed_demo(
    session: Session, instance_path: Path, questionnaire_dir: Path | None = None, scale: float = 1.0
) -> DemoReport:
    """Seed the demo once; a second call finds the demo admin and does nothing.

    ``scale`` shrinks or grows the number of synthetic responses (tests use less).
    """
    if session.scalar(select(StaffUser).where(StaffUser.login == "admin")) is not None:
        return DemoReport(created=False)
    rng = np.random.default_rng(DEMO_SEED)
    today = date.today()
    year = today.year
    counts: dict[str, int] = {}

    units_created, links = seed_provinces(session)
    counts["units"] = units_created
    counts["lineage links"] = links
    provinces = {
        u.code: u
        for u in session.scalars(select(Unit).where(Unit.kind == UnitKind.PROVINCE, Unit.valid_from.is_not(None)))
    }
    former = {
        u.code: u
        for u in session.scalars(select(Unit).where(Unit.kind == UnitKind.PROVINCE, Unit.valid_from.is_(None)))
    }
    for code, name, kind, province_code in DEMO_UNITS:
        session.add(Unit(code=code, name=name, kind=kind, parent=provinces[province_code], valid_from=date(2025, 7, 1)))
    session.flush()
    counts["units"] += len(DEMO_UNITS)

    for login_name, display, role, scope in DEMO_STAFF:
        user = StaffUser(login=login_name, display_name=display, role=role)
        user.unit = find_unit(session, scope, today) if scope else None
        user.set_password(DEMO_PASSWORD)
        session.add(user)
    counts["staff users"] = len(DEMO_STAFF)

    qdir = questionnaire_dir or QUESTIONNAIRES_DIR
    versions = {}
    for name in ("sipas-service", "counter-quick"):
        path = qdir / f"{name}.yaml"
        questionnaire = load_questionnaire(path)
        versions[name], _created = publish(session, questionnaire, path.read_text(encoding="utf-8"))
    counts["questionnaires"] = len(versions)

    def year_round(code: str, name: str, questionnaire: str, round_year: int, channels: list[str], units,
                   design: dict | None = None, kind: RoundKind = RoundKind.YEARLY_SAMPLE) -> SurveyRound:
        survey_round = SurveyRound(code=code, name=name, questionnaire_version=versions[questionnaire],
                                   starts_on=date(round_year, 1, 1), ends_on=date(round_year, 12, 31),
                                   kind=kind, channels=channels, units=list(units))
        if design is not None:  # unset stays SQL NULL (an explicit None would be JSON null)
            survey_round.sampling_design = design
        return survey_round

    sipas_now = year_round(f"sipas-{year}", f"SIPAS {year}", "sipas-service", year, ["paper", "online", "phone"],
                           sorted(provinces.values(), key=lambda u: u.code),
                           {"strata": "province", "psu": "commune", "weights": "dossiers completed"})
    sipas_before = year_round("sipas-2024", "SIPAS 2024", "sipas-service", 2024, ["paper"],
                              sorted(former.values(), key=lambda u: u.code), {"strata": "province", "psu": "commune"})
    counter = year_round(f"counter-{year}", f"Đánh giá tại quầy {year}", "counter-quick", year, ["counter"],
                         [provinces["01"], provinces["08"], provinces["48"]], kind=RoundKind.CONTINUOUS_COUNTER)
    session.add_all([sipas_now, sipas_before, counter])
    session.flush()
    counts["rounds"] = 3

    demo_units = _units_by_code(session, [code for code, *_ in DEMO_UNITS], today)
    device_lines = []
    devices = []
    for unit_code, label in DEMO_DEVICES:
        device, token = register_device(session, demo_units[unit_code], label)
        devices.append(device)
        device_lines.append(f"  {{base}}/k/{token}   ({device.unit.name} · {label})")
    counts["devices"] = len(devices)

    counts["responses"] = _seed_sipas(session, rng, sipas_now, sorted(provinces.values(), key=lambda u: u.code), max(2, round(60 * scale)), date(year, 3, 1))
    counts["responses"] += _seed_sipas(session, rng, sipas_before, sorted(former.values(), key=lambda u: u.code), max(2, round(25 * scale)), date(2024, 6, 1))
    counts["responses"] += _seed_counter(session, rng, counter, devices, max(10, round(1500 * scale)), today)
    counts["dossiers"] = seed_demo_dossiers(
        session, [u for code, u in demo_units.items() if u.kind != UnitKind.DEPARTMENT], scale=scale,
        seed=DEMO_SEED + 766)
    session.commit()
    counts["releases"] = _seed_releases(session, [sipas_before, sipas_now, counter])
    session.commit()

    _write_urls(instance_path, device_lines)
    return DemoReport(created=True, counts=counts)


def _seed_sipas(
    session: Session, rng: np.random.Generator, survey_round: SurveyRound, units: list[Unit], per_unit: int, day: date
) -> int:
    from survey.domain.responses import questionnaire_for

    respondents = SyntheticRespondents(questionnaire_for(survey_round.questionnaire_version), rng)
    batch = []
    for unit in units:
        effect = rng.normal(0.0, 0.45)
        size = int(rng.integers(int(per_unit * 0.7), int(per_unit * 1.3) + 1))
        for _ in range(size):
            submitted = datetime.combine(day + timedelta(days=int(rng.integers(0, 150))), time(9), LOCAL_TZ)
            batch.append(build_response(
                survey_round=survey_round,
                unit=unit,
                channel=Channel.PAPER,
                answers=respondents.answers(effect),
                response_uuid=uuid_module.UUID(bytes=rng.bytes(16), version=4),
                submitted_at=submitted,
            ))
    session.add_all(batch)
    session.flush()
    return len(batch)


def _seed_counter(
    session: Session, rng: np.random.Generator, survey_round: SurveyRound, devices: list, total: int, today: date
) -> int:
    from survey.domain.responses import questionnaire_for

    respondents = SyntheticRespondents(questionnaire_for(survey_round.questionnaire_version), rng)
    effects = rng.normal(0.0, 0.6, size=len(devices))
    now = datetime.now(LOCAL_TZ)
    batch = []
    for _ in range(total):
        k = int(rng.integers(len(devices)))
        days_ago = int(rng.integers(0, 56))
        day = today - timedelta(days=days_ago)
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        moment = datetime.combine(day, time(int(rng.integers(7, 17)), int(rng.integers(0, 60))), LOCAL_TZ)
        if moment > now:
            moment = now - timedelta(minutes=int(rng.integers(1, 600)))
        batch.append(build_response(
            survey_round=survey_round,
            unit=devices[k].unit,
            channel=Channel.COUNTER,
            answers=respondents.answers(effects[k]),
            response_uuid=uuid_module.UUID(bytes=rng.bytes(16), version=4),
            device=devices[k],
            submitted_at=moment,
        ))
    session.add_all(batch)
    session.flush()
    return total


def _seed_releases(session: Session, rounds: list[SurveyRound]) -> int:
    """A computed and published release per round (earlier rounds first, so later ones show the change)."""
    from survey.domain.releases import compute_release

    for survey_round in rounds:  # published at once: the microdata frozen from the arrays computed from
        compute_release(session, survey_round, title=f"{survey_round.name} – kết quả chính thức", publish=True)
    return len(rounds)


def _write_urls(instance_path: Path, device_lines: list[str]) -> None:
    instance_path.mkdir(parents=True, exist_ok=True)
    text = "\n".join(
        [
            ("{base}: địa chỉ của máy chủ SIPAS, ví dụ http://127.0.0.1:5000 (`sipas serve` in ra đường dẫn đầy đủ) /"
             " the SIPAS server's address, e.g. http://127.0.0.1:5000 (`sipas serve` prints the full links)"),
            "Máy tính bảng tại quầy / counter kiosks:",
            *device_lines,
            "Khảo sát trực tuyến / online surveys:",
            "  {base}/s/00004   (Phường Ba Đình: SIPAS)",
            "  {base}/s/08   (Tỉnh Tuyên Quang: SIPAS)",
            "Trang cán bộ / staff dashboard:",
            "  {base}/staff/",
            f"  admin, thongke, quanly.hanoi, quanly.tuyenquang, quanly.badinh — mật khẩu / password: {DEMO_PASSWORD}",
        ]
    )
    path = instance_path / DEMO_URLS_FILE
    # Created 0600 (and made so if it was there before) before any token is written into it.
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as out:
        os.fchmod(out.fileno(), 0o600)
        out.write(text + "\n")
