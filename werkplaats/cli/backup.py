"""`werkplaats backup`: a service database dumped, restored without repeated effects, or rebuilt."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from werkplaats.backup import BackupError, dump
from werkplaats.kafka_address import resolve_bootstrap
from werkplaats.recovery import (
    RebuildTimeoutError,
    catch_up,
    dump_service,
    rebuild_service,
    restore_service,
)
from werkplaats.services import ServiceDefinition, UnknownServiceError, service

app = typer.Typer(
    help="Back up a service database, restore it into a running system, or rebuild it from the topics.",
    no_args_is_help=True,
)

Service = Annotated[str, typer.Argument(help="The service whose database it is, e.g. notifications.")]


def _definition(name: str) -> ServiceDefinition:
    try:
        return service(name)
    except UnknownServiceError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error


@app.command("dump")
def dump_command(
    name: Service,
    file: Annotated[Path, typer.Argument(help="Where the dump goes (a .json sidecar is written beside it).")],
    offsets: Annotated[
        bool, typer.Option(help="Record the consumer groups' committed offsets (needs the broker).")
    ] = True,
) -> None:
    """Copy the service's database to FILE while the service runs, with its consumer groups' offsets.

    The offsets (read first) let a restore replay exactly what came after the dump; without the broker
    use ``--no-offsets`` (a restore then replays from the moment of the dump less a margin).
    """
    definition = _definition(name)
    settings = definition.settings()
    try:
        if offsets:
            info = asyncio.run(
                dump_service(definition, settings, file, bootstrap=resolve_bootstrap(settings))
            )
        else:
            info = dump(name, settings.database_url_of(name), file)
    except BackupError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    typer.echo(f"dumped {name} to {file} at {info.taken_at.isoformat()}")
    for group, recorded in info.offsets.items():
        typer.echo(f"  {group}: offsets of {len(recorded)} partitions")


@app.command("restore")
def restore_command(
    name: Service,
    file: Annotated[Path, typer.Argument(help="A dump made by `werkplaats backup dump`.")],
) -> None:
    """Restore FILE into the (stopped) service's database and rewind its consumer groups to the dump.

    Start the service afterwards: it reads the events since the dump again; effects already made
    (deliveries on notifications.deliveries) are taken in first and not repeated.
    """
    definition = _definition(name)
    settings = definition.settings()
    try:
        report = asyncio.run(
            restore_service(definition, settings, file, bootstrap=resolve_bootstrap(settings))
        )
    except BackupError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    typer.echo(f"restored {name} from the dump of {report.dump.taken_at.isoformat()}")
    to = "the offsets of the dump" if report.dump.offsets else report.dump.replay_from.isoformat()
    for group, partitions in report.groups.items():
        typer.echo(f"  {group}: {partitions} partitions rewound to {to}")
    typer.echo(f"  {report.reconciled} effects since then taken in (not repeated)")


@app.command("catch-up")
def catch_up_command(
    name: Service,
    since: Annotated[
        datetime, typer.Option(help="The moment the database was restored to, less a margin (ISO 8601).")
    ],
) -> None:
    """For a database restored by other means (point-in-time recovery): rewind and reconcile only."""
    definition = _definition(name)
    settings = definition.settings()
    moment = since if since.tzinfo else since.replace(tzinfo=UTC)
    groups, reconciled = asyncio.run(
        catch_up(definition, settings, moment, bootstrap=resolve_bootstrap(settings))
    )
    for group, partitions in groups.items():
        typer.echo(f"  {group}: {partitions} partitions rewound to {moment.isoformat()}")
    typer.echo(f"  {reconciled} effects since then taken in (not repeated)")


@app.command("rebuild")
def rebuild_command(
    name: Service,
    database_url: Annotated[str, typer.Option(help="The empty database to fill.")],
    timeout: Annotated[float, typer.Option(help="Seconds to allow.")] = 3600.0,
) -> None:
    """Fill an empty database from the topics the service reads (a read model such as the dashboard's)."""
    definition = _definition(name)
    settings = definition.settings(database_url=database_url)
    try:
        report = asyncio.run(
            rebuild_service(definition, settings, bootstrap=resolve_bootstrap(settings), timeout=timeout)
        )
    except RebuildTimeoutError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    typer.echo(f"rebuilt {name}: {report.events} events in {report.seconds:.1f} s ({report.rate:.0f}/s)")
