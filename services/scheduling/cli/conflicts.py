"""``werkplaats conflicts`` (read from Kafka, optionally following) and ``werkplaats conflicts-ack``."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any

import typer

from contracts import (
    ConflictAcknowledged,
    ConflictDetected,
    ConflictResolved,
    ContractError,
    Envelope,
    EventData,
    Severity,
    decode_event,
)
from contracts.topics import SCHEDULING_CONFLICTS
from scheduling.cli.common import Language, database_description, fail, open_database
from scheduling.cli.console import ConflictFilter, ConflictView, Console, conflict_event, fold, selected
from scheduling.store import SqlSchedulingUnitOfWork

CONFLICT_EVENTS = frozenset(
    {ConflictDetected.event_type, ConflictResolved.event_type, ConflictAcknowledged.event_type}
)
PROGRESS_EVERY = 5000
DEFAULT_ACKNOWLEDGER = "npzw"

Emit = Callable[[str], None]


class Status(StrEnum):
    """Which conflicts to list."""

    OPEN = "open"
    RESOLVED = "resolved"
    ALL = "all"


def conflicts(
    status: Annotated[Status, typer.Option(help="Open (also acknowledged), resolved, or all.")] = Status.OPEN,
    severity: Annotated[Severity | None, typer.Option(help="Only this severity.")] = None,
    neighbourhood: Annotated[
        str | None, typer.Option(help="Only conflicts in this CBS wijk (with its buurten) or buurt code.")
    ] = None,
    lang: Annotated[Language, typer.Option(help="Language of the output.")] = Language.NL,
    follow: Annotated[
        bool,
        typer.Option("--follow", "-f", help="Keep printing new events (Ctrl-C stops); --status is ignored."),
    ] = False,
) -> None:
    """List conflicts from the scheduling.conflicts topic; needs only the broker address."""
    from aiokafka.errors import KafkaError

    from werkplaats.kafka_address import resolve_bootstrap
    from werkplaats.organisations import read_organisations
    from werkplaats.settings import RuntimeSettings

    if neighbourhood is not None and not re.fullmatch(r"WK\d{6}|BU\d{8}", neighbourhood):
        raise fail(
            f"--neighbourhood {neighbourhood!r} is not a CBS wijk (WK + 6 digits) or buurt (BU + 8 digits)", 2
        )
    chosen = ConflictFilter(status=status.value, severity=severity, neighbourhood=neighbourhood)
    bootstrap = resolve_bootstrap(RuntimeSettings())
    try:
        try:
            names = asyncio.run(read_organisations(bootstrap)).names()
        except RuntimeError:  # no organisations topic yet: slugs are shown as they are
            names = {}
        console = Console(lang.value, organisations=names)
        asyncio.run(show_conflicts(bootstrap, chosen, console, follow=follow, progress=_progress))
    except KeyboardInterrupt:
        typer.echo("", err=True)
    except KafkaError as error:
        raise fail(f"cannot read {SCHEDULING_CONFLICTS} from Kafka at {bootstrap}: {error}") from error


def _progress(read: int, total: int) -> None:
    end = "\n" if read >= total else ""
    typer.echo(f"\rreading {SCHEDULING_CONFLICTS}: {read:,} of {total:,} events{end}", err=True, nl=False)


async def show_conflicts(
    bootstrap: str,
    chosen: ConflictFilter,
    console: Console,
    *,
    follow: bool = False,
    emit: Emit = typer.echo,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, ConflictView]:
    """Print the conflicts on the topic that pass ``chosen``; with ``follow``, then every new event."""
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, client_id="werkplaats-conflicts"
    )
    try:
        await consumer.start()
        partitions = await _partitions(consumer, wait=follow)
        views = await _history(consumer, partitions, progress)
        emit(console.listing(selected(views, chosen)))
        if follow:
            await _follow(consumer, views, chosen, console, emit)
        return views
    finally:
        await consumer.stop()


async def _partitions(consumer: Any, *, wait: bool) -> list[Any]:
    """Assign the topic's partitions from their beginning; with ``wait``, once the topic exists."""
    from aiokafka import TopicPartition

    while True:
        await consumer._client.force_metadata_update()  # see topics created after start
        numbers = sorted(consumer.partitions_for_topic(SCHEDULING_CONFLICTS) or ())
        if numbers or not wait:
            break
        await asyncio.sleep(1.0)
    partitions = [TopicPartition(SCHEDULING_CONFLICTS, number) for number in numbers]
    consumer.assign(partitions)
    if partitions:
        await consumer.seek_to_beginning(*partitions)
    return partitions


async def _history(
    consumer: Any, partitions: list[Any], progress: Callable[[int, int], None] | None
) -> dict[str, ConflictView]:
    """Fold every event up to the end offsets of now."""
    views: dict[str, ConflictView] = {}
    if not partitions:
        return views
    ends = await consumer.end_offsets(partitions)
    starts = await consumer.beginning_offsets(partitions)
    total, read = sum(ends.values()) - sum(starts.values()), 0
    while await _behind(consumer, ends):
        for records in (await consumer.getmany(timeout_ms=500, max_records=PROGRESS_EVERY)).values():
            fold(_decoded(records), views)
            read += len(records)
        if progress is not None and total > PROGRESS_EVERY:
            progress(min(read, total), total)
    return views


async def _behind(consumer: Any, ends: dict[Any, int]) -> bool:
    """Whether some partition is not yet read up to ``ends``."""
    for partition, end in ends.items():
        if await consumer.position(partition) < end:
            return True
    return False


async def _follow(
    consumer: Any, views: dict[str, ConflictView], chosen: ConflictFilter, console: Console, emit: Emit
) -> None:
    """Print each new conflict event that passes the filters (status aside), until cancelled."""
    while True:
        for records in (await consumer.getmany(timeout_ms=1000)).values():
            for envelope in _decoded(records):
                data = conflict_event(envelope)
                if data is None:
                    continue
                view = fold([envelope], views)[data.conflict_id]
                if chosen.matches(view, ignore_status=True):
                    emit(console.event(data, view, envelope.occurred_at))


def _decoded(records: list[Any]) -> list[Envelope[EventData]]:
    """Decode the conflict events among ``records``; skip tombstones and unreadable messages."""
    envelopes = []
    for record in records:
        if record.value is None:
            continue
        try:
            envelopes.append(decode_event(record.value, accept=CONFLICT_EVENTS))
        except ContractError as error:
            typer.echo(f"skipped offset {record.partition}/{record.offset}: {error.reason}", err=True)
    return envelopes


# --- werkplaats conflicts-ack ----------------------------------------------------------------------


def conflicts_ack(
    conflict_id: Annotated[str, typer.Argument(help="The conflict, as `werkplaats conflicts` shows it.")],
    reason: Annotated[str, typer.Option(help="Why the conflict is acceptable (shown to partners).")],
    by: Annotated[str, typer.Option(help="Slug of the operations organisation.")] = DEFAULT_ACKNOWLEDGER,
) -> None:
    """Accept an open conflict through the scheduling database; the running service announces it."""
    from scheduling.service.acknowledge import (
        ConflictResolvedError,
        InvalidAcknowledgementError,
        UnknownConflictError,
    )

    try:
        asyncio.run(_acknowledge(conflict_id, reason, by))
    except InvalidAcknowledgementError as error:
        raise fail(str(error), 2) from error
    except UnknownConflictError as error:
        hint = "is SCHEDULING_DATABASE_URL the database of the running scheduling service?"
        raise fail(f"{error} in {database_description()}; {hint}") from error
    except ConflictResolvedError as error:
        raise fail(str(error)) from error
    typer.echo(f"acknowledged {conflict_id}; the scheduling service publishes conflict.acknowledged")


async def _acknowledge(conflict_id: str, reason: str, by: str) -> None:
    from scheduling.service.acknowledge import acknowledge

    database = await open_database()
    try:
        async with database.unit_of_work(SqlSchedulingUnitOfWork) as unit:
            await acknowledge(unit, conflict_id, reason=reason, by=by)
    finally:
        await database.dispose()
