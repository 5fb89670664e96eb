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


@dataclass
class ImportResult:
    """What a calendar yields: activities to publish, withdrawals, and the problems found."""

    activities: list[ActivityPublished] = field(default_factory=list)
    withdrawals: list[ActivityWithdrawn] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    events: int = 0
    is_calendar: bool = False

    @property
    def mentioned(self) -> set[str]:
        """Every activity id the calendar still names, including those of events that were skipped."""
        ids = {a.activity_id for a in self.activities} | {w.activity_id for w in self.withdrawals}
        return ids | {p.activity_id for p in self.problems if p.activity_id}


def read_calendar(data: bytes, mapping: FeedMapping | None = None) -> ImportResult:
    """Read every VEVENT of ``data``; a bad event is reported and skipped, the good ones go in."""
    mapping = mapping or FeedMapping()
    found = scan(data)
    result = ImportResult(is_calendar=found.is_calendar)
    if not found.is_calendar:
        result.problems.append(Problem(0, None, None, None, "not an iCalendar file (no BEGIN:VCALENDAR)"))
    for line in found.garbage:
        message = f"not an iCalendar content line, ignored: {line.text[:60]!r}"
        result.problems.append(Problem(0, line.number, None, None, message, skipped=False))
    zones = _timezones(found.blocks)
    seen: set[str] = set()
    for block in (b for b in found.blocks if b.name == "VEVENT"):
        result.events += 1
        _read_event(block, result.events, mapping, zones, seen, result)
    return result


def _read_event(
    block: Block,
    number: int,
    mapping: FeedMapping,
    zones: dict[str, tzinfo],
    seen: set[str],
    result: ImportResult,
) -> None:
    uid = (block.value_of("UID") or "").strip() or None
    activity_id = activity_id_of(uid) if uid else _id_without_uid(block)
    line = block.line_of("UID") or block.line

    def report(message: str, *, skipped: bool = True, at: int | None = None) -> None:
        result.problems.append(Problem(number, at or line, uid, activity_id, message, skipped))

    for at, warning in _block_warnings(block, uid):
        report(warning, skipped=False, at=at)
    try:
        event = icalendar.Event.from_ical(block.ical())
        if not isinstance(event, icalendar.Event):
            raise EventRefusedError("not a VEVENT")
        outcome = convert(event, activity_id, mapping, zones)
    except ValueError as error:
        report(str(error) if isinstance(error, EventRefusedError) else f"unreadable: {error}")
        return
    for warning in _event_warnings(event):
        report(warning, skipped=False)
    if activity_id in seen:
        report(f"a second VEVENT with the same UID (activity {activity_id})")
        return
    seen.add(activity_id)
    if isinstance(outcome, ActivityWithdrawn):
        result.withdrawals.append(outcome)
    else:
        result.activities.append(outcome)


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
    warnings = [
        f"{name or 'line'} ignored: {message}" for name, message in event.errors if name not in ESSENTIAL
    ]
    return warnings + [
        f"{name} is not supported and was ignored" for name in ("EXDATE", "RDATE") if name in event
    ]


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
