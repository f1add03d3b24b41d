"""How fast a round's answers load into analysis arrays.

Stores N synthetic responses with K numeric items (packed float32 scores, as
the app stores them) in a fresh database, then times
``survey.domain.responses.load_score_matrix``. Usage:

    .venv/bin/python bench/load.py [--responses 1000000] [--items 40]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

Without ``--database-url`` it uses a temporary SQLite file. On PostgreSQL it
creates and drops a database of its own.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from survey.domain.responses import load_score_matrix
from survey.models import (
    Channel,
    Questionnaire,
    QuestionnaireVersion,
    Response,
    SurveyRound,
    Unit,
    UnitKind,
    database,
)


def _prepare(url: str, n: int, k: int) -> tuple[int, float]:
    engine = create_engine(url)
    database.install_engine_hooks(engine)
    database.upgrade(engine)
    rng = np.random.default_rng(1)
    items = [f"q{i:02d}" for i in range(k)]
    with Session(engine) as session:
        units = [Unit(code=f"{i:05d}", name=f"Xã {i}", kind=UnitKind.COMMUNE) for i in range(2000)]
        session.add_all(units)
        questionnaire = Questionnaire(code="bench", title="Bench")
        version = QuestionnaireVersion(
            questionnaire=questionnaire, version="1", content_hash="0" * 64, definition={},
            source="", numeric_items=items,
        )
        survey_round = SurveyRound(
            code="bench", name="Bench", questionnaire_version=version, starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31), channels=["paper"],
        )
        session.add_all([questionnaire, version, survey_round])
        session.commit()
        unit_ids = np.array([u.id for u in units])
        round_id, version_id = survey_round.id, version.id
    now = datetime.now(UTC)
    started = time.perf_counter()
    chunk = 50_000
    with engine.begin() as conn:
        for start in range(0, n, chunk):
            size = min(chunk, n - start)
            scores = rng.integers(1, 6, size=(size, k)).astype("<f4")
            scores[rng.random((size, k)) < 0.05] = np.nan
            units_drawn = unit_ids[rng.integers(0, len(unit_ids), size)]
            rows = [
                {
                    "uuid": uuid.UUID(int=start + i + 1, version=4),
                    "round_id": round_id,
                    "questionnaire_version_id": version_id,
                    "unit_id": int(units_drawn[i]),
                    "channel": Channel.PAPER,
                    "submitted_at": now,
                    "received_at": now,
                    "answers": {},
                    "scores": scores[i].tobytes(),
                }
                for i in range(size)
            ]
            conn.execute(insert(Response), rows)
    engine.dispose()
    return round_id, time.perf_counter() - started


def build_parser() -> argparse.ArgumentParser:
    """The command line of this benchmark (a test builds it without running anything)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=40)
    parser.add_argument("--database-url")
    return parser


def main() -> None:
    args = build_parser().parse_args()

    cleanup = None
    if args.database_url:
        base = make_url(args.database_url)
        name = f"sipas_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = base.set(database=name).render_as_string(hide_password=False)

        def cleanup() -> None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    else:
        folder = tempfile.mkdtemp(prefix="sipas-bench-")
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
    try:
        round_id, insert_seconds = _prepare(url, args.responses, args.items)
        engine = create_engine(url)
        database.install_engine_hooks(engine)
        with Session(engine) as session:
            started = time.perf_counter()
            unit_ids, scores, items = load_score_matrix(session, round_id)
            seconds = time.perf_counter() - started
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        engine.dispose()
        print(f"backend          {make_url(url).get_backend_name()}")
        print(f"responses        {scores.shape[0]:,} × {len(items)} items")
        print(f"insert           {insert_seconds:.1f} s (bench set-up, bulk insert)")
        print(f"load to arrays   {seconds:.2f} s  ({scores.shape[0] / seconds:,.0f} responses/s)")
        print(f"peak RSS         {peak / 2**20:.0f} MiB (whole process, incl. set-up)")
        assert unit_ids.shape[0] == args.responses
    finally:
        if cleanup:
            cleanup()


if __name__ == "__main__":
    main()
