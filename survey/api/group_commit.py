"""Group commit: the responses arriving together in one worker go in with one transaction.

A commit costs more than an insert (an fsync on PostgreSQL, a WAL append and a
lock hand-over on SQLite). Requests that arrive while another request is
writing queue up; the writer (the "leader") then stores the whole queue in one
transaction. Each request still gets its own answer, and only after the commit
that stored it, so an acknowledged response is always durable. If a batch
fails, its responses are retried one by one so that one bad row cannot sink
the others. Leadership passes to a waiting request after each batch, so no
request waits for more than the batch ahead of it and its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine, update

from survey.api.write_gate import WriteGate
from survey.models import Device, Response, utcnow
from survey.responses import insert_response_rows

MAX_BATCH = 64


@dataclass
class Job:
    """One response to store; ``claim`` applies the minimum interval (None: no conflict)."""

    row: dict
    device_id: int | None
    claim: Callable[[], float | None] | None
    touch_device: bool
    created: bool = False
    conflict: float | None = None  # the other response's time when the minimum interval refused it
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)
    lead: bool = False


class GroupCommit:
    def __init__(self, engine: Engine, gate: WriteGate):
        self.engine = engine
        self.gate = gate
        self._lock = threading.Lock()
        self._queue: list[Job] = []
        self._leader_active = False

    def store(self, job: Job) -> Job:
        """Store the job's row (alone or with others); returns when its transaction has ended."""
        with self._lock:
            self._queue.append(job)
            lead = not self._leader_active
            self._leader_active = True
        if not lead:
            job.done.wait()
            if not job.lead:
                return job
        self._lead()
        job.done.wait()
        return job

    def _lead(self) -> None:
        with self._lock:
            batch = self._queue[:MAX_BATCH]
            del self._queue[:MAX_BATCH]
        try:
            self._run(batch)
        finally:
            with self._lock:
                if self._queue:
                    successor = self._queue[0]
                    successor.lead = True
                    successor.done.set()  # wakes it as the next leader, its own job still queued
                else:
                    self._leader_active = False
            for job in batch:
                job.done.set()

    def _run(self, batch: list[Job]) -> None:
        try:
            self._transaction(batch)
        except Exception as exc:  # noqa: BLE001 - any database error: find the row at fault
            if len(batch) == 1:
                batch[0].error = exc
                return
            for job in batch:  # find the culprit: each on its own
                job.created, job.conflict, job.error = False, None, None
                try:
                    self._transaction([job])
                except Exception as exc:  # noqa: BLE001 - handed to the request that owns the row
                    job.error = exc

    def _transaction(self, batch: list[Job]) -> None:
        with self.gate.held(), self.engine.begin() as connection:
            touched = set()
            new_ids = insert_response_rows(connection, [job.row for job in batch])
            for job, new_id in zip(batch, new_ids):
                job.created = new_id is not None
                if job.created and job.claim is not None:
                    job.conflict = job.claim()
                    if job.conflict is not None:  # too close to another: never committed
                        connection.execute(Response.__table__.delete().where(Response.__table__.c.id == new_id))
                        job.created = False
                if job.touch_device and job.device_id is not None:
                    touched.add(job.device_id)
            if touched:
                connection.execute(
                    update(Device.__table__).where(Device.__table__.c.id.in_(sorted(touched))).values(last_seen_at=utcnow())
                )
