"""The ``sipas`` command line (click): one module per command group, help in Vietnamese and English.

The language follows ``SIPAS_LANG`` or the usual locale variables (``LANG``);
Vietnamese is the default (:mod:`survey.i18n`).

Commands are loaded when called (click's documented ``LazyGroup`` pattern): a
statistics command such as ``sipas indices`` imports neither Flask, SQLAlchemy
nor the models, which would cost more start-up time than its computation.
"""

from __future__ import annotations

import importlib

import click

from survey.cli.click_text import use_user_language
from survey.i18n import _

use_user_language()  # click's own messages (Usage, Error, Missing argument) in Vietnamese by default

# command name -> "module:attribute" of its click command, the order of ``sipas --help``
COMMANDS = {
    "db": "survey.cli.db:db_group",
    "demo": "survey.cli.demo:demo_command",
    "questionnaire": "survey.cli.questionnaires:questionnaire_group",
    "rounds": "survey.cli.rounds:rounds_group",
    "serve": "survey.cli.serve:serve_command",
    "worker": "survey.cli.worker:worker_command",
    "indices": "survey.cli.analysis:indices_command",
    "estimate": "survey.cli.analysis:estimate_command",
    "plan": "survey.cli.planning:plan_command",
    "sae": "survey.cli.small_areas:sae_command",
    "compare": "survey.cli.rounds_compare:compare_command",
    "devices": "survey.cli.devices:devices_group",
    "invitations": "survey.cli.invitations:invitations_group",
    "releases": "survey.cli.releases:releases_group",
    "weights": "survey.cli.releases:weights_group",
    "frames": "survey.cli.releases:frames_group",
    "import": "survey.cli.paper_import:import_command",
    "units": "survey.cli.units:units_group",
    "staff": "survey.cli.staff:staff_group",
    "tokens": "survey.cli.tokens:tokens_group",
    "import-template": "survey.cli.paper_import:import_template_command",
    "dossiers": "survey.cli.dossiers:dossiers_group",
    "integrations": "survey.cli.integrations:integrations_group",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported only when one of them is asked for."""

    def __init__(self, *args, lazy_commands: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = lazy_commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), *self.lazy_commands]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_commands:
            return self._load(cmd_name)
        return super().get_command(ctx, cmd_name)

    def _load(self, cmd_name: str) -> click.Command:
        module_name, attribute = self.lazy_commands[cmd_name].split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{self.lazy_commands[cmd_name]} is not a click command")
        return command


@click.group(
    cls=LazyGroup,
    lazy_commands=COMMANDS,
    help=_("SIPAS: đo lường sự hài lòng về dịch vụ hành chính công."),
)
@click.version_option(package_name="sipas")
def main() -> None:
    """Entry point of the sipas command."""
