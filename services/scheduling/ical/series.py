"""A series' exceptions as calendars write them: EXDATE, RDATE, and RECURRENCE-ID instances."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import icalendar

from scheduling.ical.times import TimeReader, tzid_of

IGNORED_INSTANCE_CHANGES = ("SUMMARY", "LOCATION", "DESCRIPTION", "CATEGORIES")


@dataclass
class Exceptions:
    """What a master VEVENT and its RECURRENCE-ID instances say beside the rule."""

    exdates: list[datetime] = field(default_factory=list)
    rdates: list[datetime] = field(default_factory=list)
    overrides: list[dict[str, datetime]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Warnings: what was read differently from how it was written, or left out."""


def read_exceptions(
    master: icalendar.Event, instances: list[icalendar.Event], duration: timedelta, times: TimeReader
) -> Exceptions:
    """The cancelled, extra and moved occurrences of ``master``'s series."""
    found = Exceptions()
    found.exdates = [times.moment(value, tzid) for value, tzid in _values(master, "EXDATE", found.notes)]
    found.rdates = [times.moment(value, tzid) for value, tzid in _values(master, "RDATE", found.notes)]
    for instance in instances:
        _read_instance(instance, master, duration, times, found)
    return found


def recurrence_id(event: icalendar.Event, times: TimeReader) -> datetime:
    """The start, as the series schedules it, of the occurrence an instance VEVENT changes."""
    prop: Any = event["RECURRENCE-ID"]
    return times.moment(prop.dt, tzid_of(prop))


def _read_instance(
    instance: icalendar.Event,
    master: icalendar.Event,
    duration: timedelta,
    times: TimeReader,
    found: Exceptions,
) -> None:
    prop: Any = instance["RECURRENCE-ID"]
    original = recurrence_id(instance, times)
    named = original.isoformat()
    if str(prop.params.get("RANGE", "")).upper() == "THISANDFUTURE":
        found.notes.append(f"RECURRENCE-ID {named} with RANGE=THISANDFUTURE: only that occurrence is changed")
    if _text(instance, "STATUS").upper() == "CANCELLED":
        found.exdates.append(original)
        return
    start_prop: Any = instance.get("DTSTART")
    starts_at = original if start_prop is None else times.moment(start_prop.dt, tzid_of(start_prop))
    ends_at = _instance_end(instance, starts_at, duration, times)
    if ends_at <= starts_at:
        found.notes.append(f"the occurrence of {named} ends before it starts: its change is ignored")
        return
    changed = [name for name in IGNORED_INSTANCE_CHANGES if _text(instance, name) != _text(master, name)]
    if changed:
        found.notes.append(
            f"the occurrence of {named}: only its time is taken; its {', '.join(changed)} is ignored"
        )
    if (starts_at, ends_at) != (original, original + duration):
        found.overrides.append({"occurrence_start": original, "starts_at": starts_at, "ends_at": ends_at})


def _instance_end(
    instance: icalendar.Event, starts_at: datetime, duration: timedelta, times: TimeReader
) -> datetime:
    end_prop: Any = instance.get("DTEND")
    if end_prop is not None:
        return times.moment(end_prop.dt, tzid_of(end_prop), end_of_day=True)
    length: Any = instance.get("DURATION")
    if length is not None and isinstance(length.dt, timedelta):
        return starts_at + length.dt
    return starts_at + duration


def _values(event: icalendar.Event, name: str, notes: list[str]) -> list[tuple[Any, str | None]]:
    """Every value of the (repeatable, comma-separated) property ``name``, with its TZID."""
    found = event.get(name)
    if found is None:
        return []
    values: list[tuple[Any, str | None]] = []
    for prop in found if isinstance(found, list) else [found]:
        tzid = tzid_of(prop)
        for item in getattr(prop, "dts", []):
            if isinstance(item.dt, tuple):
                start = item.dt[0]
                notes.append(
                    f"{name} period ignored beyond its start ({start}; lasting as the first occurrence)"
                )
                values.append((start, tzid))
            else:
                values.append((item.dt, tzid))
    return values


def _text(event: icalendar.Event, name: str) -> str:
    value = event.get(name)
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return "" if value is None else str(value).strip()
