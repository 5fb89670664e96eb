"""Calendars as Outlook, Google, Apple and RFC 5545 write them, with the occurrences a reader would list.

The files lie in ``tests/fixtures/calendars``; their dates are in early 2027. ``shifted`` moves every date of
a file by whole years of 52 weeks (weekdays stay), so tests that need the dates ahead keep working later.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path

from scheduling.domain import AMSTERDAM

DIRECTORY = Path(__file__).parents[1] / "fixtures" / "calendars"
FILES = ("outlook.ics", "google.ics", "apple.ics", "rfc5545.ics")
FIRST_DATE = date(2027, 1, 5)
_DATE = re.compile(r"(?<![0-9])(20[2-9][0-9])([01][0-9])([0-3][0-9])(?=T[0-9]{6}|[\r\n,;]|Z)")

Span = tuple[datetime, datetime]


def raw(name: str) -> bytes:
    """The file as written."""
    return (DIRECTORY / name).read_bytes()


def expected(name: str, weeks: int = 0) -> dict[str, list[Span]]:
    """The occurrences of each SUMMARY of a file, as aware datetimes, shifted by ``weeks``."""
    listed = json.loads((DIRECTORY / "expected.json").read_text())[name]
    return {
        title: [(_local(start, weeks), _local(end, weeks)) for start, end in spans]
        for title, spans in listed.items()
    }


def weeks_ahead(today: date, margin: timedelta = timedelta(days=7)) -> int:
    """Whole 52-week years to shift the files by so that their first date lies ``margin`` after ``today``."""
    years = 0
    while FIRST_DATE + timedelta(weeks=52 * years) < today + margin:
        years += 1
    return 52 * years


def shifted(name: str, weeks: int) -> bytes:
    """The file with every date from 2020 on moved by ``weeks`` (time zone definitions stay as they are)."""
    text = raw(name).decode()

    def move(match: re.Match[str]) -> str:
        moved = date(int(match[1]), int(match[2]), int(match[3])) + timedelta(weeks=weeks)
        return f"{moved:%Y%m%d}"

    return _DATE.sub(move, text).encode()


def _local(text: str, weeks: int) -> datetime:
    wall = datetime.fromisoformat(text) + timedelta(weeks=weeks)
    return wall.replace(tzinfo=AMSTERDAM)
