"""The scheduling service's operator commands: ``demo``, ``conflicts``, ``conflicts-ack`` and ``dates``."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import date, datetime
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
from scheduling.console import ConflictFilter, ConflictView, Console, conflict_event, fold, selected
from scheduling.domain import AMSTERDAM, CalendarEntry
from werkplaats.db import Database

CONFLICT_EVENTS = frozenset(
    {ConflictDetected.event_type, ConflictResolved.event_type, ConflictAcknowledged.event_type}
)
PROGRESS_EVERY = 5000
DEFAULT_ACKNOWLEDGER = "npzw"

Emit = Callable[[str], None]


class Language(StrEnum):
    """Language of the output."""

    NL = "nl"
    EN = "en"


class Status(StrEnum):
    """Which conflicts to list."""

    OPEN = "open"
    RESOLVED = "resolved"
    ALL = "all"


DateOption = Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], show_default=False)]


def register(app: typer.Typer) -> None:
    """Add the scheduling commands to the ``werkplaats`` command (once, however often it is called)."""
    if any(command.name == "conflicts" for command in app.registered_commands):
        return
    app.command("demo")(demo)
    app.command("conflicts")(conflicts)
    app.command("conflicts-ack")(conflicts_ack)
    app.add_typer(dates_app, name="dates")


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``error: message`` on stderr; return the exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


# --- werkplaats demo -------------------------------------------------------------------------------


def demo(
    today: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Plan the month after this day (default: today)."),
    ] = None,
) -> None:
    """Publish a month of Zuidwest plans (with every kind of conflict) on the partners' topics."""
    from scheduling.demo import publish_demo
    from werkplaats.kafka_address import ensure_broker
    from werkplaats.localkafka import ArtifactError, BrokerError
    from werkplaats.settings import RuntimeSettings

    try:
        bootstrap = ensure_broker(RuntimeSettings())
    except (BrokerError, ArtifactError) as error:
        raise fail(str(error)) from error
    typer.echo(f"publishing the Zuidwest demo on {bootstrap} ...", err=True)
    count = asyncio.run(publish_demo(bootstrap, today=today.date() if today else None))
    typer.echo(
        f"published {count} activity.published events for Moerwijk, Morgenstond and Bouwlust en Vrederust"
    )


# --- werkplaats conflicts --------------------------------------------------------------------------


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
    from werkplaats.settings import RuntimeSettings

    if neighbourhood is not None and not re.fullmatch(r"WK\d{6}|BU\d{8}", neighbourhood):
        raise fail(
            f"--neighbourhood {neighbourhood!r} is not a CBS wijk (WK + 6 digits) or buurt (BU + 8 digits)", 2
        )
    chosen = ConflictFilter(status=status.value, severity=severity, neighbourhood=neighbourhood)
    bootstrap = resolve_bootstrap(RuntimeSettings())
    try:
        asyncio.run(show_conflicts(bootstrap, chosen, Console(lang.value), follow=follow, progress=_progress))
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
    from scheduling.acknowledge import (
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
        raise fail(f"{error} in {_database_description()}; {hint}") from error
    except ConflictResolvedError as error:
        raise fail(str(error)) from error
    typer.echo(f"acknowledged {conflict_id}; the scheduling service publishes conflict.acknowledged")


async def _acknowledge(conflict_id: str, reason: str, by: str) -> None:
    from scheduling.acknowledge import acknowledge

    database = await open_database()
    try:
        async with database.transaction() as session:
            await acknowledge(session, conflict_id, reason=reason, by=by)
    finally:
        await database.dispose()


async def open_database() -> Database:
    """Open the scheduling database (``SCHEDULING_DATABASE_URL`` or its SQLite default), migrated."""
    from scheduling.main import migrations_location
    from werkplaats.migrations import upgrade

    database = Database(_database_url())
    await upgrade(database, migrations_location())
    return database


def _database_url() -> str:
    from scheduling.main import NAME
    from scheduling.settings import SchedulingSettings

    settings = SchedulingSettings()
    return settings.database_url or settings.sqlite_url(NAME)


def _database_description() -> str:
    from sqlalchemy.engine import make_url

    return make_url(_database_url()).render_as_string(hide_password=True)


# --- werkplaats dates ------------------------------------------------------------------------------

dates_app = typer.Typer(
    help="Unfavourable dates: the shipped calendar, Dutch public holidays and operations' own dates.",
    no_args_is_help=True,
)


@dates_app.command("add")
def add_date(
    *,
    first: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="First day (YYYY-MM-DD).")],
    nl: Annotated[str, typer.Option(help="Name in Dutch, e.g. 'Suikerfeest (Eid al-Fitr)'.")],
    en: Annotated[str, typer.Option(help="Name in English.")],
    source: Annotated[str, typer.Option(help="Where the date comes from (a URL or a name).")],
    last: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Last day, inclusive (default: the first).")
    ] = None,
    evening: Annotated[
        bool, typer.Option("--evening", help="Only evenings (from 17:00) are unfavourable.")
    ] = False,
    entry_id: Annotated[
        str | None, typer.Option("--id", help="Id of the entry; the same id replaces it.")
    ] = None,
) -> None:
    """Add an unfavourable date (or period); the running scheduler uses it within about 30 seconds."""
    from scheduling.dates import InvalidDateEntryError, custom_entry

    entry_id = entry_id or default_entry_id(first.date(), nl)
    try:
        entry = custom_entry(
            entry_id, first.date(), (last or first).date(), nl=nl, en=en, evening_only=evening, source=source
        )
        asyncio.run(_store_date(entry))
    except (InvalidDateEntryError, KeyError, ValueError) as error:
        raise fail(f"cannot add the date: {error}", 2) from error
    typer.echo(f"added {entry_id}; the running scheduling service uses it within about 30 s")
    typer.echo(_line(CalendarEntry.from_dict(entry), Language.NL))


def default_entry_id(first: date, name: str) -> str:
    """Return an entry id from the first day and the Dutch name: ``operations-2026-12-10-wijkfeest``."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return f"operations-{first.isoformat()}-{slug}"[:100].rstrip("-")


async def _store_date(entry: dict[str, Any]) -> None:
    from scheduling.dates import add_custom_date

    database = await open_database()
    try:
        async with database.transaction() as session:
            await add_custom_date(session, entry)
    finally:
        await database.dispose()


DATE_WORDS: dict[str, tuple[str, str]] = {
    "shipped": (
        "meegeleverd (scheduling/data/unfavourable_dates.json)",
        "shipped (scheduling/data/unfavourable_dates.json)",
    ),
    "holidays": ("feestdagen (holidays.NL, berekend)", "public holidays (holidays.NL, computed)"),
    "own": ("eigen data van operations", "operations' own"),
    "from": ("vanaf", "from"),
    "starting": ("begin tussen", "starting"),
    "estimate": ("schatting", "estimate"),
}


def _date_word(key: str, lang: Language) -> str:
    return DATE_WORDS[key][0 if lang is Language.NL else 1]


@dates_app.command("list")
def list_dates(
    lang: Annotated[Language, typer.Option(help="Language of the output.")] = Language.NL,
    show_all: Annotated[bool, typer.Option("--all", help="Also dates that have passed.")] = False,
) -> None:
    """List the shipped unfavourable dates with their sources, public holidays, and operations' own dates."""
    from scheduling.domain import load_calendar

    today = datetime.now(AMSTERDAM).date()
    shipped = sorted(load_calendar(public_holidays=False).entries, key=lambda entry: (entry.first, entry.id))
    own = [CalendarEntry.from_dict(entry) for entry in asyncio.run(_custom_dates())]
    sections = [
        (_date_word("shipped", lang), shipped),
        (_date_word("holidays", lang), _public_holidays(today)),
        (f"{_date_word('own', lang)} ({_database_description()})", own),
    ]
    for title, entries in sections:
        shown = [entry for entry in entries if show_all or entry.last >= today]
        typer.echo(f"{title}: {len(shown)}")
        for entry in shown:
            typer.echo(_line(entry, lang))


async def _custom_dates() -> list[dict[str, Any]]:
    from scheduling.dates import custom_entries

    database = await open_database()
    try:
        async with database.sessions() as session:
            return await custom_entries(session)
    finally:
        await database.dispose()


def _public_holidays(today: date) -> list[CalendarEntry]:
    import holidays

    dutch = holidays.country_holidays("NL", years=[today.year, today.year + 1], language="nl")
    english = holidays.country_holidays("NL", years=[today.year, today.year + 1], language="en_US")
    return [
        CalendarEntry(
            f"public-holiday-{day}", "public_holiday", name, english[day], day, day, source="holidays.NL"
        )
        for day, name in sorted(dutch.items())
    ]


def _line(entry: CalendarEntry, lang: Language) -> str:
    """Return one entry: its days, name and hours, then its id and source."""
    days = entry.first.isoformat() if entry.last == entry.first else f"{entry.first} - {entry.last}"
    name = entry.nl if lang is Language.NL else entry.en
    estimate = f" [{_date_word('estimate', lang)}]" if entry.estimate else ""
    return f"  {days:<24}{name}{_hours(entry, lang)}{estimate}\n  {'':<24}{entry.id} · {entry.source or '-'}"


def _hours(entry: CalendarEntry, lang: Language) -> str:
    if entry.window is not None:
        begin, until = entry.window
        return f" ({begin:%H:%M}-{until:%H:%M})" if until else f" ({_date_word('from', lang)} {begin:%H:%M})"
    if entry.starts_between is not None:
        begin, until = entry.starts_between
        return f" ({_date_word('starting', lang)} {begin:%H:%M}-{until:%H:%M})"
    return ""
