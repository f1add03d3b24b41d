"""Long computations in the background, with progress for the browser and the CLI.

:func:`start_job` stores a :class:`~survey.models.Job`, commits it, and runs
``func(session, progress, **params)`` in a thread with its own application
context and database session. ``progress(fraction, message)`` commits the
job's progress in a separate short transaction, so a browser polling the
``jobs`` row sees it move while the work's own transaction is still open.
The work's session is committed when ``func`` returns (its return value, a
JSON-ready dict, becomes ``Job.result``) and rolled back when it raises (the
job is then ``failed`` with the error as its message).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from survey.models import Job, JobStatus, utcnow

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
JobFunction = Callable[..., dict[str, Any] | None]

_threads: dict[int, threading.Thread] = {}

# Job kinds the web pages start by name: kind -> "module:function".
JOB_KINDS = {
    "compute_release": "survey.domain.releases:compute_release_job",
    "compute_weights": "survey.domain.weights:compute_weights_job",
}


def job_function(kind: str) -> JobFunction:
    """The function registered for a job kind."""
    import importlib

    try:
        module_name, name = JOB_KINDS[kind].split(":")
    except KeyError:
        raise ValueError(f"unknown job kind {kind!r}") from None
    return getattr(importlib.import_module(module_name), name)


def _update_job(engine: Any, job_id: int, **values: Any) -> None:
    """Write job fields in a transaction of their own."""
    with Session(engine) as session:
        session.execute(update(Job).where(Job.id == job_id).values(**values))
        session.commit()


def _job_progress(engine: Any, job_id: int, min_interval: float = 0.25) -> Progress:
    """A progress callback that commits at most every ``min_interval`` seconds (and at 1.0)."""
    last = [0.0]

    def progress(fraction: float, message: str) -> None:
        now = time.monotonic()
        if fraction < 1.0 and now - last[0] < min_interval:
            return
        last[0] = now
        try:
            _update_job(engine, job_id, progress=max(0.0, min(1.0, float(fraction))), message=message[:255])
        except OperationalError:  # SQLite busy: progress is best-effort, the work goes on
            log.warning("job %s: progress not recorded", job_id)

    return progress


def _run(app: Flask, job_id: int, func: JobFunction, params: dict[str, Any]) -> None:
    from survey.extensions import db

    with app.app_context():
        engine = db.engine
        _update_job(engine, job_id, status=JobStatus.RUNNING, message="")
        try:
            result = func(db.session, _job_progress(engine, job_id), **params)
            db.session.commit()
        except Exception as exc:  # the job records every failure; nothing else would see it
            db.session.rollback()
            log.exception("job %s failed", job_id)
            message = str(exc) or type(exc).__name__
            _update_job(
                engine, job_id, status=JobStatus.FAILED, message=message[:255], finished_at=utcnow(),
                result={"error": message, "type": type(exc).__name__},
            )
        else:
            _update_job(
                engine, job_id, status=JobStatus.DONE, progress=1.0, finished_at=utcnow(), result=result or {},
            )
        finally:
            db.session.remove()


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
    """Store a queued job, start ``func(session, progress, **params)`` in a thread, return the job.

    ``func`` defaults to the function registered for ``kind`` in
    :data:`JOB_KINDS` (``compute_release``: ``round_id``, ``title``,
    ``weight_set_id``, ``parameters``, ``publish``, ``supersedes_id``;
    ``compute_weights``: ``round_id``, ``frame_id``, ...). The job's user
    (``user`` or ``user_id``) is passed on as ``user_id``. ``params`` must be
    JSON-ready: they are stored with the job. The returned :class:`Job`
    belongs to the caller's ``db.session`` (``db.session.refresh(job)`` shows
    progress).

    Also accepted, for callers inside a request: a session (or anything not
    a Flask app) instead of ``app`` (the current app is used) and a dict of
    parameters instead of ``func`` (the registered function is used).
    """
    from flask import current_app

    from survey.extensions import db

    if not isinstance(app, Flask):
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    if isinstance(func, Mapping):
        params = {**func, **params}
        func = None
    func = func or job_function(kind)
    if user is not None and user_id is None:
        user_id = user.id
    if user_id is not None and kind in JOB_KINDS:
        params = {**params, "user_id": user_id}

    with Session(db.engine) as session:
        job = Job(kind=kind, status=JobStatus.QUEUED, progress=0.0, message="", parameters=params, user_id=user_id)
        session.add(job)
        session.commit()
        job_id = job.id
    thread = threading.Thread(target=_run, args=(app, job_id, func, params), name=f"sipas-job-{job_id}", daemon=True)
    _threads[job_id] = thread
    thread.start()
    return db.session.get(Job, job_id)


def wait_for_job(job_id: int, timeout: float | None = None) -> bool:
    """Wait until a job started in this process ends; returns whether it ended."""
    thread = _threads.get(job_id)
    if thread is None:
        return True
    thread.join(timeout)
    if thread.is_alive():
        return False
    _threads.pop(job_id, None)
    return True


def job_dict(job: Job) -> dict[str, Any]:
    """A job as plain data (for a JSON view)."""
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status.value,
        "progress": job.progress,
        "message": job.message,
        "result": job.result,
        "created_at": job.created_at.isoformat() if job.created_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


@contextmanager
def text_progress(label: str = "", width: int = 30, stream: Any = None) -> Iterator[Progress]:
    """A progress callback drawing ``[#####.....]  42 % message`` on one terminal line."""
    stream = stream or sys.stderr
    interactive = hasattr(stream, "isatty") and stream.isatty()
    last = [-1]

    def progress(fraction: float, message: str) -> None:
        percent = round(max(0.0, min(1.0, fraction)) * 100)
        if not interactive and percent == last[0]:
            return
        last[0] = percent
        filled = int(width * percent / 100)
        line = f"{label}[{'#' * filled}{'.' * (width - filled)}] {percent:3d} % {message}"
        if interactive:
            stream.write("\r" + line[:120].ljust(120))
        else:
            stream.write(line + "\n")
        stream.flush()

    try:
        yield progress
    finally:
        if interactive:
            stream.write("\n")
            stream.flush()
