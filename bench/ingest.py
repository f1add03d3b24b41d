"""Ingest benchmark: N simulated tablets posting valid responses to `sipas serve` (gunicorn).

Usage (from the project root)::

    .venv/bin/python bench/ingest.py --backend sqlite --tablets 50 --seconds 15
    .venv/bin/python bench/ingest.py --backend postgresql \\
        --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres

It creates a fresh database (an SQLite file in a temporary directory, or a new
PostgreSQL database that it drops afterwards), migrates it, registers one unit,
a counter round of ``counter-quick`` and N tablets, starts ``sipas serve`` with
the given workers and connections per worker, and then:

1. posts valid responses from N keep-alive connections (one per tablet, each
   waiting for its answer before sending the next: a closed-loop load) for T
   seconds after a short warm-up, each with a new UUID and a submitted_at 6 s
   after the tablet's previous one (a tablet replaying its offline queue, so
   the 5 s minimum interval is respected);
2. runs the same load on ``GET /api/v1/health`` (the same server's ceiling);
3. checks that the database holds exactly the responses acknowledged with 201.

It prints responses/s, p50/p90/p99/max latency, errors, and the load
generator's own CPU use (it shares the cores with the server). The generator is
plain asyncio with hand-written HTTP/1.1 (no dependencies), about 40 µs of CPU
per request.

The per-tablet rate limit is raised for the run (a real tablet sends a
response every few minutes; these send one every few milliseconds); every
other guard (minimum interval, lookups, validation) runs as in production.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIPAS = Path(sys.executable).parent / "sipas"
PROBLEMS = ["waiting", "attitude", "guidance", "extra_papers", "repeat_visits", "facilities", "other"]


# --- set-up -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def create_postgres_database(admin_url: str) -> tuple[str, str]:
    """A new empty database next to ``admin_url``; returns (its URL, its name)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"sipas_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), name


def drop_postgres_database(admin_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def prepare_database(database_url: str, instance: Path, tablets: int) -> list[str]:
    """Migrate and seed: a ward, a counter round of counter-quick, N tablets; returns their tokens."""
    from survey import create_app
    from survey.domain.devices import register_device
    from survey.domain.questionnaires import load_questionnaire
    from survey.domain.questionnaires.store import publish
    from survey.domain.units import find_unit, seed_provinces
    from survey.extensions import db
    from survey.models import SurveyRound, database

    app = create_app({"DATABASE_URL": database_url, "INSTANCE_PATH": str(instance), "SECRET_KEY": "bench"})
    with app.app_context():
        database.upgrade(db.engine)
        session = db.session
        seed_provinces(session)
        path = ROOT / "questionnaires" / "counter-quick.yaml"
        version, _ = publish(session, load_questionnaire(path), path.read_text(encoding="utf-8"))
        from survey.models import Unit, UnitKind

        ward = Unit(code="00004", name="Phường Ba Đình", kind=UnitKind.COMMUNE, parent=find_unit(session, "01"),
                    valid_from=date(2025, 7, 1))
        session.add(ward)
        today = date.today()
        session.add(SurveyRound(code="bench", name="Bench", questionnaire_version=version,
                                starts_on=today - timedelta(days=30), ends_on=today + timedelta(days=30),
                                channels=["counter"], units=[ward]))
        tokens = [register_device(session, ward, f"Quầy {i + 1}")[1] for i in range(tablets)]
        session.commit()
        db.engine.dispose()
    return tokens


def count_responses(database_url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM responses")).scalar_one()
    engine.dispose()
    return count


def server_env(database_url: str, instance: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        SIPAS_DATABASE_URL=database_url,
        SIPAS_INSTANCE_PATH=str(instance),
        SIPAS_SECRET_KEY="bench",
        SIPAS_RATELIMIT_STORAGE_URI=env.get("SIPAS_RATELIMIT_STORAGE_URI", "memory://"),
        SIPAS_API_DEVICE_RATE_LIMIT="1000000/minute",
        SIPAS_LANG="en",
    )
    env.update(extra)
    return env


def start_server(env: dict[str, str], port: int, workers: int | None, connections: int | None, log: Path) -> subprocess.Popen:
    """``sipas serve`` (its own defaults where workers or connections are None) in its own process group.

    Returns once /api/v1/health answers.
    """
    options = (["--workers", str(workers)] if workers else []) + (["--connections", str(connections)] if connections else [])
    with open(log, "ab") as out:  # the server keeps its own copy of the descriptor
        process = subprocess.Popen(
            [str(SIPAS), "serve", "--host", "127.0.0.1", "--port", str(port), *options],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sipas serve exited with {process.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=1) as response:
                if response.status == 200:
                    _wait_for_workers(process.pid)
                    return process
        except OSError:
            time.sleep(0.1)
    stop_server(process)
    raise RuntimeError(f"sipas serve did not answer within 30 s; see {log}")


def _wait_for_workers(master: int, settle: float = 0.5, limit: float = 10.0) -> None:
    """Wait until the gunicorn master has started all its workers (its child count holds for ``settle`` s).

    The first worker answers while the master is still starting the others;
    clients connecting then would all land on that one worker.
    """
    children = Path(f"/proc/{master}/task/{master}/children")
    if not children.exists():
        time.sleep(1.0)
        return
    deadline = time.monotonic() + limit
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = len(children.read_text().split())
        if count != last:
            last, since = count, time.monotonic()
        elif time.monotonic() - since >= settle:
            return
        time.sleep(0.05)


def stop_server(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Signal the server's process group (gunicorn master and its workers) and wait."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def cpu_seconds(pgid: int | None = None, command: str | None = None) -> float:
    """CPU time (user + system) used so far by live processes of a process group, or with a command name (/proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, rest = stat.read_text().split(" (", 1)[1].rsplit(")", 1)
        except (OSError, ValueError):
            continue
        fields = rest.split()  # state, ppid, pgrp, ...
        if (pgid is not None and int(fields[2]) == pgid) or (command is not None and name == command):
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def group_cpu_seconds(pgid: int) -> float:
    return cpu_seconds(pgid=pgid)


# --- load ---------------------------------------------------------------------


class Tablet:
    """Builds valid submissions of one tablet: new UUIDs, submitted_at 6 s apart."""

    def __init__(self, token: str, start: datetime, rng: random.Random):
        self.token = token
        self.next_at = start
        self.rng = rng

    def body(self) -> bytes:
        rating = self.rng.choice((1, 2, 3, 4, 4, 4, 5, 5, 5, 5))
        answers: dict = {"rating": rating}
        if rating <= 3 and self.rng.random() < 0.7:
            answers["problems"] = self.rng.sample(PROBLEMS, self.rng.randint(1, 3))
        if self.rng.random() < 0.1:
            answers["comment"] = "Cán bộ hướng dẫn tận tình, thủ tục nhanh."
        submitted_at = self.next_at
        self.next_at += timedelta(seconds=6)
        return json.dumps({
            "uuid": str(uuid.uuid4()), "questionnaire": "counter-quick", "version": "1",
            "device_token": self.token, "submitted_at": submitted_at.isoformat(), "answers": answers,
        }, ensure_ascii=False).encode("utf-8")


@dataclass
class LoadResult:
    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    failures: int = 0  # connection errors and timeouts
    server_cpu: float = 0.0  # CPU seconds used by the server during the recorded window
    postgres_cpu: float = 0.0  # CPU seconds of all postgres processes in the window (other users too)
    created_total: int = 0  # 201s including the warm-up
    client_cpu: float = 0.0

    @property
    def ok(self) -> int:
        return sum(n for s, n in self.statuses.items() if s in (200, 201))

    @property
    def errors(self) -> int:
        return self.failures + sum(n for s, n in self.statuses.items() if s not in (200, 201))

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))] * 1000

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def line(self, name: str) -> str:
        server_us = self.server_cpu / max(1, len(self.latencies)) * 1e6
        return (f"{name:<22} {self.rate:7.0f}/s  p50 {self.percentile(50):6.1f} ms  p90 {self.percentile(90):6.1f} ms  "
                f"p99 {self.percentile(99):6.1f} ms  max {self.percentile(100):6.1f} ms  "
                f"ok {self.ok}  errors {self.errors}  statuses {dict(sorted(self.statuses.items()))}\n"
                f"{'':<22} server CPU {server_us:5.0f} µs/request ({self.server_cpu / self.seconds:.2f} cores), "
                f"generator CPU {self.client_cpu:.2f} cores"
                + (f", postgres processes {self.postgres_cpu / self.seconds:.2f} cores "
                   f"({self.postgres_cpu / max(1, len(self.latencies)) * 1e6:.0f} µs/request, all databases)"
                   if self.postgres_cpu else ""))


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length:
        await reader.readexactly(length)
    return status


async def _connection(port: int, make_request, result: LoadResult, record_from: float, stop_at: float,
                      interval: float | None = None, offset: float = 0.0) -> None:
    """One tablet: closed loop (next request when the answer arrives) or, with ``interval``, on a schedule.

    On a schedule, latency counts from the time the request was due, so a slow
    answer that delays the next request is not hidden (no coordinated omission).
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    due = record_from - 2.0 + offset
    try:
        while True:
            now = time.perf_counter()
            if now >= stop_at:
                return
            request = make_request()
            if interval is not None:
                if due > now:
                    await asyncio.sleep(due - now)
                started = due
                due += interval
            else:
                started = time.perf_counter()
            writer.write(request)
            try:
                status = await asyncio.wait_for(_read_response(reader), timeout=10)
            except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
                if started >= record_from:
                    result.failures += 1
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                continue
            result.created_total += status == 201
            if started >= record_from:
                result.latencies.append(time.perf_counter() - started)
                result.statuses[status] = result.statuses.get(status, 0) + 1
    finally:
        writer.close()


def post_request(body: bytes, port: int) -> bytes:
    return (b"POST /api/v1/responses HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % (port, len(body))) + body


def run_load(port: int, request_makers: list, seconds: float, warmup: float = 2.0,
             server_pgid: int | None = None, rate: float | None = None, count_postgres: bool = False) -> LoadResult:
    async def sample_cpu(result: LoadResult, record_from: float, stop_at: float) -> None:
        await asyncio.sleep(record_from - time.perf_counter())
        server, client = group_cpu_seconds(server_pgid) if server_pgid else 0.0, time.process_time()
        postgres = cpu_seconds(command="postgres") if count_postgres else 0.0
        await asyncio.sleep(stop_at - time.perf_counter())
        result.server_cpu = (group_cpu_seconds(server_pgid) - server) if server_pgid else 0.0
        result.client_cpu = (time.process_time() - client) / seconds
        result.postgres_cpu = cpu_seconds(command="postgres") - postgres if count_postgres else 0.0

    async def main() -> LoadResult:
        start = time.perf_counter()
        record_from, stop_at = start + warmup, start + warmup + seconds
        result = LoadResult(seconds)
        interval = len(request_makers) / rate if rate else None
        await asyncio.gather(sample_cpu(result, record_from, stop_at), *(
            _connection(port, make, result, record_from, stop_at, interval, i * (interval or 0) / len(request_makers))
            for i, make in enumerate(request_makers)
        ))
        return result

    return asyncio.run(main())


def build_parser() -> argparse.ArgumentParser:
    """The command line of this benchmark (a test builds it without running anything)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", default=os.environ.get("SIPAS_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
                        help="an existing PostgreSQL database used to create and drop the bench database")
    parser.add_argument("--tablets", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--workers", type=int, default=None, help="default: sipas serve's (2 on SQLite, 2 × cores + 1 on PostgreSQL)")
    parser.add_argument("--connections", type=int, default=None,
                        help="open connections per worker, a thread each (default: sipas serve's, 1000)")
    parser.add_argument("--rate", type=float, default=None,
                        help="offered load in requests/s shared by the tablets (default: closed loop, as fast as answered)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory and database")
    return parser


def main() -> int:
    args = build_parser().parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="sipas-bench-"))
    instance = tmp / "instance"
    pg_name = None
    if args.backend == "sqlite":
        database_url = f"sqlite:///{tmp / 'bench.db'}"
    else:
        database_url, pg_name = create_postgres_database(args.pg_url)
    process = None
    try:
        tokens = prepare_database(database_url, instance, args.tablets)
        port = free_port()
        process = start_server(server_env(database_url, instance), port, args.workers, args.connections, tmp / "server.log")
        rng = random.Random(20260701)
        start = datetime.now(UTC) - timedelta(days=20)
        tablets = [Tablet(token, start + timedelta(milliseconds=i), rng) for i, token in enumerate(tokens)]
        load_before = os.getloadavg()[0]
        ingest = run_load(port, [lambda t=t: post_request(t.body(), port) for t in tablets], args.seconds,
                          server_pgid=process.pid, rate=args.rate, count_postgres=args.backend == "postgresql")
        health_request = b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % port
        ceiling = run_load(port, [lambda: health_request] * args.tablets, args.seconds, server_pgid=process.pid,
                           count_postgres=args.backend == "postgresql")
        load_after = os.getloadavg()[0]
        stop_server(process)
        process = None
        stored = count_responses(database_url)
        mode = f"open loop at {args.rate:g}/s offered" if args.rate else "closed loop"
        print(f"backend {args.backend}, {args.tablets} tablets ({mode}), {args.seconds:g} s, "
              f"sipas serve --workers {args.workers or 'default'} --connections {args.connections or 'default'}, {os.cpu_count()} cores")
        print(ingest.line("POST /api/v1/responses"))
        print(ceiling.line("GET /api/v1/health"))
        print(f"ingest / ceiling: {ingest.rate / ceiling.rate:.0%}")
        database_cpu = ingest.postgres_cpu if args.backend == "postgresql" else 0.0
        ingest_cpu = (ingest.server_cpu + database_cpu + ingest.client_cpu * ingest.seconds) / max(1, len(ingest.latencies))
        print(f"machine: load average {load_before:.1f} before, {load_after:.1f} after (other processes share the cores); "
              f"CPU per response (server + {'postgres + ' if database_cpu else ''}generator) {ingest_cpu * 1e6:.0f} µs, "
              f"i.e. at most {(os.cpu_count() or 1) / ingest_cpu:.0f} responses/s if these cores were ours alone")
        print(f"stored rows {stored}, acknowledged with 201 (incl. warm-up) {ingest.created_total}")
        return 0 if ingest.errors == 0 and stored == ingest.created_total else 1
    finally:
        if process is not None:
            stop_server(process)
        if pg_name and not args.keep:
            drop_postgres_database(args.pg_url, pg_name)
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"kept {tmp}" + (f" and database {pg_name}" if pg_name else ""))


if __name__ == "__main__":
    sys.exit(main())
