"""Times as calendars write them: IANA, Windows and calendar-defined zones, UTC, floating, and whole days.

Windows zone names (``TZID:W. Europe Standard Time``, as Outlook and Exchange write them) are mapped to IANA
zones by the Unicode CLDR table ``common/supplemental/windowsZones.xml`` (territory ``001``), as shipped in
``icalendar.timezone.windows_to_olson`` (see :data:`WINDOWS_ZONES_SOURCE`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar.timezone import windows_to_olson

from scheduling.domain import AMSTERDAM

WINDOWS_ZONES: dict[str, str] = dict(windows_to_olson.WINDOWS_TO_OLSON)
"""Windows time zone name → IANA zone (CLDR windowsZones, territory 001)."""
WINDOWS_ZONES_SOURCE = (
    "Unicode CLDR common/supplemental/windowsZones.xml at commit "
    f"{windows_to_olson.version} ({windows_to_olson.version_date}), via icalendar.timezone.windows_to_olson"
)
DAY_STARTS = time(9, 0)
DAY_ENDS = time(17, 0)


class TimeRefusedError(ValueError):
    """A time that cannot be read; the message says which and why."""


@dataclass
class TimeReader:
    """Reads DATE and DATE-TIME values of one calendar, noting how it read zones it had to guess."""

    zones: dict[str, tzinfo] = field(default_factory=dict)
    """The calendar's own VTIMEZONEs by TZID."""
    day_starts: time = DAY_STARTS
    day_ends: time = DAY_ENDS
    notes: list[str] = field(default_factory=list)

    def zone(self, tzid: str) -> tzinfo | None:
        """The zone a TZID names: IANA, else Windows (CLDR), else the calendar's VTIMEZONE, else None."""
        name = tzid.strip().strip('"')
        for candidate in (name, WINDOWS_ZONES.get(name)):
            if candidate:
                try:
                    return ZoneInfo(candidate)
                except (ZoneInfoNotFoundError, ValueError):
                    pass
        return self.zones.get(tzid) or self.zones.get(name)

    def moment(self, value: Any, tzid: str | None, *, end_of_day: bool = False) -> datetime:
        """An aware datetime: a DATE becomes the day's start (or end) of the daytime window."""
        if isinstance(value, datetime):
            return self._aware(value, tzid)
        if isinstance(value, date):
            return datetime.combine(value, self.day_ends if end_of_day else self.day_starts, tzinfo=AMSTERDAM)
        raise TimeRefusedError(f"{value!r} is not a date or a date-time")

    def _aware(self, value: datetime, tzid: str | None) -> datetime:
        if tzid:
            zone = self.zone(tzid)
            if zone is not None:
                return value.replace(tzinfo=zone) if value.tzinfo is None else value.astimezone(zone)
            if value.tzinfo is None:
                self._note(f"TZID {tzid!r} is unknown: read as Europe/Amsterdam time")
        if value.tzinfo is not None:
            return value
        return value.replace(tzinfo=AMSTERDAM)

    def _note(self, note: str) -> None:
        if note not in self.notes:
            self.notes.append(note)


def tzid_of(prop: Any) -> str | None:
    """The TZID parameter of a property, if any."""
    params = getattr(prop, "params", None)
    tzid = params.get("TZID") if params is not None else None
    return str(tzid) if tzid else None
