"""Production serving with gunicorn (never the Flask debug server).

The workers are gunicorn workers of our own (:class:`ConnectionThreadWorker`):
each open connection has a thread that reads its requests one after another
and answers them itself. gunicorn's threaded worker hands every request from
its poller thread to a pool thread and back (a pipe write, a future, a
re-registration), which on a 2-core machine cost more CPU than a submission's
own work; with 50 tablets the worker of our own served 15-25 % more
submissions with half the p99 latency (bench/RESULTS-ingest.md).

The workers also share the connections out evenly. Every worker listens on
the same socket and, left to itself, the first one to wake up takes every
connection that is waiting: 50 tablets connecting at once all landed on one
worker while the other sat idle. Here each worker publishes how many
connections it holds (in memory shared by the workers) and stops accepting
while it holds more than ``BALANCE_SLACK`` above the least loaded live worker.

The worker uses gunicorn's internals (``workers.base.Worker``, ``http.get_parser``
and the parser's ``unreader``/``finish_body``, ``http.wsgi.create``, ``sock``,
``util``), which change between gunicorn's major releases. It runs only on the
gunicorn releases in ``SUPPORTED_GUNICORN``, the range it was tested with; on
any other, and whenever ``SERVE_WORKER = "gthread"`` (``SIPAS_SERVE_WORKER``,
``sipas serve --worker gthread``), ``sipas serve`` runs gunicorn's own threaded
worker (gthread) instead: slower, but it needs nothing of gunicorn's internals.
"""

from __future__ import annotations

import errno
import logging
import multiprocessing
import os
import re
import select
import ssl
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import gunicorn
from flask import Flask
from gunicorn import http, sock, util
from gunicorn.app.base import BaseApplication
from gunicorn.http import wsgi
from gunicorn.workers import base
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from survey.i18n import _
from survey.settings import DEFAULT_CONNECTIONS, DefaultConfig

# The gunicorn releases ConnectionThreadWorker was tested with; pyproject.toml pins the same range.
SUPPORTED_GUNICORN = ">=27.0,<28"
# SERVE_WORKER (survey.settings) → gunicorn's worker_class.
WORKER_CLASSES = {
    "connection-threads": "survey.serving.server.ConnectionThreadWorker",
    "gthread": "gthread",
}
GTHREAD_THREADS = 16  # gthread's request threads per process (its default, 1, would serve one request at a time)

BALANCE_SLACK = 1
WRITE_TIMEOUT = 10.0  # seconds a client may leave an answer unread before its connection is dropped
ACCEPT_RECHECK = 0.01  # seconds between looks at the board while this worker is the busiest


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

# Paths that carry a secret: a tablet's kiosk (/k/<token>) and an invitation (/s/i/<token>).
TOKEN_IN_PATH = re.compile(r"(/k/|/i/)[^/\s?#\"']+")


class TokenRedaction(logging.Filter):
    """Log lines (gunicorn's "Error handling request /k/…", the app's 500 line) without the tokens in paths."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = TOKEN_IN_PATH.sub(r"\1…", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


@dataclass(frozen=True)
class ConnectionLimits:
    """How long a client may take to send a request, and how many connections one address may hold.

    gunicorn bounds the size of a request head (``limit_request_line``,
    ``limit_request_fields``, ``limit_request_field_size``, left at their
    defaults) and the idle time between requests (``keepalive``), but not the
    time a head or body takes to arrive: a client sending a byte every few
    seconds held its thread for ever. These are the settings ``SERVE_*`` of
    :mod:`survey.settings`.
    """

    head_seconds: float = DefaultConfig.SERVE_HEAD_TIMEOUT_SECONDS
    body_seconds: float = DefaultConfig.SERVE_BODY_TIMEOUT_SECONDS
    body_min_rate: float = DefaultConfig.SERVE_BODY_MIN_RATE
    per_address: int = DefaultConfig.SERVE_CONNECTIONS_PER_ADDRESS  # per worker process; 0: no cap

    @classmethod
    def from_config(cls, config: Any) -> ConnectionLimits:
        """The limits of an app's configuration; no cap per address behind a reverse proxy (PROXY_COUNT)."""
        return cls(
            head_seconds=float(config["SERVE_HEAD_TIMEOUT_SECONDS"]),
            body_seconds=float(config["SERVE_BODY_TIMEOUT_SECONDS"]),
            body_min_rate=float(config["SERVE_BODY_MIN_RATE"]),
            per_address=0 if int(config["PROXY_COUNT"]) > 0 else int(config["SERVE_CONNECTIONS_PER_ADDRESS"]),
        )


_limits = ConnectionLimits()  # set by run_gunicorn before the workers are forked


class RequestDeadline:
    """A connection as gunicorn's parser reads it: every read ends at the current request's deadline.

    A head must be complete ``head_seconds`` after the connection opened (its
    first request) or after its first byte arrived (later ones); a body gets
    ``body_seconds`` plus a second per ``body_min_rate`` bytes received. A read
    past the deadline returns no data, which the parser and the application
    take for a client that went away, and the connection is closed.
    """

    __slots__ = ("deadline", "expired", "limits", "per_byte", "sock")

    def __init__(self, sock: Any, limits: ConnectionLimits, deadline: float):
        self.sock = sock
        self.limits = limits
        self.deadline = deadline
        self.per_byte = 0.0
        self.expired = False

    def expect_head(self, deadline: float) -> None:
        self.deadline, self.per_byte = deadline, 0.0

    def expect_body(self) -> None:
        self.deadline = time.monotonic() + self.limits.body_seconds
        self.per_byte = 1.0 / self.limits.body_min_rate if self.limits.body_min_rate > 0 else 0.0

    def recv(self, size: int) -> bytes:
        remaining = self.deadline - time.monotonic()
        if self.expired or remaining <= 0:
            self.expired = True
            return b""
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(size)
        except TimeoutError:
            self.expired = True
            return b""
        finally:
            self.sock.settimeout(WRITE_TIMEOUT)
        self.deadline += len(data) * self.per_byte
        return data


class ConnectionThreadWorker(base.Worker):
    """A gunicorn worker that gives each open connection a thread of its own.

    The thread reads the connection's requests one after another (HTTP/1.1
    keep-alive) and answers each itself: no poller, no thread pool, no hand-over
    between threads per request. gunicorn's gthread worker hands every request
    from its poller thread to a pool thread and back, which cost more CPU than
    a submission itself (bench/ingest.py). Up to ``worker_connections``
    connections are open per worker, at most ``ConnectionLimits.per_address``
    of them from one address; an idle one is closed after ``keepalive``
    seconds, one whose request is late after its :class:`RequestDeadline`. Workers share the
    connections out evenly through the :class:`ConnectionBoard`.
    """

    _slot = -1

    def init_process(self) -> None:
        self._open = 0
        self._open_lock = threading.Lock()
        self._per_address: Counter[str] = Counter()
        self._threads: set[threading.Thread] = set()
        if _board is not None:
            self._slot = _board.claim(os.getpid())
        try:
            super().init_process()  # runs the worker until it stops
        finally:
            if _board is not None:
                _board.release(self._slot)

    # --- accepting --------------------------------------------------------

    def _may_accept(self) -> bool:
        if self._open >= self.cfg.worker_connections:
            return False
        if _board is not None and self._slot >= 0:
            least = _board.least_other(self._slot)
            if least is not None and self._open > least + BALANCE_SLACK:
                return False
        return True

    def _count(self, change: int, host: str | None = None) -> bool:
        """Count a connection opened (+1) or closed (-1); False, uncounted, when ``host`` holds its share."""
        with self._open_lock:
            if host is not None:
                if change > 0 and _limits.per_address and self._per_address[host] >= _limits.per_address:
                    return False
                self._per_address[host] += change
                if self._per_address[host] <= 0:
                    del self._per_address[host]
            self._open += change
            if _board is not None and self._slot >= 0:
                _board.counts[self._slot] = self._open
        return True

    def run(self) -> None:
        for listener in self.sockets:
            listener.setblocking(False)
        while self.alive:
            self.notify()
            if not self.is_parent_alive():
                break
            accepting = self._may_accept()
            fds = self.wait_fds if accepting else [self.PIPE[0]]
            try:
                ready, _, _ = select.select(fds, [], [], 1.0 if accepting else ACCEPT_RECHECK)
            except OSError as exc:
                if exc.errno in (errno.EINTR, errno.EBADF):
                    continue
                raise
            for listener in ready:
                if listener == self.PIPE[0]:
                    try:
                        os.read(self.PIPE[0], 64)
                    except BlockingIOError:
                        pass
                    continue
                self._accept(listener)
        self._finish()

    def _accept(self, listener) -> None:
        while self.alive and self._may_accept():
            try:
                client, address = listener.accept()
            except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                return
            host = _host(address)
            if not self._count(+1, host):  # this address holds its share of connections already
                client.close()
                continue
            client.setblocking(True)
            util.close_on_exec(client)
            opened = time.monotonic()
            thread = threading.Thread(target=self._serve, args=(listener, client, address, host, opened), daemon=True)
            self._threads.add(thread)
            thread.start()

    def _finish(self) -> None:
        """Let connections finish their current request (up to graceful_timeout)."""
        deadline = time.monotonic() + self.cfg.graceful_timeout
        for thread in list(self._threads):
            thread.join(max(0.0, deadline - time.monotonic()))

    def is_parent_alive(self) -> bool:
        if self.ppid != os.getppid():
            self.log.info("Parent changed, shutting down: %s", self)
            return False
        return True

    # --- one connection ---------------------------------------------------

    def _serve(self, listener, client, address, host: str, opened: float) -> None:
        req = None
        server_name = listener.getsockname()
        try:
            if self.cfg.is_ssl:
                client = sock.ssl_wrap_socket(client, self.cfg)
            client.settimeout(WRITE_TIMEOUT)
            reader = RequestDeadline(client, _limits, opened + _limits.head_seconds)
            parser = http.get_parser(self.cfg, reader, address)
            waiting = select.poll()  # one per connection, not per request
            waiting.register(client, select.POLLIN)
            first = True
            while self.alive:
                if not parser.unreader.buf.getvalue():
                    # The first request's head is due head_seconds after connecting; later ones may idle keepalive seconds.
                    wait = reader.deadline - time.monotonic() if first else self.cfg.keepalive
                    if wait <= 0 or not waiting.poll(wait * 1000):
                        break
                if not first:
                    reader.expect_head(time.monotonic() + _limits.head_seconds)
                first = False
                req = next(parser)
                if not req:
                    break
                reader.expect_body()
                if not self._handle_request(req, client, address, server_name):
                    break
                if not parser.finish_body(deadline=reader.deadline) or reader.expired:
                    break
                req = None
        except http.errors.NoMoreData:
            pass
        except StopIteration:
            pass
        except ssl.SSLError as exc:
            if exc.args[0] != ssl.SSL_ERROR_EOF:
                self.handle_error(req, client, address, exc)
        except TimeoutError:
            pass
        except OSError as exc:
            if exc.errno not in (errno.EPIPE, errno.ECONNRESET, errno.ENOTCONN):
                self.log.exception("Socket error processing request.")
        except Exception as exc:  # noqa: BLE001 - answered with gunicorn's error page
            self.handle_error(req, client, address, exc)
        finally:
            util.close_graceful(client)
            self._count(-1, host)
            self._threads.discard(threading.current_thread())

    def _handle_request(self, req, client, address, server_name) -> bool:
        """Answer one request; whether the connection stays open."""
        environ: dict = {}
        resp = None
        try:
            self.cfg.pre_request(self, req)
            resp, environ = wsgi.create(req, client, address, server_name, self.cfg)
            environ["wsgi.multithread"] = True
            self.nr += 1
            if self.nr >= self.max_requests and self.alive:
                self.log.info("Autorestarting worker after current request.")
                self.alive = False
            if not self.alive or not self.cfg.keepalive:
                resp.force_close()
            respiter = self.wsgi(environ, resp.start_response)
            if not self.alive:  # told to stop while the application ran: this answer is the last
                resp.force_close()
            try:
                if isinstance(respiter, environ["wsgi.file_wrapper"]):
                    resp.write_file(respiter)
                else:
                    for item in respiter:
                        resp.write(item)
                resp.close()
            finally:
                if hasattr(respiter, "close"):
                    respiter.close()
            return not resp.should_close()
        except OSError:
            raise
        except (Exception, SystemExit):
            if resp and resp.headers_sent:
                self.log.exception("Error handling request")
                raise StopIteration() from None
            raise
        finally:
            try:
                self.cfg.post_request(self, req, environ, resp)
            except Exception:
                self.log.exception("Exception in post_request hook")



def _host(address: Any) -> str:
    """The client's address without its port (a Unix socket's peer is one address)."""
    return str(address[0]) if isinstance(address, tuple) and address else str(address)


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


def gunicorn_supported(version: str = gunicorn.__version__) -> bool:
    """Whether ``version`` of gunicorn is one ConnectionThreadWorker was tested with."""
    return Version(version) in SpecifierSet(SUPPORTED_GUNICORN)


def worker_options(worker: str, connections: int, version: str = gunicorn.__version__) -> dict:
    """gunicorn's options for a worker of WORKER_CLASSES: gthread also when this gunicorn is not a supported one."""
    if worker == "connection-threads" and not gunicorn_supported(version):
        print(_("gunicorn %(version)s nằm ngoài phạm vi đã kiểm thử của worker connection-threads (%(supported)s); "
                "dùng worker gthread của gunicorn.", version=version, supported=SUPPORTED_GUNICORN), file=sys.stderr)
        worker = "gthread"
    options = {"worker_class": WORKER_CLASSES[worker], "worker_connections": connections}
    if worker == "gthread":
        options["threads"] = GTHREAD_THREADS
    return options


def run_gunicorn(app: Flask, host: str, port: int, workers: int | None = None,
                 connections: int = DEFAULT_CONNECTIONS, worker: str | None = None) -> None:
    """Serve ``app`` with gunicorn; ``worker`` (default: the SERVE_WORKER setting) chooses the worker class."""
    global _board, _limits
    workers = workers or default_workers(app)
    _limits = ConnectionLimits.from_config(app.config)
    for logger in (app.logger, logging.getLogger("gunicorn.error")):
        logger.addFilter(TokenRedaction())
    # Room for replacements started while old workers finish (a reload, a worker restart).
    _board = ConnectionBoard(2 * workers + 2)
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        **worker_options(worker or app.config["SERVE_WORKER"], connections),
        "timeout": 120,
        "graceful_timeout": 10,
        "accesslog": None,  # no request log: addresses of respondents are not kept
        "errorlog": "-",
        "logger_class": "survey.serving.log_privacy.AddresslessLogger",  # no client address in error lines
        "preload_app": False,
    }
    _GunicornApp(app, options).run()
