"""``werkplaats dates add | list``: unfavourable dates, including operations' own."""

from __future__ import annotations

import asyncio
import re
from datetime import date, datetime
from typing import Annotated, Any

import typer

from scheduling.cli.common import Language, database_description, fail, open_database
from scheduling.domain import AMSTERDAM, CalendarEntry

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
    from scheduling.service.calendar_keeper import InvalidDateEntryError, custom_entry

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
    from scheduling.service.calendar_keeper import add_custom_date

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
        (f"{_date_word('own', lang)} ({database_description()})", own),
    ]
    for title, entries in sections:
        shown = [entry for entry in entries if show_all or entry.last >= today]
        typer.echo(f"{title}: {len(shown)}")
        for entry in shown:
            typer.echo(_line(entry, lang))


async def _custom_dates() -> list[dict[str, Any]]:
    from scheduling.service.calendar_keeper import custom_entries

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
