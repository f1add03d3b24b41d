"""The demo's dossiers of Decision 766: four months of the demo units' one-stop-shop dossiers.

They enter the way a province's dossiers do: the portal unit codes are mapped,
the procedure catalogue is stored, and every dossier arrives as the portal's
events (``DongBoHoSoMC`` when received, ``CapNhatTienDoHoSoMC`` when handled and
returned, ``PAKN`` for a feedback) through :func:`intake_events`; citizens'
ratings go through :func:`save_rating` with the dossier rating form. So the
Decision 766 page of the demo shows a month's score, its trend, the dossiers
that cost points by procedure, unit and desk, and the Circular 01 report.

Everything random comes from its own seeded generator (the rest of the demo
keeps its numbers); dates are the last three months and this month up to
now, as for the counter ratings. Portal codes (``H01.00004``) and procedure
codes are illustrative, not the national catalogue's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey import QUESTIONNAIRES_DIR
from survey.domain.dossiers.intake import intake_events
from survey.domain.dossiers.portal import COMPLAINT, PROGRESS, SYNC, portal_time_text
from survey.domain.dossiers.rating import FORM_FILE, save_rating
from survey.domain.dossiers.scoring import current_definition
from survey.domain.questionnaires import load_questionnaire
from survey.i18n import LOCAL_TZ
from survey.models import Dossier, PortalUnitCode, Procedure, Unit

SOURCE = "demo-motcua"  # the demo's one-stop-shop system
MONTHS = 4  # this month and the three before it
PER_UNIT_MONTH = 45  # dossiers received by a unit in a month (scaled by the demo's scale)
RATED = 0.45  # share of returned dossiers that their citizen rates
WITH_PAKN = 0.015  # share of dossiers that draw a feedback (PAKN)
DESKS = ("Quầy 1", "Quầy 2", "Quầy 3")


@dataclass(frozen=True)
class DemoProcedure:
    code: str
    name: str
    field_name: str
    working_days: int  # the due date: this many working days after receipt


PROCEDURES = (
    DemoProcedure("1.001193", "Đăng ký khai sinh", "Hộ tịch", 1),
    DemoProcedure("1.000894", "Đăng ký kết hôn", "Hộ tịch", 3),
    DemoProcedure("2.000815", "Chứng thực bản sao từ bản chính", "Chứng thực", 1),
    DemoProcedure("1.004227", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "Xây dựng", 15),
    DemoProcedure("1.001612", "Đăng ký thành lập hộ kinh doanh", "Thành lập và hoạt động của hộ kinh doanh", 3),
    DemoProcedure("1.003596", "Cấp đổi giấy chứng nhận quyền sử dụng đất", "Đất đai", 7),
)
PROCEDURE_SHARE = np.array([0.3, 0.12, 0.3, 0.06, 0.1, 0.12])


def seed_demo_dossiers(session: Session, units: list[Unit], *, scale: float = 1.0, seed: int = 0,
                       now: datetime | None = None) -> int:
    """Store the demo units' dossiers, PAKN and ratings of the last ``MONTHS`` months; the number of dossiers.

    Flushes, never commits (the demo commits once).
    """
    rng = np.random.default_rng(seed)
    now = (now or datetime.now(UTC)).astimezone(LOCAL_TZ)
    definition = current_definition()
    form = load_questionnaire(QUESTIONNAIRES_DIR / FORM_FILE)
    session.add_all(Procedure(code=p.code, name=p.name, field_name=p.field_name) for p in PROCEDURES)
    portal_codes = {}
    for unit in units:
        province = unit.parent.code if unit.parent is not None else unit.code
        portal_codes[unit.id] = f"H{province}.{unit.code}"
        session.add(PortalUnitCode(portal_code=portal_codes[unit.id], unit_id=unit.id))
    session.flush()

    events: list[dict[str, Any]] = []
    ratings: list[tuple[str, datetime, str, dict[str, Any]]] = []  # dossier code, when, channel, answers
    per_month = max(3, round(PER_UNIT_MONTH * scale))
    first = date(now.year, now.month, 1)
    for back in range(MONTHS - 1, -1, -1):
        month = _add_months(first, -back)
        for unit in units:
            quality = rng.normal(0.0, 1.0)  # a unit's month: later, more complaints, fewer satisfied
            for k in range(per_month):
                dossier = _Dossier.draw(rng, unit, portal_codes[unit.id], month, k, quality, definition)
                if dossier.received > now:
                    continue
                events.extend(dossier.events(now))
                rating = dossier.rating(rng, now, quality)
                if rating is not None:
                    ratings.append(rating)
    for start in range(0, len(events), 5000):
        report = intake_events(session, events[start:start + 5000], source=SOURCE, now=now.astimezone(UTC))
        if report.refused or report.duplicates:  # the demo's own events: a refusal is a bug here
            raise RuntimeError(f"demo dossier events refused: {report.errors[:3]}")
    dossiers = {d.code: d for d in session.scalars(select(Dossier).where(Dossier.source == SOURCE))}
    for code, moment, channel, answers in ratings:
        save_rating(session, dossiers[code], form, answers, channel=channel, definition=definition,
                    change_hours=24, now=moment.astimezone(UTC))
    return len(dossiers)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass
class _Dossier:
    code: str
    unit_code: str
    procedure: DemoProcedure
    desk: str
    channel: int
    received: datetime
    due: datetime
    handled: datetime
    returned: datetime
    pakn: datetime | None
    pakn_handled: datetime | None = None
    pakn_votes: tuple[int, int, int] = (0, 0, 0)  # likes, dislikes, follow-up complaint

    @classmethod
    def draw(cls, rng: np.random.Generator, unit: Unit, portal_code: str, month: date, k: int, quality: float,
             definition: Any) -> _Dossier:
        procedure = PROCEDURES[int(rng.choice(len(PROCEDURES), p=PROCEDURE_SHARE))]
        working = np.busday_offset(np.datetime64(month, "D"), 0, roll="forward", weekmask=definition.weekmask,
                                   holidays=definition.holidays)
        n_working = int(np.busday_count(np.datetime64(month, "D"), np.datetime64(_add_months(month, 1), "D"),
                                        weekmask=definition.weekmask, holidays=definition.holidays))
        day = np.busday_offset(working, int(rng.integers(n_working)), weekmask=definition.weekmask,
                               holidays=definition.holidays)
        received = datetime.combine(day.astype(date), time(int(rng.integers(7, 17)), int(rng.integers(0, 60))),
                                    LOCAL_TZ)
        due_day = np.busday_offset(day, procedure.working_days, weekmask=definition.weekmask,
                                   holidays=definition.holidays).astype(date)
        due = datetime.combine(due_day, time(16, 30), LOCAL_TZ)
        late = rng.random() < 0.05 + 0.03 * max(quality, 0.0)
        if late:
            handled = due + timedelta(days=int(rng.integers(1, 6)), hours=int(rng.integers(0, 6)))
        else:
            handled = due - timedelta(hours=float(rng.uniform(1, 24 * max(procedure.working_days, 1))))
            handled = max(handled, received + timedelta(minutes=30))
        returned = handled + timedelta(minutes=int(rng.integers(10, 240)))
        pakn = None
        if rng.random() < WITH_PAKN * (1.0 + max(quality, 0.0)):
            pakn = returned + timedelta(days=int(rng.integers(0, 4)), hours=2)
        code = f"{portal_code}-{received:%y%m%d}-{k + 1:04d}"
        dossier = cls(code, portal_code, procedure, DESKS[int(rng.integers(len(DESKS)))],
                      2 if rng.random() < 0.3 else 1, received, due, handled, returned, pakn)
        if pakn is not None:  # most PAKN are answered within the deadline of 5.2, a few later
            deadline = definition.rule("5.2").deadline_working_days or 10
            days = int(rng.integers(1, deadline)) if rng.random() < 0.85 else deadline + int(rng.integers(1, 6))
            answered = np.busday_offset(np.datetime64(pakn.date(), "D"), days, roll="forward",
                                        weekmask=definition.weekmask, holidays=definition.holidays)
            dossier.pakn_handled = datetime.combine(answered.astype(date), time(15), LOCAL_TZ)
            unhappy = rng.random() < 0.2
            dossier.pakn_votes = (int(rng.integers(0, 2 if unhappy else 5)), int(rng.integers(1, 4)) if unhappy else 0,
                                  int(unhappy and rng.random() < 0.5))
        return dossier

    def events(self, now: datetime) -> list[dict[str, Any]]:
        """The portal's events of this dossier that have happened by ``now``."""
        out = [{"LoaiSuKien": SYNC, "ThoiGianSuKien": portal_time_text(self.received), "MaHoSo": self.code,
                "MaTTHC": self.procedure.code, "DonViXuLy": self.unit_code, "KenhThucHien": self.channel,
                "MaQuay": self.desk, "NgayTiepNhan": portal_time_text(self.received),
                "NgayHenTra": portal_time_text(self.due)}]
        if self.handled <= now:
            progress = {"LoaiSuKien": PROGRESS, "ThoiGianSuKien": portal_time_text(self.handled),
                        "MaHoSo": self.code, "DonViXuLy": self.unit_code,
                        "NgayKetThucXuLy": portal_time_text(self.handled)}
            if self.returned <= now:
                progress |= {"ThoiGianSuKien": portal_time_text(self.returned),
                             "NgayTra": portal_time_text(self.returned)}
            out.append(progress)
        if self.pakn is not None and self.pakn <= now:
            out.append({"LoaiSuKien": COMPLAINT, "ThoiGianSuKien": portal_time_text(self.pakn),
                        "MaPAKN": f"PAKN-{self.code}", "MaHoSo": self.code, "DonViXuLy": self.unit_code,
                        "PhanLoai": "Phản ánh về thời gian giải quyết", "NgayTiepNhan": portal_time_text(self.pakn)})
            if self.pakn_handled is not None and self.pakn_handled <= now:
                likes, dislikes, follow_up = self.pakn_votes
                out.append({"LoaiSuKien": COMPLAINT, "ThoiGianSuKien": portal_time_text(self.pakn_handled),
                            "MaPAKN": f"PAKN-{self.code}", "DonViXuLy": self.unit_code,
                            "NgayKetThucXuLy": portal_time_text(self.pakn_handled), "SoLuotThich": likes,
                            "SoLuotKhongThich": dislikes, "KhieuNaiTiep": follow_up})
        return out

    def rating(self, rng: np.random.Generator, now: datetime, quality: float
               ) -> tuple[str, datetime, str, dict[str, Any]] | None:
        """The citizen's rating (code, moment, channel, answers), if this dossier is rated by ``now``."""
        if rng.random() >= RATED:
            return None
        moment = self.returned + timedelta(minutes=int(rng.integers(2, 60 * 48)))
        if moment > now:
            return None
        unhappy = 0.03 + 0.05 * max(quality, 0.0) + (0.25 if self.pakn is not None else 0.0)

        def points() -> int:
            u = rng.random()
            return 0 if u < unhappy / 2 else 1 if u < 0.35 else 2

        answers: dict[str, Any] = {f"chi_so_{n}": points() for n in (2, 3, 4, 6, 7, 8)}
        answers["truc_tuyen"] = 1 if self.channel == 2 else 2  # yes / no
        if self.channel == 2:
            answers["chi_so_9"] = points()
        u = rng.random()
        answers["muc_do_hai_long"] = 0 if u < unhappy else 1 if u < 0.5 else 2
        return self.code, moment, "kiosk" if rng.random() < 0.4 else "link", answers
