"""Benchmark: the manager dashboard of a release covering 1,000,000 responses and 3,000 units.

By default the release is made by ``survey.domain.synthetic.create_synthetic_release``:
1,000,000 synthetic answers over 3,000 communes in the 34 provinces, computed
(every item, group and overall index of every unit, league flags, rank
intervals) and published, exactly the stored object the dashboard reads.
``--direct`` instead writes plausible ReleaseIndex rows straight away (seconds
instead of minutes; same row count and shape). ``--store-responses`` also
stores the million responses, to show that the page time does not depend on
them.

Then it times, through the Flask test client (server time, no network), the
national page (league table of the 34 provinces with forest plot), the page
of the province with most communes (league table and forest plot of its
communes) and a commune's page. The dashboard reads stored results only: a
page view never recomputes.

Run: ``python bench/dashboard.py [--repeat 20] [--direct] [--database-url URL]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from survey.domain.synthetic_releases import synthetic_release
from survey.models import Release, ReleaseIndex, SurveyRound, Unit

# --- the benchmark ------------------------------------------------------------------


def build_direct(session: Session, provinces: int = 34, units_total: int = 3000) -> Release:
    """3,000 units and two published releases written as ReleaseIndex rows (no computation)."""
    from survey.domain.questionnaires import load_questionnaire
    from survey.domain.questionnaires.store import publish
    from survey.models import QuestionnaireVersion, UnitKind

    rng = np.random.default_rng(20260701)
    path = ROOT / "questionnaires" / "sipas-service.yaml"
    version, _created = publish(session, load_questionnaire(path), path.read_text(encoding="utf-8"))
    assert isinstance(version, QuestionnaireVersion)
    province_units = [
        Unit(code=f"P{p + 1:02d}", name=f"Tỉnh số {p + 1:02d}", kind=UnitKind.PROVINCE, valid_from=date(2025, 7, 1))
        for p in range(provinces)
    ]
    session.add_all(province_units)
    session.flush()
    communes = []
    per = (units_total - provinces) // provinces
    for p, province in enumerate(province_units):
        for c in range(per + (1 if p < (units_total - provinces) % provinces else 0)):
            communes.append(
                Unit(code=f"P{p + 1:02d}{c + 1:04d}", name=f"Xã {p + 1:02d}-{c + 1:04d}", kind=UnitKind.COMMUNE,
                     parent_id=province.id, valid_from=date(2025, 7, 1))
            )
    session.add_all(communes)
    session.flush()
    units = province_units + communes
    rounds = []
    for year in (date.today().year - 1, date.today().year):
        survey_round = SurveyRound(
            code=f"bench-{year}", name=f"SIPAS {year}", questionnaire_version_id=version.id,
            starts_on=date(year, 1, 1), ends_on=date(year, 12, 31), channels=["paper"],
        )
        session.add(survey_round)
        rounds.append(survey_round)
    session.flush()
    before = synthetic_release(session, rounds[0], units, rng, n_responses=1_000_000, per_unit_n=330)
    current = synthetic_release(session, rounds[1], units, rng, previous=before, n_responses=1_000_000, per_unit_n=330)
    session.commit()
    return current


def build(session: Session, direct: bool, store_responses: bool) -> dict:
    from sqlalchemy import func, select

    from survey.models import Role, StaffUser

    if direct:
        release = build_direct(session)
    else:
        from survey.domain.jobs import text_progress
        from survey.domain.synthetic import create_synthetic_release

        with text_progress("release ") as progress:
            release = create_synthetic_release(session, store_responses=store_responses, progress=progress)
    rows = session.scalar(select(func.count()).select_from(ReleaseIndex).where(ReleaseIndex.release_id == release.id))
    unit_ids = select(ReleaseIndex.unit_id).where(ReleaseIndex.release_id == release.id, ReleaseIndex.level == "overall")
    units = session.scalar(select(func.count()).select_from(Unit).where(Unit.id.in_(unit_ids)))
    # the province with the most communes in the release, and one of its communes
    child = (
        select(Unit.parent_id, func.count().label("n"))
        .where(Unit.id.in_(unit_ids), Unit.parent_id.is_not(None))
        .group_by(Unit.parent_id)
        .order_by(func.count().desc())
        .limit(1)
    )
    province_id, n_children = session.execute(child).one()
    province = session.get(Unit, province_id)
    commune = session.scalar(select(Unit).where(Unit.parent_id == province_id, Unit.id.in_(unit_ids)).limit(1))
    manager = StaffUser(login="bench.manager", display_name="Bench", role=Role.MANAGER, unit_id=province.id)
    national = StaffUser(login="bench.national", display_name="Bench", role=Role.STATISTICIAN)
    for user in (manager, national):
        user.set_password("bench-password")
    session.add_all([manager, national])
    session.commit()
    return {"release": release.id, "rows": rows, "units": units, "n_responses": release.n_responses,
            "province": province.code, "children": n_children, "commune": commune.code}


def build_parser() -> argparse.ArgumentParser:
    """The command line of this benchmark (a test builds it without running anything)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url")
    parser.add_argument("--direct", action="store_true", help="write ReleaseIndex rows instead of computing")
    parser.add_argument("--store-responses", action="store_true", help="also store the million responses")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    from sqlalchemy import create_engine

    from survey import create_app
    from survey.extensions import db
    from survey.models import database

    workdir = Path(tempfile.mkdtemp(prefix="sipas-bench-dashboard-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    engine = create_engine(url)
    database.upgrade(engine)
    engine.dispose()
    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url, "INSTANCE_PATH": str(workdir / "instance"),
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        t0 = time.perf_counter()
        info = build(db.session, args.direct, args.store_responses)
        print(f"release #{info['release']}: {info['n_responses']:,} responses, {info['units']} units with results, "
              f"{info['rows']:,} index rows; built in {time.perf_counter() - t0:.1f} s ({url.split(':')[0]}, "
              f"{'direct rows' if args.direct else 'computed'})")
        db.session.remove()
    results = {}
    for login, pages in (
        ("bench.national", [("national page (34 provinces)", f"/staff/dashboard/?release={info['release']}")]),
        ("bench.manager", [
            (f"province page ({info['children']} communes)", f"/staff/dashboard/{info['province']}"),
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
