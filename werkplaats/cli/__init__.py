"""The ``werkplaats`` command: the operator's tool for the whole system."""

from __future__ import annotations

import sys
from typing import Any

import typer

from werkplaats.cli import bench, kafka, orgs, stack

app = typer.Typer(
    name="werkplaats",
    help="Werkplaats Participatie: the shared agenda of Den Haag Zuidwest and its conflict warnings.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(kafka.app, name="kafka")
app.add_typer(bench.app, name="bench")
app.add_typer(orgs.app, name="orgs")
app.command()(stack.up)
app.command()(stack.run)


def main() -> None:
    """Entry point of the console script."""
    from werkplaats.logging import configure_logging

    configure_logging("cli", level="WARNING", fmt="console", stream=sys.stderr)
    for module in _service_cli_modules():
        module.register(app)
    app()


def _service_cli_modules() -> list[Any]:
    """Commands that services contribute (``werkplaats conflicts``, ``werkplaats demo`` ...)."""
    import importlib

    modules = []
    for name in ("scheduling.cli", "notifications.cli", "initiatives.cli"):
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
    return modules
