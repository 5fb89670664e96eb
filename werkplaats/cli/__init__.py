"""The ``werkplaats`` command: the operator's tool for the whole system."""

from __future__ import annotations

import sys

import typer

from werkplaats.cli import backup, kafka, manifests, orgs, outbox, stack

app = typer.Typer(
    name="werkplaats",
    help="Werkplaats Participatie: the shared agenda of Den Haag Zuidwest and its conflict warnings.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(kafka.app, name="kafka")
app.add_typer(orgs.app, name="orgs")
app.add_typer(manifests.app, name="manifests")
app.add_typer(backup.app, name="backup")
app.add_typer(outbox.app, name="outbox")
app.command()(stack.up)
app.command()(stack.run)


def main() -> None:
    """Entry point of the console script."""
    from werkplaats.logging import configure_logging

    configure_logging("cli", level="WARNING", fmt="console", stream=sys.stderr)
    if sys.argv[1:2] != ["run"]:  # one service in the foreground imports no other service's commands
        add_service_commands(app)
        add_commands(app)
    app()


def add_service_commands(app: typer.Typer) -> None:
    """Add the commands that the registered services contribute (``werkplaats conflicts`` ...)."""
    from werkplaats.services import registered

    for service in registered().values():
        if service.cli is not None:
            service.cli(app)


def add_commands(app: typer.Typer) -> None:
    """Add the command groups registered under ``werkplaats.commands`` (``werkplaats bench``)."""
    from importlib.metadata import entry_points

    for entry_point in entry_points(group="werkplaats.commands"):
        entry_point.load()(app)
