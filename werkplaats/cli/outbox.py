"""``werkplaats outbox``: the outbox rows a service's broker kept refusing, released again or discarded."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from werkplaats import outbox_parking
from werkplaats.db import Database
from werkplaats.services import UnknownServiceError, service

app = typer.Typer(help="Parked outbox rows: listed with why, released to the relay again, or discarded.")


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


@app.command()
def discard(
    name: ServiceName,
    reason: Annotated[str, typer.Option(help="Why the rows will never be sent; kept with them.")],
    ids: Annotated[list[int] | None, typer.Argument(help="Ids of parked rows to discard.")] = None,
    topic: Annotated[
        str | None, typer.Option(help="Discard every parked row of this topic (with ids: only those).")
    ] = None,
) -> None:
    """Discard parked rows for good: never published, kept in ``outbox_discarded`` with the reason."""

    async def remove() -> outbox_parking.Discarded:
        database = _database(name)
        try:
            return await outbox_parking.discard(database, ids or (), topic=topic, reason=reason)
        finally:
            await database.dispose()

    try:
        done = asyncio.run(remove())
    except outbox_parking.DiscardRefusedError as error:
        raise typer.BadParameter(str(error)) from error
    typer.echo(f"{name}: discarded {len(done.ids)} parked outbox rows {done.ids}: {reason.strip()}")
    if done.not_parked:
        typer.echo(f"{name}: not parked, left alone: {done.not_parked}", err=True)
        raise typer.Exit(1)


@app.command()
def discarded(name: ServiceName) -> None:
    """List the discarded rows: id, topic, key, size, when, why, and why they were parked."""

    async def show() -> list[outbox_parking.DiscardedRow]:
        database = _database(name)
        try:
            return await outbox_parking.discarded(database)
        finally:
            await database.dispose()

    rows = asyncio.run(show())
    if not rows:
        typer.echo(f"{name}: no discarded outbox rows")
        return
    for row in rows:
        typer.echo(
            f"{row.id}\t{row.topic}\tkey={row.key}\t{row.size} bytes\t"
            f"{row.discarded_at.isoformat()}\t{row.reason}\t(parked: {row.parked_reason})"
        )
