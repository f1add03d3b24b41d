"""Group commit: the responses arriving together in one worker go in with one transaction.

A commit costs more than an insert (an fsync on PostgreSQL, a WAL append and a
lock hand-over on SQLite). Requests that arrive while another request is
writing queue up; the writer (the "leader") then stores the whole queue in one
transaction. Each request still gets its own answer, and only after the commit
that stored it, so an acknowledged response is always durable. If a batch
fails, its responses are retried one by one so that one bad row cannot sink
the others. Leadership passes to a waiting request after each batch, so no
request waits for more than the batch ahead of it and its own.

A batch runs the one response INSERT of :mod:`survey.domain.responses`
(:class:`~survey.domain.responses.ResponseInsert`: SQL text and values
converted by the columns' own SQLAlchemy types) on the pool's DB-API
connection: the engine's per-statement machinery (compiled-cache lookup,
execution context, result objects) cost more CPU than the INSERT itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine

from survey.domain.responses import ResponseRow, bind_processor, response_insert
from survey.models import Device, utcnow
from survey.serving.write_gate import WriteGate

MAX_BATCH = 64


class Signal:
    """Wakes the one thread waiting on a job: a lock held until set.

    ``threading.Event`` builds a Condition (a lock, a deque of waiter locks)
    for each job and notifies through it; on a 2-core machine that cost more
    CPU per submission than packing its row. Each ``set`` is matched by one
    ``wait``: a job's thread is woken once to lead a batch (maybe) and once
    when its own batch has ended.
    """

    __slots__ = ("_lock",)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lock.acquire()

    def set(self) -> None:
        self._lock.release()

    def wait(self) -> None:
        self._lock.acquire()


@dataclass
class Job:
    """One response to store; ``claim`` applies the minimum interval (None: no conflict)."""

    row: ResponseRow
    device_id: int | None
    claim: Callable[[], float | None] | None
    touch_device: bool
    created: bool = False
    conflict: float | None = None  # the other response's time when the minimum interval refused it
    error: BaseException | None = None
    done: Signal = field(default_factory=Signal)
    lead: bool = False  # woken to lead the next batch (its own job still queued)
    finished: bool = False  # its transaction has ended (whatever the outcome)


class ResponseWriter:
    """The statements of a batch on the driver's connection: the response INSERT, DELETE, device contact."""

    def __init__(self, engine: Engine):
        dialect = engine.dialect
        self.engine = engine
        self.insert = response_insert(dialect)
        self.mark = self.insert.mark
        self.seen_processor = bind_processor(Device.__table__.c.last_seen_at.type, dialect)

    def transaction(self, batch: list[Job]) -> None:
        """Store a batch in one transaction; on any error nothing of it is kept and the error is raised."""
        connection = self.engine.raw_connection()  # SQLAlchemy's pooled DB-API connection
        try:
            cursor = connection.cursor()
            try:
                self._statements(cursor, batch)
            finally:
                cursor.close()
            connection.commit()
        except BaseException:
            try:
                connection.rollback()
            except Exception:  # noqa: BLE001 - a broken connection: the pool must not get it back
                connection.invalidate()
            raise
        finally:
            connection.close()  # back to the pool (closing an invalidated one is a no-op)

    def _statements(self, cursor, batch: list[Job]) -> None:
        rows = [job.row for job in batch]
        cursor.execute(self.insert.sql(len(rows)), self.insert.parameters(rows))
        new_ids = self.insert.new_ids(rows, cursor.fetchall())
        touched = set()
        for job, new_id in zip(batch, new_ids):
            job.created = new_id is not None
            if job.created and job.claim is not None:
                job.conflict = job.claim()
                if job.conflict is not None:  # too close to another: never committed
                    cursor.execute(f"DELETE FROM responses WHERE id = {self.mark}", (new_id,))
                    job.created = False
            if job.touch_device and job.device_id is not None:
                touched.add(job.device_id)
        if touched:
            ids = sorted(touched)
            cursor.execute(
                f"UPDATE devices SET last_seen_at = {self.mark} WHERE id IN ({', '.join([self.mark] * len(ids))})",
                [self.seen_processor(utcnow()), *ids],
            )


class GroupCommit:
    def __init__(self, engine: Engine, gate: WriteGate):
        self.engine = engine
        self.gate = gate
        self.writer = ResponseWriter(engine)
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
                job.finished = True
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
        with self.gate.held():
            self.writer.transaction(batch)
