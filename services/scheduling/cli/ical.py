"""``werkplaats import-ics`` and ``werkplaats feeds add | list | remove``: partners' iCalendar plans."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError

from contracts import ActivityKind, AddressVenue, CentreVenue, TargetGroup, Theme
from scheduling.cli.common import database_description, fail, open_database
from scheduling.ical import FeedMapping, ImportResult, read_calendar

if TYPE_CHECKING:
    from scheduling.feeds.store import FeedRow

feeds_app = typer.Typer(
    help="Partners' iCalendar feeds, polled by the scheduling service and published when they change.",
    no_args_is_help=True,
)

Org = Annotated[str, typer.Option("--org", help="Organisation slug the activities are published as.")]
Kind = Annotated[
    ActivityKind | None, typer.Option("--kind", help="Kind of events whose CATEGORIES name no kind.")
]
Neighbourhoods = Annotated[
    list[str] | None, typer.Option("--neighbourhood", help="CBS wijk or buurt code (repeatable).")
]
VenueOption = Annotated[
    str | None,
    typer.Option("--venue", help="Registered centre as VENUE_ID or VENUE_ID/ROOM (wins over LOCATION)."),
]
AddressOption = Annotated[str | None, typer.Option("--address", help="Address of events without LOCATION.")]
Groups = Annotated[
    list[TargetGroup] | None, typer.Option("--target-group", help="Target group (repeatable).")
]
Themes = Annotated[list[Theme] | None, typer.Option("--theme", help="Programme theme (repeatable).")]
Categories = Annotated[
    list[str] | None,
    typer.Option("--category", help="CATEGORY=KIND, e.g. 'Inspraak=consultation' (repeatable)."),
]


def build_mapping(
    kind: ActivityKind | None,
    neighbourhoods: list[str] | None,
    venue: str | None,
    address: str | None,
    groups: list[TargetGroup] | None,
    themes: list[Theme] | None,
    categories: list[str] | None,
) -> FeedMapping:
    """The feed mapping from command-line options; raise ``typer.Exit`` with the problem when invalid."""
    place: CentreVenue | AddressVenue | None = None
    try:
        if venue:
            venue_id, _, room = venue.partition("/")
            place = CentreVenue(venue_id=venue_id, room=room or None)
        elif address:
            place = AddressVenue(address=address)
        pairs = [category.rpartition("=") for category in categories or []]
        if any(not name for name, _, _ in pairs):
            raise ValueError("--category needs CATEGORY=KIND")
        return FeedMapping(
            kind=kind,
            categories={name: ActivityKind(value.strip()) for name, _, value in pairs},
            neighbourhoods=neighbourhoods or [],
            venue=place,
            target_groups=groups or [],
            themes=themes or [],
        )
    except (ValidationError, ValueError) as error:
        raise fail(f"invalid mapping: {error}", 2) from error


def import_ics(
    source: Annotated[str, typer.Argument(help="An .ics file, or an http(s) URL.")],
    org: Org,
    kind: Kind = None,
    neighbourhood: Neighbourhoods = None,
    venue: VenueOption = None,
    address: AddressOption = None,
    target_group: Groups = None,
    theme: Themes = None,
    category: Categories = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Read and report; publish nothing.")] = False,
) -> None:
    """Publish a partner's calendar as its activities; bad events are reported one by one, the rest go in."""
    mapping = build_mapping(kind, neighbourhood, venue, address, target_group, theme, category)
    result = read_calendar(_read_source(source), mapping)
    _report(result)
    if not result.is_calendar:
        raise fail(f"{source} is not an iCalendar file", 2)
    if dry_run:
        return
    count = asyncio.run(_publish(org, result))
    typer.echo(f"published {count} events on partner.{org}.activities")
    if any(problem.skipped for problem in result.problems):
        raise typer.Exit(3)


def _read_source(source: str) -> bytes:
    if source.startswith(("http://", "https://")):
        from scheduling.feeds.fetch import FetchError, fetch_calendar, new_client

        async def download() -> bytes:
            async with new_client() as client:
                fetched = await fetch_calendar(client, source)
            return fetched.body or b""

        try:
            return asyncio.run(download())
        except FetchError as error:
            raise fail(str(error)) from error
    try:
        return Path(source).read_bytes()
    except OSError as error:
        raise fail(f"cannot read {source}: {error.strerror}") from error


def _report(result: ImportResult) -> None:
    for problem in result.problems:
        typer.echo(f"  {problem}", err=True)
    skipped = sum(1 for problem in result.problems if problem.skipped)
    typer.echo(
        f"{result.events} VEVENTs: {len(result.activities)} activities, "
        f"{len(result.withdrawals)} withdrawals, {skipped} skipped",
        err=True,
    )


async def _publish(org: str, result: ImportResult) -> int:
    from scheduling.ical.publish import check_organisation, publish_import
    from werkplaats.kafka_address import ensure_broker
    from werkplaats.organisations import UnknownOrganisationError
    from werkplaats.settings import RuntimeSettings

    bootstrap = ensure_broker(RuntimeSettings())
    try:
        await check_organisation(bootstrap, org)
    except UnknownOrganisationError as error:
        raise fail(str(error)) from error
    total = len(result.activities) + len(result.withdrawals)
    with typer.progressbar(length=total, label="publishing") as bar:
        return await publish_import(bootstrap, org, result, progress=bar.update)


@feeds_app.command("add")
def add_feed(
    url: Annotated[str, typer.Argument(help="http(s) URL of the partner's calendar.")],
    org: Org,
    kind: Kind = None,
    neighbourhood: Neighbourhoods = None,
    venue: VenueOption = None,
    address: AddressOption = None,
    target_group: Groups = None,
    theme: Themes = None,
    category: Categories = None,
    every: Annotated[str, typer.Option("--every", help="Poll interval: 15m, 1h, 1d ...")] = "15m",
) -> None:
    """Register a feed; the running scheduling service polls it at once and then every interval."""
    from scheduling.feeds.service import FeedError, add_feed, parse_interval

    mapping = build_mapping(kind, neighbourhood, venue, address, target_group, theme, category)
    try:
        interval = parse_interval(every)
        asyncio.run(_check_registered(org))

        async def store() -> str:
            database = await open_database()
            try:
                async with database.transaction() as session:
                    row = await add_feed(session, url, org, mapping, interval=interval, now=datetime.now(UTC))
                    return row.feed_id
            finally:
                await database.dispose()

        feed_id = asyncio.run(store())
    except (FeedError, ValueError) as error:
        raise fail(str(error), 2) from error
    typer.echo(f"added {feed_id}: {url} as {org}, every {every} ({database_description()})")


async def _check_registered(org: str) -> None:
    from scheduling.ical.publish import check_organisation
    from werkplaats.kafka_address import ensure_broker
    from werkplaats.organisations import UnknownOrganisationError
    from werkplaats.settings import RuntimeSettings

    try:
        await check_organisation(ensure_broker(RuntimeSettings()), org)
    except UnknownOrganisationError as error:
        raise fail(str(error)) from error


@feeds_app.command("list")
def list_feeds(
    org: Annotated[str | None, typer.Option("--org", help="Only this organisation's feeds.")] = None,
) -> None:
    """List the feeds with their last poll, status and problems."""
    from scheduling.feeds.service import list_feeds

    async def load() -> list[str]:
        database = await open_database()
        try:
            async with database.transaction() as session:
                return [_describe(row) for row in await list_feeds(session, org)]
        finally:
            await database.dispose()

    lines = asyncio.run(load())
    typer.echo("\n".join(lines) if lines else "no feeds")


def _describe(row: FeedRow) -> str:
    polled = row.last_polled_at.isoformat(timespec="seconds") if row.last_polled_at else "never"
    head = f"{row.feed_id}  {row.organisation}  every {row.interval_s // 60} min  {row.url}"
    status = f"    last poll {polled}: {row.last_status or '-'}"
    if row.last_message:
        status += f" ({row.last_message})"
    problems = [f"    {problem}" for problem in row.last_problems[:20]]
    return "\n".join([head, status, *problems])


@feeds_app.command("remove")
def remove_feed(
    feed: Annotated[str, typer.Argument(help="Feed id (or its URL).")],
    withdraw: Annotated[
        bool, typer.Option("--withdraw", help="Also withdraw the activities the feed published.")
    ] = False,
) -> None:
    """Stop polling a feed; with --withdraw the running service withdraws its activities."""
    from scheduling.feeds.service import FeedError, remove_feed
    from werkplaats.unit_of_work import SqlUnitOfWork

    async def remove() -> tuple[str, int]:
        database = await open_database()
        try:
            async with database.unit_of_work(SqlUnitOfWork) as unit:
                row, withdrawn = await remove_feed(unit, feed, withdraw=withdraw)
                return row.feed_id, withdrawn
        finally:
            await database.dispose()

    try:
        feed_id, withdrawn = asyncio.run(remove())
    except FeedError as error:
        raise fail(str(error), 2) from error
    typer.echo(f"removed {feed_id}" + (f"; withdrawing {withdrawn} activities" if withdraw else ""))
