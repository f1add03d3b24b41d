"""Engine set-up (SQLite pragmas) and Alembic migrations run from the CLI."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, event

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def install_engine_hooks(engine: Engine) -> None:
    """WAL mode, foreign keys, a busy timeout, and savepoints inside a transaction on SQLite.

    The sqlite3 driver starts a transaction lazily, before the first write, and not before a
    SAVEPOINT: a savepoint opened first would be the outermost transaction, and releasing it
    would commit its work alone (a paper import's batch row without its responses when the
    database failed later). A BEGIN is sent first when no transaction is open. Plain
    transactions keep the driver's lazy start, so a reading session does not hold a
    snapshot that a later write would have to upgrade.
    """
    if engine.dialect.name != "sqlite" or getattr(engine, "_sipas_hooks", False):
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if ":memory:" not in str(engine.url):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "savepoint")
    def _begin_before_savepoint(connection, name) -> None:
        driver_connection = connection.connection.driver_connection
        if not driver_connection.in_transaction:
            driver_connection.execute("BEGIN")

    engine._sipas_hooks = True  # type: ignore[attr-defined]


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
