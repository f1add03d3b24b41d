"""One writer at a time on SQLite, across the threads and worker processes of the server.

SQLite lets one connection write at a time; the others wait in its busy
handler, which polls with growing sleeps (1, 2, 5, 10 ... 100 ms). Under a
steady stream of small inserts from several gunicorn workers those sleeps, not
the inserts, set the latency. Queueing on a lock instead (a thread lock, then
``flock`` on a file beside the database, which wakes the next writer as soon as
the lock is released) keeps every insert's wait to the time of the inserts
ahead of it. PostgreSQL needs none of this: the gate is a no-op there.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator

from sqlalchemy import Engine


class WriteGate:
    def __init__(self, lock_path: str | None):
        self.lock_path = lock_path
        self._thread_lock = threading.Lock()
        self._fd: int | None = None
        self._pid: int | None = None

    def _file(self) -> int:
        if self._fd is None or self._pid != os.getpid():  # a forked worker opens its own
            assert self.lock_path is not None
            self._fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        if self.lock_path is None:
            yield
            return
        with self._thread_lock:
            fd = self._file()
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)


def gate_for(engine: Engine) -> WriteGate:
    """The gate of an engine: a file lock for an SQLite file, nothing otherwise."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        return WriteGate(None)
    return WriteGate(os.path.abspath(database) + ".write-lock")
