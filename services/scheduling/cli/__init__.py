"""The scheduling service's operator commands: ``demo``, ``conflicts``, ``conflicts-ack`` and ``dates``."""

from __future__ import annotations

import typer

from scheduling.cli.conflicts import conflicts, conflicts_ack, show_conflicts
from scheduling.cli.dates import dates_app
from scheduling.cli.demo import demo
from scheduling.cli.ical import feeds_app, import_ics

__all__ = ["register", "show_conflicts"]


def register(app: typer.Typer) -> None:
    """Add the scheduling commands to the ``werkplaats`` command (once, however often it is called)."""
    if any(command.name == "conflicts" for command in app.registered_commands):
        return
    app.command("demo")(demo)
    app.command("conflicts")(conflicts)
    app.command("conflicts-ack")(conflicts_ack)
    app.add_typer(dates_app, name="dates")
    app.command("import-ics")(import_ics)
    app.add_typer(feeds_app, name="feeds")
