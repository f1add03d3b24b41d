"""Production serving with gunicorn (never the Flask debug server).

The workers are gunicorn's threaded workers with one change: they share the
connections out evenly. Every worker listens on the same socket and, left to
itself, the first one to wake up takes every connection that is waiting: 50
tablets connecting at once all landed on one worker while the other sat idle,
halving the server's capacity and doubling its latency. Here each worker
publishes how many connections it holds (in memory shared by the workers) and
stops accepting while it holds more than ``BALANCE_SLACK`` above the least
loaded live worker, which always accepts.
"""

from __future__ import annotations

import multiprocessing
import os

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import ThreadWorker

from survey.config import DEFAULT_THREADS

BALANCE_SLACK = 1


class ConnectionBoard:
    """Each live worker's process id and open connection count, in memory shared across fork."""

    def __init__(self, slots: int):
        self.lock = multiprocessing.Lock()
        self.pids = multiprocessing.RawArray("q", slots)
        self.counts = multiprocessing.RawArray("q", slots)

    def claim(self, pid: int) -> int:
        """A slot for a new worker: a free one, or one left by a worker that died without freeing it."""
        with self.lock:
            for slot, owner in enumerate(self.pids):
                if owner and not _alive(owner):
                    self.pids[slot], self.counts[slot] = 0, 0
            for slot, owner in enumerate(self.pids):
                if owner == 0:
                    self.pids[slot], self.counts[slot] = pid, 0
                    return slot
        return -1  # more workers than slots: this one accepts without looking at the others

    def release(self, slot: int) -> None:
        if slot >= 0:
            with self.lock:
                self.pids[slot], self.counts[slot] = 0, 0

    def least_other(self, slot: int) -> int | None:
        """The smallest connection count among the other workers (None when there is no other)."""
        least = None
        for other, (owner, count) in enumerate(zip(self.pids, self.counts)):
            if other != slot and owner and (least is None or count < least):
                least = count
        return least


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_board: ConnectionBoard | None = None  # made by the master before it forks the workers


class BalancedThreadWorker(ThreadWorker):
    """gunicorn's gthread worker that accepts a connection only when it is not the busiest by far."""

    _slot = -1

    @property
    def nr_conns(self) -> int:
        return self._nr_conns

    @nr_conns.setter
    def nr_conns(self, value: int) -> None:
        self._nr_conns = value
        if self._slot >= 0 and _board is not None:
            _board.counts[self._slot] = value

    @property
    def worker_connections(self) -> int:
        """gthread accepts while nr_conns is below this; lowered to nr_conns while others hold far fewer."""
        if _board is not None and self._slot >= 0:
            least = _board.least_other(self._slot)
            if least is not None and self._nr_conns > least + BALANCE_SLACK:
                return min(self._max_connections, self._nr_conns)
        return self._max_connections

    @worker_connections.setter
    def worker_connections(self, value: int) -> None:
        self._max_connections = value

    def init_process(self) -> None:
        if _board is not None:
            self._slot = _board.claim(os.getpid())
            _board.counts[self._slot] = self._nr_conns if self._slot >= 0 else 0
        try:
            super().init_process()  # runs the worker until it stops
        finally:
            if _board is not None:
                _board.release(self._slot)


class _GunicornApp(BaseApplication):
    def __init__(self, app: Flask, options: dict):
        self._app = app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self._app


def default_workers(app: Flask) -> int:
    """Two processes for SQLite (one writer at a time: more only contend); 2 × cores + 1 otherwise."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return 2
    return multiprocessing.cpu_count() * 2 + 1


def run_gunicorn(app: Flask, host: str, port: int, workers: int | None = None, threads: int = DEFAULT_THREADS) -> None:
    global _board
    workers = workers or default_workers(app)
    # Room for replacements started while old workers finish (a reload, a worker restart).
    _board = ConnectionBoard(2 * workers + 2)
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "survey.server.BalancedThreadWorker",
        "timeout": 120,
        "graceful_timeout": 10,
        "accesslog": None,  # no request log: addresses of respondents are not kept
        "errorlog": "-",
        "preload_app": False,
    }
    _GunicornApp(app, options).run()
