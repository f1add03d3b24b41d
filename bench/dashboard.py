"""Benchmark: the manager dashboard of a release covering 1,000,000 responses and 3,000 units.

Builds (once, in a temporary SQLite file, or the database given by
``--database-url``) 34 provinces with about 87 communes each (3,000 units), a
previous and a current published release of a round of 1,000,000 responses:
every unit's overall, group and item indices (about 100,000 ReleaseIndex rows
per release), as the computation stores them. Then it times, through the
Flask test client (server time, no network), the national page, a province's
page (league table of its ~87 communes with forest plot) and a commune's page.

The dashboard reads stored results only; page views never recompute, which
is why the time does not depend on the number of responses.

Run: ``python bench/dashboard.py [--repeat 20] [--database-url URL]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from survey.dashboard.synthetic import synthetic_release  # noqa: E402
from survey.models import ReleaseIndex, SurveyRound, Unit  # noqa: E402


# --- the benchmark ------------------------------------------------------------------


def build(session: Session, provinces: int = 34, units_total: int = 3000) -> dict:
    from survey.models import QuestionnaireVersion, Role, StaffUser, UnitKind
    from survey.questionnaire import load_questionnaire
    from survey.questionnaires import publish

    rng = np.random.default_rng(20260701)
    path = ROOT / "questionnaires" / "sipas-service.yaml"
    version, _ = publish(session, load_questionnaire(path), path.read_text(encoding="utf-8"))
    assert isinstance(version, QuestionnaireVersion)
    province_units = [
        Unit(code=f"{p + 1:02d}", name=f"Tỉnh số {p + 1:02d}", kind=UnitKind.PROVINCE, valid_from=date(2025, 7, 1))
        for p in range(provinces)
    ]
    session.add_all(province_units)
    session.flush()
    communes = []
    per = (units_total - provinces) // provinces
    for p, province in enumerate(province_units):
        for c in range(per + (1 if p < (units_total - provinces) % provinces else 0)):
            communes.append(
                Unit(code=f"{p + 1:02d}{c + 1:04d}", name=f"Xã {p + 1:02d}-{c + 1:04d}", kind=UnitKind.COMMUNE,
                     parent_id=province.id, valid_from=date(2025, 7, 1))
            )
    session.add_all(communes)
    session.flush()
    units = province_units + communes
    today = date.today()
    rounds = []
    for year in (today.year - 1, today.year):
        survey_round = SurveyRound(
            code=f"bench-{year}", name=f"SIPAS {year}", questionnaire_version_id=version.id,
            starts_on=date(year, 1, 1), ends_on=date(year, 12, 31) - timedelta(days=0), channels=["paper"],
        )
        session.add(survey_round)
        rounds.append(survey_round)
    session.flush()
    before = synthetic_release(session, rounds[0], units, rng, n_responses=1_000_000, per_unit_n=330)
    current = synthetic_release(session, rounds[1], units, rng, previous=before, n_responses=1_000_000, per_unit_n=330)
    manager = StaffUser(login="bench.manager", display_name="Bench", role=Role.MANAGER, unit_id=province_units[0].id)
    national = StaffUser(login="bench.national", display_name="Bench", role=Role.STATISTICIAN)
    for user in (manager, national):
        user.set_password("bench-password")
    session.add_all([manager, national])
    session.commit()
    rows = session.query(ReleaseIndex).filter(ReleaseIndex.release_id == current.id).count()
    return {"release": current.id, "rows": rows, "units": len(units), "province": province_units[0].code,
            "commune": communes[0].code}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url")
    args = parser.parse_args(argv)

    from survey import create_app, database
    from survey.extensions import db
    from sqlalchemy import create_engine

    workdir = Path(tempfile.mkdtemp(prefix="sipas-bench-dashboard-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    engine = create_engine(url)
    database.upgrade(engine)
    engine.dispose()
    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url, "INSTANCE_PATH": str(workdir / "instance"),
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        t0 = time.perf_counter()
        info = build(db.session)
        print(f"built {info['units']} units, {info['rows']} index rows per release in "
              f"{time.perf_counter() - t0:.1f} s ({url.split(':')[0]})")
        db.session.remove()
    results = {}
    for login, pages in (
        ("bench.national", [("national page (34 provinces)", f"/staff/dashboard/?release={info['release']}")]),
        ("bench.manager", [
            (f"province page ({info['units'] // 34} communes)", f"/staff/dashboard/{info['province']}"),
            ("commune page", f"/staff/dashboard/{info['commune']}"),
        ]),
    ):
        client = app.test_client()
        response = client.post("/staff/login", data={"login": login, "password": "bench-password"})
        assert response.status_code == 302, response.status_code
        for label, url_path in pages:
            times = []
            for _ in range(args.repeat + 1):
                t0 = time.perf_counter()
                response = client.get(url_path)
                times.append(time.perf_counter() - t0)
                assert response.status_code == 200, (url_path, response.status_code)
            times = times[1:]  # the first view warms caches (questionnaire parse, templates)
            results[label] = (statistics.median(times), max(times), len(response.data))
    print(f"{'page':40} {'median':>9} {'max':>9} {'bytes':>9}")
    for label, (median, worst, size) in results.items():
        print(f"{label:40} {median * 1000:7.1f}ms {worst * 1000:7.1f}ms {size:9d}")
    worst = max(w for _, w, _ in results.values())
    print(f"slowest view {worst * 1000:.1f} ms: {'under' if worst < 1 else 'OVER'} the 1 s target")
    return 0 if worst < 1 else 1


if __name__ == "__main__":
    sys.exit(main())
