"""Long computations run by the job queue's worker, with progress for the browser and the CLI.

No Flask and no queue here: :mod:`survey.serving.queue` stores a job with
:func:`create_job`, enqueues it, and the worker (``sipas worker``) calls
:func:`run_job`. ``progress(fraction, message)`` commits the job's progress in
a separate short transaction, so a browser polling the ``jobs`` row sees it
move while the work's own transaction is still open. The work's session is
committed when the job function returns (its return value, a JSON-ready dict,
becomes ``Job.result``) and rolled back when it raises (the job is then
``failed`` with the error as its message). While a job runs, ``Job.result``
names the worker process running it, so :func:`fail_interrupted_jobs` can tell
a job whose worker was killed from one still at work.
"""

from __future__ import annotations

import importlib
import logging
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from survey.i18n import _
from survey.models import Job, JobStatus, utcnow

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
JobFunction = Callable[..., dict[str, Any] | None]

# Job kinds the web pages and the CLI start by name: kind -> "module:function".
JOB_KINDS = {
    "compute_release": "survey.domain.releases:compute_release_job",
    "compute_weights": "survey.domain.weights:compute_weights_job",
    "recount_months": "survey.domain.dossiers.recount:recount_months_job",
}


def job_function(kind: str) -> JobFunction:
    """The function registered for a job kind."""
    try:
        module_name, name = JOB_KINDS[kind].split(":")
    except KeyError:
        raise ValueError(f"unknown job kind {kind!r}") from None
    return getattr(importlib.import_module(module_name), name)


def this_worker() -> str:
    """This process as a job's worker: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def create_job(session: Session, kind: str, parameters: dict[str, Any], user_id: int | None = None) -> Job:
    """A queued job (flush only; the caller commits before the worker can see it)."""
    job = Job(kind=kind, status=JobStatus.QUEUED, progress=0.0, message="", parameters=parameters, user_id=user_id)
    session.add(job)
    session.flush()
    return job


def _update_job(engine: Engine, job_id: int, **values: Any) -> None:
    """Write job fields in a transaction of their own."""
    with Session(engine) as session:
        session.execute(update(Job).where(Job.id == job_id).values(**values))
        session.commit()


def _job_progress(engine: Engine, job_id: int, min_interval: float = 0.25) -> Progress:
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


def _fail(engine: Engine, job_id: int, message: str, error_type: str) -> None:
    _update_job(
        engine, job_id, status=JobStatus.FAILED, message=message[:255], finished_at=utcnow(),
        result={"error": message, "type": error_type},
    )


def run_job(engine: Engine, job_id: int, func: JobFunction | None = None) -> None:
    """Run a queued job: ``func(session, progress, **parameters)``, by default its kind's function."""
    with Session(engine) as session:
        claimed = session.execute(
            update(Job).where(Job.id == job_id, Job.status == JobStatus.QUEUED)
            .values(status=JobStatus.RUNNING, message="", result={"worker": this_worker()})
        )
        session.commit()
        if claimed.rowcount != 1:  # deleted, or already run (a task delivered twice)
            log.warning("job %s is not queued; not run", job_id)
            return
        job = session.get(Job, job_id)
        kind, params = job.kind, dict(job.parameters or {})
    with Session(engine) as session:
        try:
            result = (func or job_function(kind))(session, _job_progress(engine, job_id), **params)
            session.commit()
        except Exception as exc:  # the job records every failure; nothing else would see it
            session.rollback()
            log.exception("job %s failed", job_id)
            _fail(engine, job_id, str(exc) or type(exc).__name__, type(exc).__name__)
        else:
            _update_job(
                engine, job_id, status=JobStatus.DONE, progress=1.0, finished_at=utcnow(), result=result or {},
            )


def fail_job(engine: Engine, job_id: int, message: str) -> None:
    """Mark a job failed that could not be run (e.g. it could not be enqueued)."""
    _fail(engine, job_id, message, "JobNotRun")


def _worker_gone(worker: str | None, *, starting: bool) -> bool:
    """Whether the worker process named ``host:pid`` no longer exists (unknown on other hosts)."""
    if not worker:
        return True  # started by a version that ran jobs in web threads: they died with it
    host, _sep, pid_text = worker.rpartition(":")
    if host != socket.gethostname():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return starting  # a job of a previous process that had this pid
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _interrupt(job: Job, worker: str | None) -> None:
    message = _("Bị gián đoạn: tiến trình chạy việc nền đã dừng (%(worker)s).", worker=worker or "?")
    job.status, job.message, job.finished_at = JobStatus.FAILED, message[:255], utcnow()
    job.result = {"error": message, "type": "Interrupted", "worker": worker}


def fail_interrupted_jobs(session: Session, *, starting: bool = True) -> list[int]:
    """Mark failed the running jobs whose worker process has died (flush only); their ids.

    ``starting``: this process runs no job yet, so a job recorded with this
    process's pid was left by an earlier process that had the same pid.
    """
    interrupted = []
    for job in session.scalars(select(Job).where(Job.status == JobStatus.RUNNING).with_for_update()):
        worker = (job.result or {}).get("worker")
        if _worker_gone(worker, starting=starting):
            _interrupt(job, worker)
            interrupted.append(job.id)
    session.flush()
    return interrupted


def interrupt_job(session: Session, job_id: int) -> bool:
    """Mark a job failed whose worker is stopping in the middle of it (flush only); whether it was running."""
    job = session.get(Job, job_id, with_for_update=True)
    if job is None or job.status != JobStatus.RUNNING:
        return False
    _interrupt(job, (job.result or {}).get("worker"))
    session.flush()
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
