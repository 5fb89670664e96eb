"""``werkplaats centres``: the centres, the allowance caps, the programme's figure, reminders now."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Any

import typer

from centres.domain.allowance import load_caps
from centres.store import SqlCentresUnitOfWork

centres_app = typer.Typer(help="Community centres, volunteers and allowances.", no_args_is_help=True)


def _run(work: Callable[[SqlCentresUnitOfWork], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        from centres.main import NAME, migrations_location
        from centres.settings import CentresSettings
        from werkplaats.migrations import migrated

        async with (
            migrated(CentresSettings(), NAME, migrations_location()) as database,
            database.unit_of_work(SqlCentresUnitOfWork) as unit,
        ):
            return await work(unit)

    return asyncio.run(main())


@centres_app.command("list")
def list_centres() -> None:
    """Every centre with its rooms (capacity) and organisation."""
    from centres.service.centres import list_centres as listing

    for centre in _run(listing):
        rooms = ", ".join(f"{room.name} ({room.capacity})" for room in centre.rooms)
        typer.echo(f"{centre.centre_id:<24} {centre.organisation:<22} {centre.name}: {rooms}")


@centres_app.command("caps")
def caps() -> None:
    """The allowance caps per year, with their source and whether they are verified."""
    for year, entry in sorted(load_caps().years.items()):
        mark = "verified" if entry.verified else "TO VERIFY"
        typer.echo(
            f"{year}: {entry.hourly_adult}/h (21+), {entry.hourly_young}/h (under 21), "
            f"{entry.monthly}/month, {entry.yearly}/year [{mark}] source: {entry.source}"
        )


@centres_app.command("figures")
def figures(year: Annotated[int, typer.Option(help="The year.")] = date.today().year) -> None:
    """Volunteers per centre, how many receive the allowance, hours, per quarter (JSON)."""
    from centres.service.figures import programme_figures

    result = _run(lambda unit: programme_figures(unit, year))
    typer.echo(json.dumps(result, indent=2, default=str))


@centres_app.command("remind")
def remind() -> None:
    """Send the subsidy reminders due today now (each goes out once, whoever sends it)."""
    from centres.domain.bookings import AMSTERDAM
    from centres.main import context_of
    from centres.service.subsidies import send_reminders
    from centres.settings import CentresSettings

    context = context_of(CentresSettings())

    async def work(unit: SqlCentresUnitOfWork) -> int:
        return await send_reminders(unit, context, context.clock().astimezone(AMSTERDAM).date())

    typer.echo(f"{_run(work)} reminder(s) sent")


@centres_app.command("new-key")
def new_key() -> None:
    """Print a new key for personal data at rest (put it first in CENTRES_DATA_KEYS to rotate)."""
    from cryptography.fernet import Fernet

    typer.echo(Fernet.generate_key().decode())


def register(app: typer.Typer) -> None:
    """Add ``werkplaats centres`` to the CLI."""
    app.add_typer(centres_app, name="centres")
