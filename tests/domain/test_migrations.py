"""Migrations: upgrade from empty on each backend, schema equals the models, downgrade works."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from survey.models import Base, database


def _fresh_engine(app, tmp_path):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        return create_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    return None


def test_upgrade_from_empty_creates_every_table(app, tmp_path):
    from survey.extensions import db

    engine = _fresh_engine(app, tmp_path) or db.engine
    if engine is db.engine:
        # PostgreSQL: go down to empty, then up again.
        database.downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    database.upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= tables
    assert database.current_revision(engine) == database.head_revision(engine)


def test_migrated_schema_matches_models(app):
    from survey.extensions import db

    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_published_versions_are_immutable_in_the_database(app):
    from survey.extensions import db

    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO questionnaires (code, title, created_at) VALUES ('q', 'Q', CURRENT_TIMESTAMP)"))
        conn.execute(
            text(
                "INSERT INTO questionnaire_versions (questionnaire_id, version, content_hash, definition, source, "
                "numeric_items, published_at) VALUES (1, '1', 'abc', '{}', 'x', '[]', CURRENT_TIMESTAMP)"
            )
        )
    from sqlalchemy.exc import DatabaseError

    with pytest.raises(DatabaseError, match="immutable"), db.engine.begin() as conn:
        conn.execute(text("UPDATE questionnaire_versions SET source = 'changed'"))


def test_foreign_keys_are_enforced(app):
    from sqlalchemy.exc import IntegrityError

    from survey.extensions import db

    insert = text("INSERT INTO units (code, name, kind, parent_id) VALUES (:code, 'X', 'commune', :parent)")
    with db.engine.begin() as conn:
        conn.execute(insert, {"code": "root", "parent": None})  # the same row without the dangling parent is fine
    with pytest.raises(IntegrityError, match="(?i)foreign key"), db.engine.begin() as conn:
        conn.execute(insert, {"code": "orphan", "parent": 987654})


def test_sqlite_runs_in_wal_mode(app):
    from survey.extensions import db

    if db.engine.dialect.name != "sqlite":
        pytest.skip("WAL and the foreign_keys pragma are SQLite settings (PostgreSQL: see the test above)")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_published_release_and_its_results_cannot_change(app, db_session):
    from pathlib import Path

    from sqlalchemy.exc import DatabaseError

    from survey.domain.demo import seed_demo
    from survey.extensions import db
    from survey.models import (
        ImmutableVersionError,
        Release,
        ReleaseIndex,
        ReleaseStatus,
        SurveyRound,
    )

    seed_demo(db_session, Path(app.instance_path), scale=0.02)
    survey_round = db_session.query(SurveyRound).first()
    release = Release(
        round=survey_round, number=99, title="SIPAS", questionnaire_version=survey_round.questionnaire_version,
        data_fingerprint="f" * 64, parameters={}, software_version="test", n_responses=0,
    )
    db_session.add(release)
    db_session.flush()
    db_session.add(ReleaseIndex(release_id=release.id, level="overall", index_code="overall", estimate=80.0,
                                n=10, ci_method="logit"))
    release.status = ReleaseStatus.PUBLISHED  # a draft may be published ...
    db_session.commit()
    release.title = "changed"  # ... but never changed afterwards
    with pytest.raises(ImmutableVersionError):
        db_session.flush()
    db_session.rollback()
    for statement in ("UPDATE releases SET title = 'x'", "DELETE FROM release_indices",
                      "UPDATE release_indices SET estimate = 1", "DELETE FROM releases"):
        with pytest.raises(DatabaseError, match="immutable"), db.engine.begin() as conn:
            conn.execute(text(statement))
