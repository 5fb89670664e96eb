"""One VEVENT read into an ``activity.published`` or ``activity.withdrawn`` payload, or refused."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

import icalendar
from pydantic import ValidationError

from contracts import ActivityPublished, ActivityWithdrawn, CentreVenue
from scheduling.domain import AMSTERDAM
from scheduling.domain.errors import SchedulingError
from scheduling.ical.export import X_PREFIX
from scheduling.ical.mapping import FeedMapping

ESSENTIAL = ("DTSTART", "DTEND", "DURATION", "RRULE")
LIST_FIELDS = {
    "NEIGHBOURHOODS": "neighbourhoods",
    "TARGET-GROUPS": "target_groups",
    "THEMES": "themes",
    "LANGUAGES": "languages",
}


class EventRefusedError(SchedulingError, ValueError):
    """A VEVENT that cannot become an activity; the message says why."""


def convert(
    event: icalendar.Event, activity_id: str, mapping: FeedMapping, zones: dict[str, tzinfo]
) -> ActivityPublished | ActivityWithdrawn:
    """Return the payload ``event`` stands for; raise ``EventRefusedError`` when it cannot be read."""
    broken = [f"{name}: {message}" for name, message in event.errors if name in ESSENTIAL]
    if broken:
        raise EventRefusedError("; ".join(broken))
    if "RECURRENCE-ID" in event:
        raise EventRefusedError("changes one occurrence of a series (RECURRENCE-ID), which is not supported")
    if _text(event, "STATUS").upper() == "CANCELLED":
        return ActivityWithdrawn(activity_id=activity_id, reason="cancelled in the partner's calendar")
    starts_at, ends_at = _times(event, zones)
    fields = _fields(event, mapping) | {
        "activity_id": activity_id,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "recurrence": _recurrence(event),
    }
    try:
        return ActivityPublished.model_validate(fields)
    except ValidationError as error:
        raise EventRefusedError(_describe(error)) from None


def _times(event: icalendar.Event, zones: dict[str, tzinfo]) -> tuple[datetime, datetime]:
    start_property = event.get("DTSTART")
    if start_property is None:
        raise EventRefusedError("no DTSTART")
    starts_at = _aware(start_property, zones)
    end_property = event.get("DTEND")
    if end_property is not None:
        ends_at = _aware(end_property, zones)
    elif event.get("DURATION") is not None:
        ends_at = starts_at + _duration(event)
    elif not isinstance(start_property.dt, datetime):
        ends_at = starts_at + timedelta(days=1)
    else:
        raise EventRefusedError("no DTEND or DURATION: an activity needs an end")
    if ends_at <= starts_at:
        raise EventRefusedError(
            f"DTEND ({ends_at.isoformat()}) is not after DTSTART ({starts_at.isoformat()})"
        )
    return starts_at, ends_at


def _duration(event: icalendar.Event) -> timedelta:
    prop: Any = event["DURATION"]
    if not isinstance(prop.dt, timedelta):
        raise EventRefusedError(f"DURATION {prop.to_ical()!r} is not a duration")
    return prop.dt


def _aware(prop: Any, zones: dict[str, tzinfo]) -> datetime:
    """A DATE as local midnight; a floating time (or an unknown TZID) as Europe/Amsterdam wall clock."""
    value = prop.dt
    if not isinstance(value, datetime):
        if not isinstance(value, date):
            raise EventRefusedError(f"{value!r} is not a date or a date-time")
        return datetime.combine(value, time(0, 0), tzinfo=AMSTERDAM)
    if value.tzinfo is not None:
        return value
    tzid = prop.params.get("TZID") if hasattr(prop, "params") else None
    return value.replace(tzinfo=zones.get(tzid, AMSTERDAM) if tzid else AMSTERDAM)


def _recurrence(event: icalendar.Event) -> str | None:
    rule = event.get("RRULE")
    if rule is None:
        return None
    if isinstance(rule, list):
        raise EventRefusedError("more than one RRULE")
    return str(rule.to_ical().decode())


def _fields(event: icalendar.Event, mapping: FeedMapping) -> dict[str, Any]:
    extra = {
        name.removeprefix(X_PREFIX): str(value).strip()
        for name, value in event.items()
        if name.startswith(X_PREFIX)
    }
    fields: dict[str, Any] = {
        "title": _text(event, "SUMMARY")[:200],
        "kind": extra.get("KIND") or mapping.kind_of(_categories(event)),
        "venue": _venue(event, extra, mapping),
        "status": "tentative" if _text(event, "STATUS").upper() == "TENTATIVE" else "planned",
        "neighbourhoods": mapping.neighbourhoods,
        "target_groups": mapping.target_groups,
        "themes": mapping.themes,
        "languages": mapping.languages,
    }
    for name, field in LIST_FIELDS.items():
        if extra.get(name):
            fields[field] = [item.strip() for item in extra[name].split(",") if item.strip()]
    if extra.get("EXPECTED-ATTENDANCE"):
        fields["expected_attendance"] = extra["EXPECTED-ATTENDANCE"]
    if fields["kind"] is None:
        raise EventRefusedError("no kind: CATEGORIES names none and the feed has no default kind (--kind)")
    return fields


def _venue(event: icalendar.Event, extra: dict[str, str], mapping: FeedMapping) -> Any:
    if extra.get("VENUE-ID"):
        return {"venue_id": extra["VENUE-ID"], "room": extra.get("ROOM") or None}
    if isinstance(mapping.venue, CentreVenue):
        return mapping.venue
    location = _text(event, "LOCATION")
    if location:
        return {"address": location[:300]}
    return mapping.venue


def _categories(event: icalendar.Event) -> list[str]:
    found = event.get("CATEGORIES")
    if found is None:
        return []
    properties = found if isinstance(found, list) else [found]
    return [str(category) for prop in properties for category in getattr(prop, "cats", [prop])]


def _text(event: icalendar.Event, name: str) -> str:
    value = event.get(name)
    return "" if value is None else str(value).strip()


def _describe(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(event)"
        problems.append(f"{where}: {item['msg']}")
    return "; ".join(problems)
