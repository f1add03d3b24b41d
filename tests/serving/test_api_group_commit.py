"""Group commit: concurrent responses share transactions but keep their own outcomes."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

from survey.models import Channel, Device
from survey.serving.group_commit import GroupCommit, Job
from survey.serving.write_gate import gate_for
from survey.web.api.guards import MemoryIntervalStore


def _row(api, **overrides):
    now = datetime.now(UTC)
    row = {
        "uuid": uuid.uuid4(), "round_id": api.round_id, "questionnaire_version_id": 1, "unit_id": api.unit_id,
        "channel": Channel.COUNTER, "device_id": api.device_ids[0], "submitted_at": now, "received_at": now,
        "answers": {"rating": 4}, "scores": b"\x00\x00\x80@",
    }
    row.update(overrides)
    return row


def test_concurrent_jobs_each_get_their_own_outcome(api, app, db_session, stored):
    from survey.extensions import db

    committer = GroupCommit(db.engine, gate_for(db.engine))
    intervals = MemoryIntervalStore()
    repeated = _row(api)
    jobs = [Job(_row(api), api.device_ids[0], None, touch_device=True) for _ in range(40)]
    jobs += [Job(dict(repeated), None, None, False), Job(dict(repeated), None, None, False)]
    jobs.append(Job(_row(api, round_id=999_999), None, None, False))  # a foreign-key violation
    # Two new responses of one tablet two seconds apart: the second is refused and not kept.
    def claim_at(at: float):
        key = str(uuid.uuid4())
        return lambda: intervals.claim(api.device_ids[1], at, key, 5.0)

    close = [Job(_row(api, device_id=api.device_ids[1]), api.device_ids[1], claim_at(at), False) for at in (1000.0, 1002.0)]
    jobs += close
    barrier = threading.Barrier(len(jobs))

    def run(job):
        barrier.wait()
        committer.store(job)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert all(job.finished for job in jobs)
    assert all(job.created and job.error is None for job in jobs[:40])
    assert sorted(job.created for job in jobs[40:42]) == [False, True]
    assert jobs[42].error is not None and not jobs[42].created
    assert sorted((job.created, job.conflict) for job in close) in ([(False, 1000.0), (True, None)], [(False, 1002.0), (True, None)])
    rows = stored()
    assert len(rows) == 40 + 1 + 1
    assert len({r.uuid for r in rows}) == len(rows)
    db_session.expire_all()
    assert db_session.get(Device, api.device_ids[0]).last_seen_at is not None
