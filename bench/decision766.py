"""Benchmark: indicator 5.4 (and 5.2/5.3, the group, Circular 01) for a month of 1,000,000 dossiers.

3,000 units; every dossier received in November 2026 (the month scored), due
3-15 days later, 85 % handled (some late), 2 % with a PAKN, 3 % disliked;
200,000 PAKN and 300,000 Circular 01 ratings. Times the computations of
:mod:`analysis.decision766` on arrays (what ``sipas dossiers score`` does after
loading them), best of ``--repeat`` runs. Target: 5.4 for the month under 2 s.
With ``--page N`` it times only the Decision 766 dashboard page (month, 12-month trend, dossiers that
cost points, Circular 01) of a province of ``--units`` communes holding N dossiers over 12 months.
With ``--intake N`` it also times :func:`survey.domain.dossiers.intake_events` on N
shuffled events (a third dossier syncs, two thirds progress) into a fresh SQLite database (or
``--database-url``), then the month's score read back from it. Run from the project folder: ``OMP_NUM_THREADS=1 python -m bench.decision766`` or
``python bench/decision766.py``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from analysis.decision766 import (
    Period,
    circular01_report,
    group_score,
    load_definition,
    score_complaints,
    score_dossiers,
)

DEFINITION = Path(__file__).resolve().parents[1] / "survey/data/decision766/766-2022.json"


def synthetic_month(n: int, n_units: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    start = np.datetime64("2026-11-01T00:00", "s")
    received = start + rng.integers(0, 30 * 86400, n).astype("timedelta64[s]")
    due = received + rng.integers(3 * 86400, 15 * 86400, n).astype("timedelta64[s]")
    handled = received + (rng.integers(0, 16 * 86400, n)).astype("timedelta64[s]")
    handled[rng.random(n) < 0.15] = np.datetime64("NaT")
    return {"unit": rng.integers(0, n_units, n), "received": received, "due": due, "handled": handled,
                "complained": rng.random(n) < 0.02, "disliked": rng.random(n) < 0.03}


def best_of(repeat: int, run) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - began)
    return min(times), result


def build_parser() -> argparse.ArgumentParser:
    """The command line of this benchmark (a test builds it without running anything)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=3_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--intake", type=int, default=0, help="also time the intake of this many events")
    parser.add_argument("--database-url", help="for --intake and --page: an empty database it migrates and fills "
                        "(default: a temporary SQLite file), or for --page one it filled before (reused as it "
                        "is, not migrated); never a shared one")
    parser.add_argument("--page", type=int, default=0, help="only time the dashboard page of a province of "
                        "--units communes with this many dossiers over 12 months")
    parser.add_argument("--stale", type=float, default=0.0, help="with --page: first mark this share (0..1) of "
                        "the stored unit-months, at random, as changed, so that the first view counts them again "
                        "(1: every month, as right after the upgrade to 0010)")
    return parser


def main() -> None:
    args = build_parser().parse_args()
    if args.page:
        time_page(args.page, args.units, args.database_url, args.repeat, args.stale)
        return
    if args.intake:
        time_intake(args.intake, args.database_url)
    rng = np.random.default_rng(766)
    definition = load_definition(DEFINITION)
    period = Period.month(2026, 11)
    dossiers = synthetic_month(args.dossiers, args.units, rng)
    n_pakn, n_ratings = args.dossiers // 5, args.dossiers * 3 // 10
    pakn_received = np.datetime64("2026-10-25T00:00", "s") + rng.integers(0, 45 * 86400, n_pakn).astype(
        "timedelta64[s]")
    complaints = {"unit": rng.integers(0, args.units, n_pakn), "received": pakn_received,
                      "handled": pakn_received + rng.integers(0, 30 * 86400, n_pakn).astype("timedelta64[s]"),
                      "likes": rng.integers(0, 4, n_pakn), "dislikes": rng.integers(0, 3, n_pakn),
                      "follow_up": rng.random(n_pakn) < 0.05}
    scores = rng.integers(0, 3, (n_ratings, definition.n_indices)).astype(float)
    scores[rng.random(scores.shape) < 0.05] = np.nan
    common = {"n_units": args.units, "period": period, "definition": definition}

    t54, result = best_of(args.repeat, lambda: score_dossiers(**dossiers, **common))
    t523, (on_time, satisfied) = best_of(args.repeat, lambda: score_complaints(**complaints, **common))
    tgroup, group = best_of(args.repeat, lambda: group_score("MDHL", [on_time, satisfied, result], definition))
    rating_unit, level = rng.integers(0, args.units, n_ratings), rng.integers(-1, 3, n_ratings)
    tc01, report = best_of(args.repeat, lambda: circular01_report(
        rating_unit, scores, level, n_units=args.units, definition=definition))
    print(f"{args.dossiers:,} dossiers, {args.units:,} units, {period.label} (best of {args.repeat}):")
    print(f"  5.4 per unit:              {t54:.3f} s  ({result.denominator.sum():,} received in the month, "
          f"mean {np.nanmean(result.points):.2f} points)")
    print(f"  5.2 + 5.3 ({n_pakn:,} PAKN):  {t523:.3f} s")
    print(f"  satisfaction group:        {tgroup:.3f} s  (mean {np.nanmean(group.points):.2f} of 18)")
    print(f"  Circular 01 ({n_ratings:,} ratings): {tc01:.3f} s  (mean total {np.nanmean(report.total_mean):.2f})")
    print(f"  target for 5.4: < 2 s: {'met' if t54 < 2 else 'NOT met'}")


def portal_events(n: int, rng: np.random.Generator) -> list[dict[str, str]]:
    """``n`` events of ``n // 3`` dossiers of one commune in November 2026, shuffled."""
    events = []
    for number in range(n // 3):
        code, day = f"H26.189-2611-{number:06d}", 2 + number % 27
        common = {"MaHoSo": code, "DonViXuLy": "H26.189"}
        events += [
            {**common, "LoaiSuKien": "DongBoHoSoMC", "ThoiGianSuKien": f"202611{day:02d}080000", "MaTTHC": "1.001234",
             "NgayTiepNhan": f"202611{day:02d}080000", "NgayHenTra": f"202611{day + 1:02d}170000"},
            {**common, "LoaiSuKien": "CapNhatTienDoHoSoMC", "ThoiGianSuKien": f"202611{day + 1:02d}100000",
             "NgayKetThucXuLy": f"202611{day + 1:02d}100000"},
            {**common, "LoaiSuKien": "CapNhatTienDoHoSoMC", "ThoiGianSuKien": f"202611{day + 1:02d}180000",
             "NgayTra": f"202611{day + 1:02d}180000"},
        ]
    rng.shuffle(events)
    return events


def time_intake(n: int, database_url: str | None) -> None:
    import tempfile
    from datetime import UTC, datetime

    from survey import create_app
    from survey.domain.dossiers import intake_events, month_score
    from survey.extensions import db
    from survey.models import PortalUnitCode, Unit, UnitKind, database

    folder = tempfile.mkdtemp(prefix="sipas-bench-766-")
    app = create_app({"SECRET_KEY": "bench", "INSTANCE_PATH": folder,
                      "DATABASE_URL": database_url or f"sqlite:///{folder}/bench.db"})
    events = portal_events(n, np.random.default_rng(766))
    with app.app_context():
        database.upgrade(db.engine)
        unit = Unit(code="00189", name="Xã Một", kind=UnitKind.COMMUNE)
        db.session.add(unit)
        db.session.flush()
        db.session.add(PortalUnitCode(portal_code="H26.189", unit_id=unit.id))
        db.session.commit()
        began = time.perf_counter()
        report = intake_events(db.session, events, source="bench", now=datetime(2026, 12, 3, tzinfo=UTC),
                               max_events=n)
        db.session.commit()
        took = time.perf_counter() - began
        began = time.perf_counter()
        score = month_score(db.session, 2026, 11)
        scored = time.perf_counter() - began
    print(f"intake of {len(events):,} events: {took:.2f} s ({len(events) / took:,.0f} events/s, "
          f"{report.stored:,} stored); month score read back: {scored:.2f} s "
          f"({int(score.dossiers.denominator.sum()):,} dossiers)")


def fill_year(session, n: int, unit_ids: np.ndarray, rng: np.random.Generator) -> None:
    """``n`` dossiers received from 01/12/2025 to 30/11/2026 (local), 2 % with a PAKN, 3 % rated "not satisfied"."""
    from sqlalchemy import insert

    from survey.models import Complaint, Dossier, DossierRating

    start = np.datetime64("2025-11-30T17:00", "s")  # 01/12/2025 00:00 in Hà Nội, as UTC
    received = start + rng.integers(0, 365 * 86400, n).astype("timedelta64[s]")
    due = received + rng.integers(3 * 86400, 15 * 86400, n).astype("timedelta64[s]")
    handled = received + rng.integers(0, 16 * 86400, n).astype("timedelta64[s]")
    open_ = rng.random(n) < 0.05
    units = unit_ids[rng.integers(0, unit_ids.size, n)]
    desks = rng.integers(1, 6, n)
    has_desk = "desk_code" in Dossier.__table__.c  # the code before desks were added has no such column
    chunk = 50_000
    for first in range(0, n, chunk):
        rows = []
        for i in range(first, min(n, first + chunk)):
            row = {"id": i + 1, "source": "bench", "code": f"HS-{i:07d}", "procedure_code": f"1.00{i % 40:04d}",
                   "unit_id": int(units[i]), "portal_unit_code": "H26", "channel": 1,
                   "received_at": received[i].item(), "due_at": due[i].item(),
                   "handled_at": None if open_[i] else handled[i].item(), "returned": False, "field_times": {}}
            if has_desk:
                row["desk_code"] = f"Q{desks[i]:02d}"
            rows.append(row)
        session.execute(insert(Dossier), rows)
    complained = np.flatnonzero(rng.random(n) < 0.02)
    session.execute(insert(Complaint), [
        {"source": "bench", "code": f"PAKN-{i:07d}", "unit_id": int(units[i]), "dossier_code": f"HS-{i:07d}",
         "received_at": (received[i] + np.timedelta64(86400, "s")).item(),
         "handled_at": (received[i] + np.timedelta64(5 * 86400, "s")).item(), "likes": 1, "dislikes": 0,
         "follow_up": False, "field_times": {}} for i in complained])
    disliked = np.flatnonzero(rng.random(n) < 0.03)
    session.execute(insert(DossierRating), [
        {"dossier_id": int(i) + 1, "index_scores": {"1": 0}, "level": "not_satisfied", "channel": "link",
         "rated_at": (received[i] + np.timedelta64(2 * 86400, "s")).item()} for i in disliked])


def fill_page_database(n: int, n_units: int) -> None:
    """A province of ``n_units`` communes, its manager, and ``n`` dossiers over a year (in the app context)."""
    from sqlalchemy import insert, select

    from survey.extensions import db
    from survey.models import Role, StaffUser, Unit, UnitKind, database

    database.upgrade(db.engine)
    province = Unit(code="26", name="Tỉnh Mẫu", kind=UnitKind.PROVINCE)
    db.session.add(province)
    db.session.flush()
    db.session.execute(insert(Unit), [{"code": f"{i:05d}", "name": f"Xã {i}", "kind": UnitKind.COMMUNE,
                                       "parent_id": province.id} for i in range(n_units)])
    unit_ids = np.array(db.session.scalars(select(Unit.id).where(Unit.parent_id == province.id)).all())
    began = time.perf_counter()
    fill_year(db.session, n, unit_ids, np.random.default_rng(766))
    user = StaffUser(login="ql26", display_name="ql26", role=Role.MANAGER, unit_id=province.id)
    user.set_password("bench-password-long-enough")
    db.session.add(user)
    db.session.commit()
    print(f"filled {n:,} dossiers in {time.perf_counter() - began:.1f} s")


def mark_stale(share: float) -> None:
    """Bump the generation of ``share`` of the stored unit-months, at random (as late events would)."""
    from sqlalchemy import bindparam, select, update

    from survey.extensions import db
    from survey.models.dossiers import DossierMonth

    table = DossierMonth.__table__
    keys = db.session.execute(select(table.c.unit_id, table.c.month)).all()
    chosen = np.flatnonzero(np.random.default_rng(7).random(len(keys)) < share)
    if chosen.size:
        db.session.execute(update(table).where(table.c.unit_id == bindparam("u"), table.c.month == bindparam("m"))
                           .values(generation=table.c.generation + 1),
                           [{"u": keys[i][0], "m": keys[i][1]} for i in chosen])
    db.session.commit()
    print(f"marked {chosen.size:,} of {len(keys):,} stored unit-months as changed")


def time_page(n: int, n_units: int, database_url: str | None, repeat: int, stale: float = 0.0) -> None:
    """Time ``GET /staff/decision766/26?month=11/2026`` for a province manager whose scope is ``n_units`` communes."""
    import tempfile

    from sqlalchemy import inspect, select

    from survey import create_app
    from survey.extensions import db
    from survey.models import StaffUser, database

    folder = tempfile.mkdtemp(prefix="sipas-bench-766-page-")
    app = create_app({"SECRET_KEY": "bench", "INSTANCE_PATH": folder, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "DATABASE_URL": database_url or f"sqlite:///{folder}/bench.db"})
    with app.app_context():
        filled = inspect(db.engine).has_table("staff_users") and db.session.scalar(
            select(StaffUser.id).where(StaffUser.login == "ql26"))
        if filled:
            print("reusing the filled database")  # e.g. to time the code before a change on the same rows
            database.upgrade(db.engine)  # the stored months' table (0010) for this code; older code ignores it
        else:
            fill_page_database(n, n_units)
        if stale:
            mark_stale(stale)
    client = app.test_client()
    client.post("/staff/login", data={"login": "ql26", "password": "bench-password-long-enough"})
    began = time.perf_counter()
    first = client.get("/staff/decision766/26?month=11/2026")
    print(f"first view: {time.perf_counter() - began:.2f} s (counts the months not stored yet, or stale)")
    assert first.status_code == 200, first.status_code
    took, response = best_of(repeat, lambda: client.get("/staff/decision766/26?month=11/2026"))
    assert response.status_code == 200, response.status_code
    print(f"dashboard page, scope of {n_units:,} units, {n:,} dossiers over 12 months: {took:.2f} s "
          f"(best of {repeat}; {len(response.data):,} bytes)")


if __name__ == "__main__":
    main()
