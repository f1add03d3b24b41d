"""Decision 766 from an empty database: a one-stop-shop posts 10,000 dossier events through the API, citizens
rate a sample through the link and at the return desk's kiosk, and November's 5.4 score is the hand-computed one.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

from sqlalchemy import func, select

from survey.domain.dossiers import add_credential, month_score
from survey.domain.dossiers.rating import rating_token
from survey.models import Dossier, DossierRating, Response, Role, StaffUser
from tests.dossier_fixtures import portal_units

URL = "/api/v1/dossiers/events"
PASSWORD = "mật-khẩu-đủ-dài"
ANSWERS = {"chi_so_2": "2", "chi_so_3": "1", "chi_so_4": "2", "chi_so_6": "1", "chi_so_7": "2", "chi_so_8": "2",
           "truc_tuyen": "2"}
RATED_AT = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)  # the citizens rate on 30/11, inside the month judged


def _events(rng: random.Random) -> tuple[list, int]:
    """3,000 dossiers of November (every 4th handled an hour after its due time), shuffled, 500 resent, 500 bad."""
    events = []
    for n in range(3000):
        code, day = f"H26.189-2611-{n:05d}", 2 + n % 27
        base = {"MaHoSo": code, "DonViXuLy": "H26.189"}
        events.append({**base, "LoaiSuKien": "DongBoHoSoMC", "ThoiGianSuKien": f"202611{day:02d}080000",
                       "MaTTHC": "1.001234", "KenhThucHien": 1, "NgayTiepNhan": f"202611{day:02d}080000",
                       "NgayHenTra": f"202611{day + 1:02d}170000"})
        handled = f"202611{day + 1:02d}{'18' if n % 4 == 0 else '10'}0000"
        events.append({**base, "LoaiSuKien": "CapNhatTienDoHoSoMC", "ThoiGianSuKien": handled,
                       "NgayKetThucXuLy": handled})
        events.append({**base, "LoaiSuKien": "CapNhatTienDoHoSoMC", "ThoiGianSuKien": f"202611{day + 1:02d}190000",
                       "NgayTra": f"202611{day + 1:02d}190000"})
    rng.shuffle(events)  # out of order: progress may arrive before the dossier it updates
    events += rng.sample(events, 500)  # a retried request
    for n in range(500):
        bad = {"LoaiSuKien": "DongBoHoSoMC", "ThoiGianSuKien": "20261103080000", "MaHoSo": f"BAD-{n}",
               "MaTTHC": "1.001234", "DonViXuLy": "H26.189", "NgayTiepNhan": "03/11/2026"}
        events.insert(rng.randrange(len(events)), bad)
    return events, 500


def test_dossiers_from_a_one_stop_shop_and_citizens_ratings_give_the_hand_computed_score(
        app, client, db_session, make_unit, monkeypatch):
    units = portal_units(db_session, make_unit)
    _credential, secret = add_credential(db_session, "Một cửa H26", units["province"])
    officer = StaffUser(login="tra-ket-qua", display_name="Bộ phận trả kết quả", role=Role.MANAGER,
                        unit_id=units["commune"].id)
    officer.set_password(PASSWORD)
    db_session.add(officer)
    db_session.commit()

    events, malformed = _events(random.Random(766))
    assert len(events) == 10_000
    totals = [0, 0, 0]
    for start in range(0, len(events), 2500):  # four requests, as a system sends its queue
        answer = client.post(URL, data=json.dumps({"events": events[start:start + 2500]}),
                             content_type="application/json", headers={"Authorization": f"Bearer {secret}"})
        assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
        body = answer.get_json()
        totals = [totals[0] + body["stored"], totals[1] + body["duplicates"], totals[2] + body["refused"]]
        for result in body["results"]:
            if result["status"] == "refused":
                assert result["code"].startswith("BAD-")
                assert result["errors"][0]["field"] == "NgayTiepNhan"
                assert "03/11/2026" in result["errors"][0]["message"]
    assert totals == [9000, 500, malformed]
    assert db_session.scalar(select(func.count()).select_from(Dossier)) == 3000

    # Citizens rate 60 dossiers: 40 through the link on their slip, 20 at the return desk's kiosk.
    monkeypatch.setattr("survey.domain.dossiers.rating.utcnow", lambda: RATED_AT)
    monkeypatch.setattr("survey.web.dossiers.rating.utcnow", lambda: RATED_AT)
    sample = random.Random(18).sample(range(3000), 60)
    unhappy = set(sample[:24])  # 24 choose "Không hài lòng"
    dossiers = {d.code: d for d in db_session.scalars(select(Dossier))}
    for position, n in enumerate(sample):
        dossier = dossiers[f"H26.189-2611-{n:05d}"]
        answers = {**ANSWERS, "muc_do_hai_long": "0" if n in unhappy else "2"}
        if position < 40:
            token = rating_token(app.config["SECRET_KEY"], dossier)
            done = client.post(f"/d/{token}", data=answers)
        else:
            if position == 40:
                client.post("/staff/login", data={"login": "tra-ket-qua", "password": PASSWORD})
            start = client.post("/dossiers/kiosk", data={"code": dossier.code})
            assert start.status_code == 302, start.get_data(as_text=True)[:300]
            done = client.post(start.headers["Location"], data=answers)
        assert done.status_code == 302, done.get_data(as_text=True)[:300]
    db_session.expire_all()
    channels = db_session.execute(select(DossierRating.channel, func.count()).group_by(DossierRating.channel)).all()
    assert dict(channels) == {"link": 40, "kiosk": 20}
    assert db_session.scalar(select(func.count()).select_from(Response)) == 0  # never among the anonymous answers

    # By hand: 750 of the 3,000 dossiers (n divisible by 4) ended after their due time; of the 24 unhappy
    # ratings, those on dossiers already late cost nothing more.
    late = {n for n in range(3000) if n % 4 == 0}
    satisfied = 3000 - len(late) - len(unhappy - late)
    points = round(min(6.0, satisfied / 3000 * 6 / 0.90), 2)
    score = month_score(db_session, 2026, 11)
    assert [u.code for u in score.units] == ["00189"]
    assert score.dossiers.numerator.tolist() == [satisfied] and score.dossiers.denominator.tolist() == [3000]
    assert score.dossiers.points.tolist() == [points]
    assert satisfied == 3000 - 750 - len(unhappy - late) and 4.0 < points < 5.0
