"""Background jobs: progress committed as the work goes, results, failures recorded with their message."""

from __future__ import annotations

import io
import time
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.domain.jobs import job_dict, text_progress
from survey.models import (
    Job,
    JobStatus,
    Release,
    ReleaseStatus,
    StaffUser,
    SurveyRound,
    Unit,
    UnitKind,
)
from survey.serving.queue import start_job, wait_for_job


def _seen_progress(engine, job_id: int) -> tuple[str, float, str]:
    """The job as another connection (a browser polling) sees it."""
    with Session(engine) as session:
        job = session.get(Job, job_id)
        return job.status.value, job.progress, job.message


def test_job_progress_goes_from_0_to_1_and_is_visible_while_running(app, db_session):
    from survey.extensions import db

    seen = []

    def work(session, progress, *, steps: int):
        job_id = session.scalar(select(Job.id).order_by(Job.id.desc()))
        for step in range(steps + 1):
            progress(step / steps, f"bước {step}")
            seen.append(_seen_progress(db.engine, job_id))
            time.sleep(0.3)  # progress is committed at most every 0.25 s
        session.add(Unit(code="JOB1", name="Đơn vị do việc nền tạo", kind=UnitKind.COMMUNE))
        return {"answer": 42}

    job = start_job(app, "test", work, steps=2)
    assert job.status in (JobStatus.QUEUED, JobStatus.RUNNING) and job.parameters == {"steps": 2}
    assert wait_for_job(job.id, timeout=30)
    db_session.refresh(job)
    assert seen == [("running", 0.0, "bước 0"), ("running", 0.5, "bước 1"), ("running", 1.0, "bước 2")]
    assert (job.status, job.progress, job.result) == (JobStatus.DONE, 1.0, {"answer": 42})
    assert job.finished_at is not None
    assert db_session.scalar(select(Unit.id).where(Unit.code == "JOB1")) is not None  # the work was committed
    assert job_dict(job)["status"] == "done"


def test_a_failing_job_records_its_error_and_keeps_none_of_its_work(app, db_session):
    def work(session, progress):
        progress(0.3, "đang làm")
        session.add(Unit(code="JOB2", name="Không được lưu", kind=UnitKind.COMMUNE))
        session.flush()
        raise ValueError("Khung mẫu thiếu cột dân số")

    job = start_job(app, "test", work)
    assert wait_for_job(job.id, timeout=30)
    db_session.refresh(job)
    assert job.status == JobStatus.FAILED
    assert job.message == "Khung mẫu thiếu cột dân số"
    assert job.result == {"error": "Khung mẫu thiếu cột dân số", "type": "ValueError"}
    assert db_session.scalar(select(Unit.id).where(Unit.code == "JOB2")) is None


def test_compute_release_job_by_kind(app, demo, db_session):
    survey_round = db_session.scalar(select(SurveyRound).where(SurveyRound.code == f"counter-{date.today().year}"))
    user = db_session.scalar(select(StaffUser).where(StaffUser.login == "thongke"))
    db_session.commit()
    job = start_job(app, "compute_release", user=user, round_id=survey_round.id, title="Bản thử")
    assert job.user_id == user.id
    assert wait_for_job(job.id, timeout=60)
    db_session.refresh(job)
    assert job.status == JobStatus.DONE, job.message
    release = db_session.get(Release, job.result["release_id"])
    assert (release.title, release.status, release.created_by_id) == ("Bản thử", ReleaseStatus.DRAFT, user.id)
    assert release.number == 2

    # as the statistician pages call it: a session instead of the app, a dict of parameters
    job = start_job(db_session, "compute_release", {"round_id": survey_round.id, "title": "Từ trang web"})
    assert wait_for_job(job.id, timeout=60)
    db_session.refresh(job)
    assert job.status == JobStatus.DONE, job.message
    assert db_session.get(Release, job.result["release_id"]).title == "Từ trang web"


def test_unknown_job_kind_is_refused(app):
    with pytest.raises(ValueError, match="unknown job kind"):
        start_job(app, "nothing")


def test_text_progress_draws_a_bar():
    stream = io.StringIO()
    with text_progress(stream=stream) as progress:
        progress(0.0, "bắt đầu")
        progress(0.5, "một nửa")
        progress(1.0, "xong")
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("[" + "." * 30 + "]   0 % bắt đầu")
    assert lines[1] == "[" + "#" * 15 + "." * 15 + "]  50 % một nửa"
    assert lines[2].endswith("100 % xong")
