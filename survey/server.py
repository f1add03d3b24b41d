"""Production serving with gunicorn (never the Flask debug server)."""

from __future__ import annotations

import multiprocessing

from flask import Flask
from gunicorn.app.base import BaseApplication


class _GunicornApp(BaseApplication):
    def __init__(self, app: Flask, options: dict):
        self._app = app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self._app


def default_workers(app: Flask) -> int:
    """Two processes for SQLite (one writer at a time: more only contend); 2 × cores + 1 otherwise."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return 2
    return multiprocessing.cpu_count() * 2 + 1


def run_gunicorn(app: Flask, host: str, port: int, workers: int | None = None, threads: int = 4) -> None:
    options = {
        "bind": f"{host}:{port}",
        "workers": workers or default_workers(app),
        "threads": threads,
        "worker_class": "gthread",
        "timeout": 120,
        "graceful_timeout": 10,
        "accesslog": None,  # no request log: addresses of respondents are not kept
        "errorlog": "-",
        "preload_app": False,
    }
    _GunicornApp(app, options).run()
