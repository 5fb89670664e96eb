"""``werkplaats outbox``: the outbox rows a service's broker kept refusing, and releasing them again."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from werkplaats import outbox_parking
from werkplaats.db import Database
from werkplaats.services import UnknownServiceError, service

app = typer.Typer(help="Parked outbox rows: listed with why, and released to the relay again.")


def _database(name: str) -> Database:
    try:
        definition = service(name)
    except UnknownServiceError as error:
        raise typer.BadParameter(str(error)) from error
    settings = definition.settings()
    return Database(settings.database_url_of(definition.name))


ServiceName = Annotated[str, typer.Argument(help="The service whose outbox to read, e.g. scheduling.")]


@app.command()
def parked(name: ServiceName) -> None:
    """List the parked rows: id, topic, key, size, refusals, when, and why (never the payload)."""

    async def show() -> list[outbox_parking.ParkedRow]:
        database = _database(name)
        try:
            return await outbox_parking.parked(database)
        finally:
            await database.dispose()

    rows = asyncio.run(show())
    if not rows:
        typer.echo(f"{name}: no parked outbox rows")
        return
    for row in rows:
        typer.echo(
            f"{row.id}\t{row.topic}\tkey={row.key}\t{row.size} bytes\t{row.attempts} refusals\t"
            f"{row.parked_at.isoformat()}\t{row.reason}"
        )


@app.command()
def retry(
    name: ServiceName,
    ids: Annotated[
        list[int] | None, typer.Argument(help="Row ids to release; all parked rows if none.")
    ] = None,
) -> None:
    """Release parked rows to the relay (a running service publishes them within a second)."""

    async def release() -> int:
        database = _database(name)
        try:
            return await outbox_parking.retry(database, ids or ())
        finally:
            await database.dispose()

    typer.echo(f"{name}: released {asyncio.run(release())} parked outbox rows")
