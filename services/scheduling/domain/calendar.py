"""Unfavourable dates: Dutch public holidays (holidays.NL) plus dated entries from data and operations."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import cache
from importlib import resources
from typing import Any

import holidays

from scheduling.domain.clock import Occurrence, local, local_us, midnight_after

REMEMBERED_SPANS = 65_536
"""How many occurrences' reasons a calendar remembers (the same evenings are asked about again and again)."""


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a date is unfavourable, named in Dutch and English."""

    id: str
    nl: str
    en: str


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """One unfavourable period: inclusive local dates, optionally limited to hours of each day."""

    id: str
    reason: str
    nl: str
    en: str
    first: date
    last: date
    window: tuple[time, time | None] | None = None
    starts_between: tuple[time, time] | None = None
    source: str = ""
    checked: str = ""
    estimate: bool = False

    @property
    def named(self) -> Reason:
        """The entry as a reason a conflict names."""
        return Reason(self.id, self.nl, self.en)

    def matches(self, day: date, occurrence: Occurrence) -> bool:
        """Whether the occurrence hits this entry on ``day`` (a date in the entry)."""
        if self.starts_between is not None:
            start = local(occurrence.start)
            return start.date() == day and self.starts_between[0] <= start.time() <= self.starts_between[1]
        begin, until = self.window or (time(0, 0), None)
        window_end = midnight_after(day) if until is None else local_us(day, until)
        return occurrence.start < window_end and local_us(day, begin) < occurrence.end

    @classmethod
    def from_dict(cls, entry: Mapping[str, Any]) -> CalendarEntry:
        """Read an entry in the shape of ``unfavourable_dates.json``."""
        return cls(
            id=str(entry["id"]),
            reason=str(entry.get("reason", "operations")),
            nl=str(entry["name"]["nl"]),
            en=str(entry["name"]["en"]),
            first=date.fromisoformat(entry["first"]),
            last=date.fromisoformat(entry.get("last", entry["first"])),
            window=_window(entry.get("window")),
            starts_between=_starts_between(entry.get("starts_between")),
            source=str(entry.get("source", "")),
            checked=str(entry.get("checked", "")),
            estimate=bool(entry.get("estimate", False)),
        )


def _clock(text: str) -> time | None:
    return None if text == "24:00" else time.fromisoformat(text)


def _window(value: Mapping[str, str] | None) -> tuple[time, time | None] | None:
    if value is None:
        return None
    return _clock(value["from"]) or time(0, 0), _clock(value.get("until", "24:00"))


def _starts_between(value: Mapping[str, str] | None) -> tuple[time, time] | None:
    if value is None:
        return None
    return time.fromisoformat(value["from"]), time.fromisoformat(value["until"])


class UnfavourableCalendar:
    """Answers which reasons make an occurrence's date unfavourable."""

    def __init__(self, entries: Iterable[CalendarEntry] = (), *, public_holidays: bool = True) -> None:
        self.entries = tuple(entries)
        self._by_day: dict[date, list[CalendarEntry]] = defaultdict(list)
        for entry in self.entries:
            for offset in range((entry.last - entry.first).days + 1):
                self._by_day[entry.first + timedelta(days=offset)].append(entry)
        self._public_holidays = public_holidays
        self._reasons: dict[tuple[int, int], tuple[Reason, ...]] = {}

    def reasons(self, occurrence: Occurrence) -> tuple[Reason, ...]:
        """Every reason the occurrence is unfavourable, in a stable order, without repeats (remembered)."""
        span = (occurrence.start, occurrence.end)
        known = self._reasons.get(span)
        if known is None:
            if len(self._reasons) >= REMEMBERED_SPANS:
                self._reasons.clear()
            known = self._reasons[span] = self._find_reasons(occurrence)
        return known

    def _find_reasons(self, occurrence: Occurrence) -> tuple[Reason, ...]:
        found: dict[str, Reason] = {}
        for day in _local_days(occurrence):
            for reason in self._public_holiday(day):
                if _whole_day_hit(day, occurrence):
                    found.setdefault(reason.nl, reason)
            for entry in self._by_day.get(day, ()):
                if entry.matches(day, occurrence):
                    found.setdefault(entry.nl, entry.named)
        return tuple(found.values())

    def _public_holiday(self, day: date) -> tuple[Reason, ...]:
        if not self._public_holidays:
            return ()
        return _dutch_public_holidays(day.year).get(day, ())


def _whole_day_hit(day: date, occurrence: Occurrence) -> bool:
    return occurrence.start < midnight_after(day) and local_us(day, time(0, 0)) < occurrence.end


def _local_days(occurrence: Occurrence) -> list[date]:
    first, last = local(occurrence.start).date(), local(occurrence.end - 1).date()
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


@cache
def _dutch_public_holidays(year: int) -> dict[date, tuple[Reason, ...]]:
    dutch = holidays.country_holidays("NL", years=year, language="nl")
    english = holidays.country_holidays("NL", years=year, language="en_US")
    return {
        day: (
            Reason(
                f"public-holiday-{day.isoformat()}", f"{name} (feestdag)", f"{english[day]} (public holiday)"
            ),
        )
        for day, name in dutch.items()
    }


@cache
def _shipped_entries() -> tuple[CalendarEntry, ...]:
    text = resources.files("scheduling.data").joinpath("unfavourable_dates.json").read_text(encoding="utf-8")
    return tuple(CalendarEntry.from_dict(entry) for entry in json.loads(text)["entries"])


def load_calendar(
    extra: Iterable[Mapping[str, Any]] = (), *, public_holidays: bool = True
) -> UnfavourableCalendar:
    """Return the shipped calendar plus ``extra`` entries of operations (same shape as the data file)."""
    entries = _shipped_entries() + tuple(CalendarEntry.from_dict(entry) for entry in extra)
    return UnfavourableCalendar(entries, public_holidays=public_holidays)
