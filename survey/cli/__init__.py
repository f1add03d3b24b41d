"""The ``sipas`` command line (click): one module per command group, help in Vietnamese and English.

The language follows ``SIPAS_LANG`` or the usual locale variables (``LANG``);
Vietnamese is the default (:mod:`survey.i18n`).
"""

from __future__ import annotations

import click

from survey.cli.analysis import estimate_command, indices_command
from survey.cli.db import db_group
from survey.cli.demo import demo_command
from survey.cli.devices import devices_group
from survey.cli.invitations import invitations_group
from survey.cli.paper_import import import_command, import_template_command
from survey.cli.questionnaires import questionnaire_group
from survey.cli.releases import frames_group, releases_group, weights_group
from survey.cli.rounds import rounds_group
from survey.cli.serve import serve_command
from survey.cli.staff import staff_group
from survey.cli.units import units_group
from survey.cli.worker import worker_command
from survey.i18n import _


@click.group(help=_("SIPAS: đo lường sự hài lòng về dịch vụ hành chính công."))
@click.version_option(package_name="sipas")
def main() -> None:
    """Entry point of the sipas command."""


for command in (
    db_group,
    demo_command,
    questionnaire_group,
    rounds_group,
    serve_command,
    worker_command,
    indices_command,
    estimate_command,
    devices_group,
    invitations_group,
    releases_group,
    weights_group,
    frames_group,
    import_command,
    units_group,
    staff_group,
    import_template_command,
):
    main.add_command(command)
