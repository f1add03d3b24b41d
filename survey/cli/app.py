"""The application a command runs in: the one the caller passed (tests), else a new one."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click
from flask import Flask


def create_cli_app() -> Flask:
    """The app given by the caller (tests pass ``obj=app``), else a new one from config."""
    ctx = click.get_current_context(silent=True)
    app = ctx.find_object(Flask) if ctx is not None else None
    if app is not None:
        return app
    from survey import create_app

    return create_app()


def with_appcontext(command: Callable) -> Callable:
    """Run a command inside the application context (only commands that need it)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with create_cli_app().app_context():
            return command(*args, **kwargs)

    return wrapper
