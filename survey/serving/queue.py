"""The job queue (huey): web pages and commands enqueue, ``sipas worker`` runs the jobs.

This module is the Flask glue of :mod:`survey.domain.jobs` (which knows no
Flask and no queue). A job is a ``jobs`` row, committed before its task is
enqueued; the task carries only the job's id (and, for a job started with a
function of its own, that function, pickled by reference). Progress, result
and failure are written to the row by the worker, so the pages poll the row
and the queue stores nothing else.

Where tasks wait is ``JOB_QUEUE_URL``: by default an SQLite file
``<instance>/jobs.db``; ``redis://...`` for Redis; ``immediate`` runs each job
in the caller as it is enqueued (the default when ``TESTING``).
A worker that starts marks failed the jobs left running by a worker process
that no longer exists (killed, or its machine restarted); one stopped by
SIGTERM marks its running jobs failed as it goes.
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey
from huey.api import TaskWrapper
from huey.signals import SIGNAL_INTERRUPTED
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.domain.jobs import (
    JOB_KINDS,
    JobFunction,
    create_job,
    fail_interrupted_jobs,
    fail_job,
    interrupt_job,
    job_function,
    run_job,
)
from survey.extensions import db
from survey.models import Job, JobStatus

log = logging.getLogger(__name__)

QUEUE_NAME = "sipas-jobs"
_STOPPED = (0, -signal.SIGINT, -signal.SIGTERM)  # exit statuses of a worker told to stop
_create_lock = threading.Lock()


@dataclass(frozen=True)
class JobQueue:
    """An app's huey instance and its one task, which runs a stored job."""

    huey: Huey
    run_task: TaskWrapper


def queue_url(app: Flask) -> str:
    """Where the app's job queue keeps its tasks (``JOB_QUEUE_URL`` or its default)."""
    url = app.config["JOB_QUEUE_URL"]
    if url:
        return str(url)
    if app.testing:
        return "immediate"
    return f"sqlite:///{Path(app.instance_path) / 'jobs.db'}"


def _make_huey(url: str) -> Huey:
    if url == "immediate":
        return MemoryHuey(QUEUE_NAME, results=False, immediate=True)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(QUEUE_NAME, results=False, url=url)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(QUEUE_NAME, results=False, filename=str(path))
    raise ValueError(f"JOB_QUEUE_URL {url!r}: expected sqlite:///FILE, redis://HOST:PORT/DB or immediate")


def _create_queue(app: Flask) -> JobQueue:
    huey = _make_huey(queue_url(app))

    def run(job_id: int, func: JobFunction | None = None) -> None:
        with app.app_context():
            run_job(db.engine, job_id, func)

    @huey.signal(SIGNAL_INTERRUPTED)
    def interrupted(signal_name: str, task: Any, *args: Any, **kwargs: Any) -> None:
        with app.app_context(), Session(db.engine) as session:
            interrupt_job(session, task.args[0])
            session.commit()

    return JobQueue(huey, huey.task(name="run_job")(run))


def job_queue(app: Flask) -> JobQueue:
    """The app's job queue, made on first use from its configuration."""
    with _create_lock:
        if "sipas_job_queue" not in app.extensions:
            app.extensions["sipas_job_queue"] = _create_queue(app)
        return app.extensions["sipas_job_queue"]


def start_job(
    app: Flask | Any,
    kind: str,
    func: JobFunction | Mapping[str, Any] | None = None,
    /,
    *,
    user: Any = None,
    user_id: int | None = None,
    **params: Any,
) -> Job:
    """Store a queued job, enqueue it for ``sipas worker``, return the job as queued.

    The worker runs ``func(session, progress, **params)``; ``func`` defaults
    to the function registered for ``kind`` in :data:`JOB_KINDS`
    (``compute_release``: ``round_id``, ``title``, ``weight_set_id``,
    ``parameters``, ``publish``, ``supersedes_id``; ``compute_weights``:
    ``round_id``, ``frame_id``, ...). A ``func`` of one's own must be a
    module-level function the worker can import (any function in
    ``immediate`` mode). The job's user (``user`` or ``user_id``) is passed
    on as ``user_id``. ``params`` must be JSON-ready: they are stored with the
    job. Call it inside the app's context; the returned :class:`Job` belongs
    to ``db.session`` (``db.session.refresh(job)`` shows progress).

    Also accepted, for callers inside a request: a session (or anything not
    a Flask app) instead of ``app`` (the current app is used) and a dict of
    parameters instead of ``func`` (the registered function is used).
    """
    if not isinstance(app, Flask):
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    if isinstance(func, Mapping):
        params = {**func, **params}
        func = None
    queue = job_queue(app)
    if func is None:
        job_function(kind)  # an unknown kind is refused before anything is stored
    elif not queue.huey.immediate:
        _check_importable(func)
    if user is not None and user_id is None:
        user_id = user.id
    if user_id is not None and kind in JOB_KINDS:
        params = {**params, "user_id": user_id}

    with Session(db.engine) as session:
        job_id = create_job(session, kind, params, user_id).id
        session.commit()
    job = db.session.get(Job, job_id)  # as queued: in immediate mode the job runs on the next line
    try:
        queue.run_task(job_id, func)
    except Exception as exc:  # e.g. the queue's storage is unreachable: the row must not stay queued
        fail_job(db.engine, job_id, str(exc) or type(exc).__name__)
        raise
    return job


def _check_importable(func: JobFunction) -> None:
    """Refuse a job function the worker could not import (a local function, a lambda)."""
    try:
        pickle.dumps(func)
    except (pickle.PicklingError, AttributeError, TypeError) as exc:
        raise ValueError(f"job function {func!r} cannot be sent to the worker ({exc}): define it at module level") from None


def wait_for_job(job_id: int, timeout: float | None = None, interval: float = 0.1) -> bool:
    """Wait until a job is done or failed (or no longer exists); returns whether it ended."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        with Session(db.engine) as session:
            status = session.scalar(select(Job.status).where(Job.id == job_id))
        if status not in (JobStatus.QUEUED, JobStatus.RUNNING):
            return True
        if deadline is not None and time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def recover_interrupted_jobs(app: Flask) -> list[int]:
    """Mark failed the jobs left running by worker processes that no longer exist; their ids."""
    with app.app_context(), Session(db.engine) as session:
        interrupted = fail_interrupted_jobs(session, starting=True)
        session.commit()
    for job_id in interrupted:
        log.warning("job %s was interrupted: its worker stopped", job_id)
    return interrupted


def run_worker(app: Flask, workers: int = 1) -> None:
    """Recover interrupted jobs, then run the queue's consumer until SIGINT (gracefully) or SIGTERM."""
    recover_interrupted_jobs(app)
    job_queue(app).huey.create_consumer(workers=workers, worker_type="thread", periodic=False).run()


def worker_invocation(app: Flask, workers: int) -> tuple[list[str], dict[str, str]]:
    """``sipas worker`` on the same database, queue and instance folder as ``app``."""
    env = {
        **os.environ,
        "SIPAS_INSTANCE_PATH": app.instance_path,
        "SIPAS_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SIPAS_JOB_QUEUE_URL": queue_url(app),
    }
    return [sys.executable, "-m", "survey.cli", "worker", "--workers", str(workers)], env


@contextmanager
def worker_beside(app: Flask, workers: int = 1, restart_delay: float = 1.0) -> Iterator[None]:
    """Run ``sipas worker`` in a child process while the block runs; start it again if it dies.

    A worker that was stopped (status 0, or SIGINT or SIGTERM before its
    handlers were set: gunicorn's shutdown, an operator) is not started again.
    """
    if workers <= 0 or job_queue(app).huey.immediate:
        yield
        return
    command, env = worker_invocation(app, workers)
    lock, stopping = threading.Lock(), threading.Event()
    children = [subprocess.Popen(command, env=env)]

    def supervise() -> None:
        while True:
            code = children[-1].wait()
            if code in _STOPPED or stopping.wait(restart_delay):
                return
            with lock:
                if stopping.is_set():
                    return
                log.warning("sipas worker died (exit status %s); starting it again", code)
                children.append(subprocess.Popen(command, env=env))

    threading.Thread(target=supervise, name="sipas-worker-supervisor", daemon=True).start()
    try:
        yield
    finally:
        with lock:
            stopping.set()
            child = children[-1]
        child.terminate()  # SIGTERM: huey stops at once and marks its running jobs failed
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
