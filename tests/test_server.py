"""`sipas serve`: gunicorn workers that share the connections out evenly."""

from __future__ import annotations

import os
import subprocess
import sys

from survey import server


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_board_gives_each_worker_a_slot_and_reclaims_those_of_dead_workers():
    board = server.ConnectionBoard(3)
    first, second, third = (board.claim(pid) for pid in (os.getpid(), os.getppid(), os.getpid()))
    assert (first, second, third) == (0, 1, 2)
    assert board.claim(os.getpid()) == -1  # no slot left: that worker accepts without looking at others
    board.counts[first], board.counts[second], board.counts[third] = 7, 0, 3
    board.pids[second] = _dead_pid()  # killed without releasing its slot
    assert board.least_other(first) == 0  # its stale count still counts until a new worker comes
    assert board.claim(os.getpid()) == second  # the replacement gets the dead worker's slot
    board.counts[second] = 5
    assert board.least_other(first) == 3
    board.release(third)
    assert board.least_other(first) == 5
    assert board.least_other(second) == 7


def _worker(board: server.ConnectionBoard, slot: int, connections: int, limit: int = 1000) -> server.BalancedThreadWorker:
    worker = object.__new__(server.BalancedThreadWorker)  # gunicorn's constructor needs a whole arbiter
    worker._max_connections = limit
    worker._slot = slot
    worker.nr_conns = connections
    return worker


def test_a_worker_far_busier_than_another_stops_accepting(monkeypatch):
    board = server.ConnectionBoard(2)
    monkeypatch.setattr(server, "_board", board)
    busy, idle = board.claim(os.getpid()), board.claim(os.getppid())
    worker = _worker(board, busy, connections=5)
    other = _worker(board, idle, connections=3)
    assert board.counts[busy] == 5 and board.counts[idle] == 3  # published through nr_conns
    # gthread accepts while nr_conns < worker_connections
    assert worker.nr_conns >= worker.worker_connections
    assert other.nr_conns < other.worker_connections
    other.nr_conns = 4  # within BALANCE_SLACK of each other: both accept
    assert worker.nr_conns < worker.worker_connections
    assert other.nr_conns < other.worker_connections
    worker.nr_conns = 1000  # the configured ceiling still applies
    other.nr_conns = 1000
    assert worker.worker_connections == 1000 and worker.nr_conns >= worker.worker_connections
