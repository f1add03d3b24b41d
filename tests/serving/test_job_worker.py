"""Jobs survive their worker: a `sipas worker` killed mid-job leaves the job failed with its reason, never running."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from survey import PROJECT_ROOT
from survey.extensions import db
from survey.models import Job, JobStatus
from survey.serving.queue import start_job, wait_for_job, worker_beside, worker_invocation


def slow_job(session, progress, *, seconds: float) -> dict:
    """A job the worker imports by reference (this module is on its PYTHONPATH)."""
    steps = int(seconds * 10)
    for step in range(steps):
        progress(step / steps, f"bước {step}")
        time.sleep(0.1)
    return {"slept": seconds}


def quick_job(session, progress) -> dict:
    return {"answer": 42}


def pid_job(session, progress) -> dict:
    return {"pid": os.getpid()}


@pytest.fixture
def queued_app(sqlite_template, tmp_path):
    """An app on SQLite whose jobs wait in an SQLite queue for a real `sipas worker`."""
    from survey import create_app

    shutil.copy(sqlite_template, tmp_path / "sipas.db")
    app = create_app({
        "TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": f"sqlite:///{tmp_path / 'sipas.db'}",
        "INSTANCE_PATH": str(tmp_path / "instance"), "JOB_QUEUE_URL": f"sqlite:///{tmp_path / 'jobs.db'}",
    })
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _start_worker(app, log_file: Path) -> subprocess.Popen:
    command, env = worker_invocation(app, workers=1)
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parent), str(PROJECT_ROOT)])
    with log_file.open("ab") as log:
        return subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT)


def _row(job_id: int) -> Job:
    with Session(db.engine, expire_on_commit=False) as session:
        return session.get(Job, job_id)


def _wait_until_running(job_id: int, worker: subprocess.Popen, log_file: Path, timeout: float = 90) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = _row(job_id)
        if job.status == JobStatus.RUNNING and job.progress > 0:
            return job
        assert worker.poll() is None, log_file.read_text()
        time.sleep(0.1)
    pytest.fail(f"job {job_id} did not start: {_row(job_id).status}\n{log_file.read_text()}")


def _stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.terminate()
        worker.wait(30)


def test_a_job_whose_worker_is_killed_is_failed_by_the_next_worker(queued_app, tmp_path):
    log_file = tmp_path / "worker.log"
    worker = _start_worker(queued_app, log_file)
    try:
        job = start_job(queued_app, "test", slow_job, seconds=60)
        running = _wait_until_running(job.id, worker, log_file)
        assert running.result == {"worker": f"{os.uname().nodename}:{worker.pid}"}
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(30)
        assert _row(job.id).status == JobStatus.RUNNING  # what a killed worker leaves behind

        worker = _start_worker(queued_app, log_file)
        assert wait_for_job(job.id, timeout=90), log_file.read_text()
        failed = _row(job.id)
        assert failed.status == JobStatus.FAILED and failed.finished_at is not None
        assert failed.result["type"] == "Interrupted" and str(running.result["worker"]) in failed.message
        assert 0 < failed.progress < 1

        # the new worker runs the jobs that come after
        job = start_job(queued_app, "test", quick_job)
        assert wait_for_job(job.id, timeout=90), log_file.read_text()
        done = _row(job.id)
        assert (done.status, done.result) == (JobStatus.DONE, {"answer": 42})
    finally:
        _stop(worker)


def test_a_worker_stopped_by_sigterm_fails_its_running_job_as_it_goes(queued_app, tmp_path):
    log_file = tmp_path / "worker.log"
    worker = _start_worker(queued_app, log_file)
    try:
        job = start_job(queued_app, "test", slow_job, seconds=60)
        _wait_until_running(job.id, worker, log_file)
        worker.terminate()
        assert worker.wait(30) is not None
        failed = _row(job.id)
        assert failed.status == JobStatus.FAILED, log_file.read_text()
        assert failed.result["type"] == "Interrupted"
    finally:
        _stop(worker)


def test_a_job_function_the_worker_cannot_import_is_refused_before_it_is_stored(queued_app):
    def local_work(session, progress):
        return {}

    with pytest.raises(ValueError, match="define it at module level"):
        start_job(queued_app, "test", local_work)
    assert db.session.query(Job).count() == 0


def test_sipas_serve_s_worker_is_started_again_when_it_dies(queued_app, monkeypatch):
    """``worker_beside`` (what ``sipas serve`` runs gunicorn in) restarts a killed worker, which recovers."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(Path(__file__).parent), str(PROJECT_ROOT)]))
    with worker_beside(queued_app, workers=1, restart_delay=0.2):
        job = start_job(queued_app, "test", slow_job, seconds=60)
        deadline = time.monotonic() + 90
        while not ((running := _row(job.id)).status == JobStatus.RUNNING and running.progress > 0):
            assert time.monotonic() < deadline, running.status
            time.sleep(0.1)
        pid = int(running.result["worker"].rpartition(":")[2])
        os.kill(pid, signal.SIGKILL)
        assert wait_for_job(job.id, timeout=90)
        assert _row(job.id).result["type"] == "Interrupted"
        job = start_job(queued_app, "test", pid_job)
        assert wait_for_job(job.id, timeout=90)
        second = _row(job.id).result["pid"]
        assert second != pid
    with pytest.raises(ProcessLookupError):  # the block's end stopped the worker
        os.kill(second, 0)
