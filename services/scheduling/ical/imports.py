"""A partner's calendar read into activities and withdrawals, with every bad event reported on its own."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import tzinfo

import icalendar

from contracts import ActivityPublished, ActivityWithdrawn
from scheduling.ical.events import ESSENTIAL, EventRefusedError, convert
from scheduling.ical.lines import Block, scan
from scheduling.ical.mapping import FeedMapping, activity_id_of
from scheduling.ical.series import recurrence_id
from scheduling.ical.times import TimeReader


@dataclass(frozen=True)
class Problem:
    """Something wrong in a calendar: which VEVENT (1-based; 0 for the calendar), where, and why."""

    event: int
    line: int | None
    uid: str | None
    activity_id: str | None
    message: str
    skipped: bool = True
    """Whether the event was left out (else it went in, and this is a warning)."""

    def __str__(self) -> str:
        where = [f"VEVENT #{self.event}" if self.event else "calendar"]
        if self.uid:
            where.append(f"UID {self.uid}")
        if self.line:
            where.append(f"line {self.line}")
        outcome = "skipped" if self.skipped else "warning"
        return f"{', '.join(where)}: {outcome}: {self.message}"


@dataclass(frozen=True)
class EventReport:
    """What was done with one VEVENT: which one (1-based), its UID and activity, and the outcome."""

    event: int
    uid: str | None
    activity_id: str | None
    outcome: str

    def __str__(self) -> str:
        return f"VEVENT #{self.event}{f', UID {self.uid}' if self.uid else ''}: {self.outcome}"


@dataclass
class ImportResult:
    """What a calendar yields: activities to publish, withdrawals, problems, and a report per event."""

    activities: list[ActivityPublished] = field(default_factory=list)
    withdrawals: list[ActivityWithdrawn] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    reports: list[EventReport] = field(default_factory=list)
    events: int = 0
    is_calendar: bool = False

    @property
    def mentioned(self) -> set[str]:
        """Every activity id the calendar still names, including those of events that were skipped."""
        ids = {a.activity_id for a in self.activities} | {w.activity_id for w in self.withdrawals}
        return ids | {p.activity_id for p in self.problems if p.activity_id}


@dataclass
class _Parsed:
    """One VEVENT block, parsed (or not) and numbered."""

    number: int
    block: Block
    uid: str | None
    activity_id: str
    event: icalendar.Event | None = None
    instances: list[_Parsed] = field(default_factory=list)


def read_calendar(data: bytes, mapping: FeedMapping | None = None) -> ImportResult:
    """Read every VEVENT of ``data``; a bad event is reported and skipped, the good ones go in.

    VEVENTs with a RECURRENCE-ID change one occurrence of the series with the same UID: they are read into
    that series (moved, or cancelled with ``STATUS:CANCELLED``).
    """
    mapping = mapping or FeedMapping()
    found = scan(data)
    result = ImportResult(is_calendar=found.is_calendar)
    if not found.is_calendar:
        result.problems.append(Problem(0, None, None, None, "not an iCalendar file (no BEGIN:VCALENDAR)"))
    for line in found.garbage:
        message = f"not an iCalendar content line, ignored: {line.text[:60]!r}"
        result.problems.append(Problem(0, line.number, None, None, message, skipped=False))
    times = TimeReader(_timezones(found.blocks), mapping.day_starts, mapping.day_ends)
    parsed = [_parse(block, number, result) for number, block in enumerate(_events(found.blocks), start=1)]
    result.events = len(parsed)
    masters = _attach_instances(parsed, result)
    seen: set[str] = set()
    for item in masters:
        _read_event(item, mapping, times, seen, result)
    result.reports.sort(key=lambda report: report.event)
    return result


def _events(blocks: list[Block]) -> list[Block]:
    return [block for block in blocks if block.name == "VEVENT"]


def _parse(block: Block, number: int, result: ImportResult) -> _Parsed:
    uid = (block.value_of("UID") or "").strip() or None
    item = _Parsed(number, block, uid, activity_id_of(uid) if uid else _id_without_uid(block))
    for at, warning in _block_warnings(block, uid):
        _report(result, item, warning, skipped=False, at=at)
    try:
        event = icalendar.Event.from_ical(block.ical())
        if not isinstance(event, icalendar.Event):
            raise EventRefusedError("not a VEVENT")
        item.event = event
    except ValueError as error:
        _skip(result, item, str(error) if isinstance(error, EventRefusedError) else f"unreadable: {error}")
    return item


def _attach_instances(parsed: list[_Parsed], result: ImportResult) -> list[_Parsed]:
    """The master VEVENTs, each with the VEVENTs that change one of its occurrences."""
    masters = [item for item in parsed if item.event is not None and "RECURRENCE-ID" not in item.event]
    by_uid = {item.uid: item for item in reversed(masters) if item.uid is not None}
    for item in parsed:
        if item.event is None or "RECURRENCE-ID" not in item.event:
            continue
        master = by_uid.get(item.uid) if item.uid is not None else None
        if master is None:
            _skip(
                result,
                item,
                "changes one occurrence (RECURRENCE-ID) of a series that is not in this calendar",
            )
            continue
        master.instances.append(item)
    return masters


def _read_event(
    item: _Parsed, mapping: FeedMapping, times: TimeReader, seen: set[str], result: ImportResult
) -> None:
    assert item.event is not None
    if item.activity_id in seen:
        _skip(result, item, f"a second VEVENT with the same UID (activity {item.activity_id})")
        return
    times.notes.clear()
    instances = [instance.event for instance in item.instances if instance.event is not None]
    try:
        converted = convert(item.event, item.activity_id, mapping, times, instances)
    except ValueError as error:
        _skip(result, item, str(error) if isinstance(error, EventRefusedError) else f"unreadable: {error}")
        for instance in item.instances:
            _report(result, instance, f"its series (VEVENT #{item.number}) was skipped")
        return
    for warning in [*_event_warnings(item.event), *times.notes, *converted.notes]:
        _report(result, item, warning, skipped=False)
    seen.add(item.activity_id)
    outcome = converted.payload
    if isinstance(outcome, ActivityWithdrawn):
        result.withdrawals.append(outcome)
        result.reports.append(EventReport(item.number, item.uid, item.activity_id, "withdrawn (cancelled)"))
        return
    result.activities.append(outcome)
    result.reports.append(EventReport(item.number, item.uid, item.activity_id, describe(outcome)))
    for instance in item.instances:
        what = (
            f"read into the series of VEVENT #{item.number} ({_instance_outcome(outcome, instance, times)})"
        )
        result.reports.append(EventReport(instance.number, instance.uid, instance.activity_id, what))


def describe(activity: ActivityPublished) -> str:
    """One line saying what an activity read from a calendar is: when, how often, and its exceptions."""
    parts = [f"published as {activity.activity_id}, from {activity.starts_at.isoformat()}"]
    if activity.recurrence:
        parts.append(f"repeating {activity.recurrence}")
    for count, what in (
        (len(activity.exdates), "cancelled"),
        (len(activity.overrides), "moved"),
        (len(activity.rdates), "extra"),
    ):
        if count:
            parts.append(f"{count} {what}")
    return ", ".join(parts)


def _instance_outcome(activity: ActivityPublished, instance: _Parsed, times: TimeReader) -> str:
    assert instance.event is not None
    original = recurrence_id(instance.event, times).timestamp()
    if any(start.timestamp() == original for start in activity.exdates):
        return "occurrence cancelled"
    if any(o.occurrence_start.timestamp() == original for o in activity.overrides):
        return "occurrence moved"
    return "occurrence unchanged in time"


def _report(
    result: ImportResult, item: _Parsed, message: str, *, skipped: bool = True, at: int | None = None
) -> None:
    line = at or item.block.line_of("UID") or item.block.line
    result.problems.append(Problem(item.number, line, item.uid, item.activity_id, message, skipped))


def _skip(result: ImportResult, item: _Parsed, message: str) -> None:
    _report(result, item, message)
    result.reports.append(EventReport(item.number, item.uid, item.activity_id, f"skipped: {message}"))


def _block_warnings(block: Block, uid: str | None) -> list[tuple[int | None, str]]:
    warnings: list[tuple[int | None, str]] = [
        (bad.number, f"not an iCalendar content line, ignored: {bad.text[:60]!r}") for bad in block.garbage
    ]
    if not block.complete:
        warnings.append((None, f"no END:VEVENT for the BEGIN:VEVENT on line {block.line}"))
    if uid is None:
        warnings.append((None, "no UID: its id is derived from DTSTART and SUMMARY"))
    return warnings


def _event_warnings(event: icalendar.Event) -> list[str]:
    return [f"{name or 'line'} ignored: {message}" for name, message in event.errors if name not in ESSENTIAL]


def _id_without_uid(block: Block) -> str:
    basis = f"{block.value_of('DTSTART')}|{block.value_of('SUMMARY')}"
    return "ics-nouid." + hashlib.sha256(basis.encode()).hexdigest()[:24]


def _timezones(blocks: list[Block]) -> dict[str, tzinfo]:
    """The calendar's own VTIMEZONEs, for TZIDs that are neither IANA nor Windows names."""
    zones: dict[str, tzinfo] = {}
    for block in blocks:
        if block.name != "VTIMEZONE":
            continue
        try:
            component = icalendar.Timezone.from_ical(block.ical())
            if not isinstance(component, icalendar.Timezone):
                continue
            zones[str(component["TZID"])] = component.to_tz()
        except (ValueError, KeyError, TypeError):
            continue
    return zones
