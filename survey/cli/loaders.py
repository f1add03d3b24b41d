"""Shared loaders and checks of the CLI commands: each one stops the command with a message."""

from __future__ import annotations

import click
from flask import current_app

from survey.domain.rounds import find_round
from survey.domain.units import find_unit
from survey.extensions import db
from survey.i18n import _
from survey.models import SurveyRound, Unit


def public_base_url(option: str | None) -> str:
    """The public address of SIPAS from ``--base-url`` or ``SIPAS_PUBLIC_BASE_URL``."""
    base = option or current_app.config["PUBLIC_BASE_URL"]
    if not base:
        raise click.UsageError(
            _("Cần địa chỉ công khai của SIPAS: dùng --base-url hoặc đặt SIPAS_PUBLIC_BASE_URL.")
        )
    if not base.startswith(("https://", "http://")):
        raise click.UsageError(
            _("Địa chỉ %(url)s phải bắt đầu bằng https:// hoặc http://.", url=base)
        )
    return base


def unit_or_exit(code: str) -> Unit:
    """The active unit with this code, or the command stops with a message."""
    unit = find_unit(db.session, code)
    if unit is None:
        raise click.ClickException(_("Không có đơn vị mã %(code)s đang hoạt động.", code=code))
    return unit


def round_or_exit(code: str) -> SurveyRound:
    """The round with this code, or the command stops with a message."""
    survey_round = find_round(db.session, code)
    if survey_round is None:
        raise click.ClickException(_("Không có đợt khảo sát mã %(code)s.", code=code))
    return survey_round
