"""The agenda as an RFC 5545 calendar, for the ``.ics`` link of a filter."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from icalendar import Calendar, Event

from dashboard.service.queries import AgendaEntry


def calendar_of(entries: Iterable[AgendaEntry], *, name: str, now: datetime | None = None) -> bytes:
    """One VEVENT per occurrence; conflicting ones say so in their description."""
    calendar = Calendar()
    calendar.add("prodid", "-//Werkplaats Participatie//Dashboard//NL")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    stamp = now or datetime.now(UTC)
    for entry in entries:
        activity = entry.activity
        data = activity.data.get("activity", {})
        event = Event()
        event.add(
            "uid",
            f"{activity.organisation}/{activity.activity_id}/{entry.starts_at:%Y%m%dT%H%M%SZ}@werkplaats",
        )
        event.add("dtstamp", stamp)
        event.add("dtstart", entry.starts_at.astimezone(UTC))
        event.add("dtend", entry.ends_at.astimezone(UTC))
        event.add("summary", activity.title)
        event.add("organizer", f"urn:werkplaats:organisation:{activity.organisation}")
        venue = data.get("venue") or {}
        location = venue.get("address") or " ".join(filter(None, [venue.get("venue_id"), venue.get("room")]))
        if location:
            event.add("location", location)
        lines = [f"{activity.organisation}: {activity.kind}"]
        if entry.conflict_ids:
            lines.append("Conflict: " + ", ".join(entry.conflict_ids))
        event.add("description", "\n".join(lines))
        event.add("categories", [activity.kind])
        calendar.add_component(event)
    return bytes(calendar.to_ical())
