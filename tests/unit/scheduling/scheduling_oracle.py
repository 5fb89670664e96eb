"""An independent oracle of the five conflict rules, written from design.md and shared/reference.md.

It shares nothing with the scheduler but the ``Activity`` it reads: its own day-by-day expansion of the
RRULE subset the property strategies draw (FREQ=DAILY/WEEKLY, INTERVAL, BYDAY, COUNT, UNTIL in UTC) with
cancelled, extra and moved occurrences; its own predicates for each rule; and its own table of
unfavourable dates, typed in from the sources the data file names (shared/reference.md), not read from
the data file or the ``holidays`` package. Conflicts are compared as descriptions (no ids).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import combinations
from zoneinfo import ZoneInfo

from scheduling.domain import Activity, Conflict

WALL = ZoneInfo("Europe/Amsterdam")
PARTICIPATION = {"consultation", "information_meeting", "residents_meeting", "workshop", "walk"}
HORIZON = timedelta(days=365)
EVENING = time(17)
COVERED = (date(2025, 10, 1), date(2027, 12, 31))
"""The dates the table below knows: an occurrence outside them is a mistake of the test, not a result."""

MemberView = tuple[str, str, datetime, datetime, str]
"""``(organisation, activity_id, occurrence start, occurrence end, kind)``, all times in UTC."""
Span = tuple[datetime, datetime]
"""An occurrence's ``[start, end)``."""
Expanded = dict[tuple[str, str], tuple[Activity, list[Span]]]
"""Each activity by its key, with its occurrences."""


@dataclass(frozen=True)
class Found:
    """A conflict as a person reads it off design.md's rules: what, who, where, when and why."""

    rule: str
    members: frozenset[MemberView]
    neighbourhoods: tuple[str, ...]
    starts_at: datetime
    ends_at: datetime
    venue_id: str | None = None
    room: str | None = None
    target_group: str | None = None
    iso_week: str | None = None
    reasons: frozenset[str] = frozenset()


def described(conflict: Conflict) -> Found:
    """The scheduler's conflict in the oracle's terms, so the two can be compared."""
    return Found(
        rule=conflict.rule.value,
        members=frozenset(
            (m.organisation, m.activity_id, _utc(m.occurrence_start), _utc(m.occurrence_end), m.kind.value)
            for m in conflict.members
        ),
        neighbourhoods=tuple(conflict.neighbourhoods),
        starts_at=_utc(conflict.starts_at),
        ends_at=_utc(conflict.ends_at),
        venue_id=conflict.venue_id,
        room=conflict.room,
        target_group=conflict.target_group.value if conflict.target_group else None,
        iso_week=conflict.iso_week,
        reasons=frozenset(reason.id for reason in conflict.reasons),
    )


# --- Dates (shared/reference.md, "Dates that make a participation evening a bad idea") -----------------


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _holiday(*days: date) -> dict[date, str]:
    return {day: f"public-holiday-{day.isoformat()}" for day in days}


PUBLIC_HOLIDAYS: dict[date, str] = {
    **_holiday(date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 5), date(2026, 4, 6), date(2026, 4, 27)),
    **_holiday(
        date(2026, 5, 14), date(2026, 5, 24), date(2026, 5, 25), date(2026, 12, 25), date(2026, 12, 26)
    ),
    **_holiday(date(2027, 1, 1), date(2027, 3, 26), date(2027, 3, 28), date(2027, 3, 29), date(2027, 4, 27)),
    **_holiday(
        date(2027, 5, 6), date(2027, 5, 16), date(2027, 5, 17), date(2027, 12, 25), date(2027, 12, 26)
    ),
    date(2026, 5, 5): "liberation-day-2026",
    date(2027, 5, 5): "liberation-day-2027",
}
SCHOOL_HOLIDAYS: dict[str, tuple[date, date]] = {
    "school-autumn-2025": (date(2025, 10, 18), date(2025, 10, 26)),
    "school-christmas-2025": (date(2025, 12, 20), date(2026, 1, 4)),
    "school-spring-2026": (date(2026, 2, 14), date(2026, 2, 22)),
    "school-may-2026": (date(2026, 4, 25), date(2026, 5, 3)),
    "school-summer-2026": (date(2026, 7, 18), date(2026, 8, 30)),
    "school-autumn-2026": (date(2026, 10, 17), date(2026, 10, 25)),
    "school-christmas-2026": (date(2026, 12, 19), date(2027, 1, 3)),
    "school-spring-2027": (date(2027, 2, 20), date(2027, 2, 28)),
    "school-may-2027": (date(2027, 4, 24), date(2027, 5, 2)),
    "school-summer-2027": (date(2027, 7, 17), date(2027, 8, 29)),
    "school-autumn-2027": (date(2027, 10, 16), date(2027, 10, 24)),
    "school-christmas-2027": (date(2027, 12, 25), date(2028, 1, 9)),
}
FEAST_DAYS: dict[str, tuple[date, date]] = {
    "eid-al-fitr-2026": (date(2026, 3, 20), date(2026, 3, 20)),
    "eid-al-adha-2026": (date(2026, 5, 27), date(2026, 5, 27)),
    "diwali-2026": (date(2026, 11, 8), date(2026, 11, 8)),
    "eid-al-fitr-2027": (date(2027, 3, 9), date(2027, 3, 9)),
    "eid-al-adha-2027": (date(2027, 5, 16), date(2027, 5, 16)),
    "diwali-2027": (date(2027, 10, 28), date(2027, 10, 29)),
}
RAMADAN: dict[str, tuple[date, date]] = {
    "ramadan-2026": (date(2026, 2, 18), date(2026, 3, 19)),
    "ramadan-2027": (date(2027, 2, 8), date(2027, 3, 8)),
}


@dataclass(frozen=True)
class EveningEntry:
    """An entry of operations: an evening window ``[begins, midnight)`` on one local date."""

    id: str
    day: date
    begins: time


REMEMBRANCE = (
    EveningEntry("remembrance-2026", date(2026, 5, 4), time(18)),
    EveningEntry("remembrance-2027", date(2027, 5, 4), time(18)),
)
WHOLE_DAYS: dict[str, tuple[date, date]] = {
    **{name: (day, day) for day, name in PUBLIC_HOLIDAYS.items()},
    **SCHOOL_HOLIDAYS,
    **FEAST_DAYS,
}
"""Every reason that spoils a whole local day, with its first and last day."""


# --- Expansion --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """The RRULE subset: daily or weekly, an interval, weekdays, COUNT or UNTIL (an instant)."""

    weekly: bool
    interval: int
    weekdays: frozenset[int] | None
    count: int | None
    until: datetime | None

    @classmethod
    def read(cls, text: str) -> Rule:
        """Read ``FREQ=...;INTERVAL=...;BYDAY=...;COUNT=...;UNTIL=...Z``."""
        parts = dict(part.split("=", 1) for part in text.split(";"))
        known = {"FREQ", "INTERVAL", "BYDAY", "COUNT", "UNTIL"}
        if parts.keys() - known or parts["FREQ"] not in {"DAILY", "WEEKLY"}:
            raise ValueError(f"the oracle does not know {text}")
        names = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
        until = parts.get("UNTIL")
        return cls(
            weekly=parts["FREQ"] == "WEEKLY",
            interval=int(parts.get("INTERVAL", "1")),
            weekdays=frozenset(names.index(d) for d in parts["BYDAY"].split(","))
            if "BYDAY" in parts
            else None,
            count=int(parts["COUNT"]) if "COUNT" in parts else None,
            until=datetime.strptime(until, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC) if until else None,
        )

    def starts(self, first: datetime) -> list[datetime]:
        """Walk the local calendar one day at a time from the first start, keeping the days the rule names."""
        wall_time = first.time()
        first_day = first.date()
        weekdays = self.weekdays if self.weekdays is not None else frozenset({first_day.weekday()})
        monday = first_day - timedelta(days=first_day.weekday())
        found: list[datetime] = []
        for n in range(3 * 366):
            day = first_day + timedelta(days=n)
            if self.weekly:
                named = day.weekday() in weekdays and ((day - monday).days // 7) % self.interval == 0
            else:
                named = n % self.interval == 0
            start = datetime.combine(day, wall_time, tzinfo=WALL)
            if self.until is not None and start > self.until:
                break
            if named:
                found.append(start)
            if self.count is not None and len(found) == self.count:
                break
        return found


def scheduled_starts(activity: Activity) -> list[datetime]:
    """The starts the series schedules (its rule or single start, and extra dates), less cancelled ones."""
    first = activity.starts_at.astimezone(WALL)
    rule = [first] if activity.recurrence is None else Rule.read(activity.recurrence).starts(first)
    instants = {_utc(start) for start in [*rule, *activity.rdates]}
    cancelled = {_utc(start) for start in activity.exdates}
    return sorted(instants - cancelled)


def occurrences(activity: Activity, now: datetime) -> list[Span]:
    """The occurrences that have not ended at ``now``; a series only up to the horizon (365 days)."""
    length = _utc(activity.ends_at) - _utc(activity.starts_at)
    moved = {_utc(o.occurrence_start): (_utc(o.starts_at), _utc(o.ends_at)) for o in activity.overrides}
    single = activity.recurrence is None and not (activity.rdates or activity.exdates or activity.overrides)
    found = []
    for start in scheduled_starts(activity):
        begins, ends = moved.get(start, (start, start + length))
        if ends > now and (single or begins < now + HORIZON):
            found.append((begins, ends))
    return sorted(found)


# --- Rules (design.md, "Conflict rules") -----------------------------------------------------------------


def share(x: str, y: str) -> str | None:
    """The most specific code where two codes meet (a wijk WKggggww covers buurten BUggggwwbb), or None."""
    if x == y:
        return x
    wijk, buurt = (x, y) if x.startswith("WK") else (y, x)
    if wijk.startswith("WK") and buurt.startswith("BU") and buurt[2:8] == wijk[2:8]:
        return buurt
    return None


def shared(a: Activity, b: Activity) -> tuple[str, ...]:
    """Where two activities' neighbourhoods meet, sorted."""
    return tuple(sorted({code for x in a.neighbourhoods for y in b.neighbourhoods if (code := share(x, y))}))


def participates(activity: Activity) -> bool:
    """The first five kinds of design.md are participation kinds."""
    return activity.kind.value in PARTICIPATION


def wall(moment: datetime) -> datetime:
    """Europe/Amsterdam wall-clock time of a moment."""
    return moment.astimezone(WALL)


def overlap(x: Span, y: Span) -> bool:
    """Half-open intervals that share a moment (touching is not overlapping)."""
    return x[0] < y[1] and y[0] < x[1]


def same_evening(x: Span, y: Span) -> bool:
    """Both start on the same local date at or after 17:00 (the caller checks they do not overlap)."""
    lx, ly = wall(x[0]), wall(y[0])
    return lx.date() == ly.date() and lx.time() >= EVENING and ly.time() >= EVENING


def day_bounds(day: date, begins: time = time(0)) -> Span:
    """``[begins, next midnight)`` of a local date, as instants."""
    return _utc(datetime.combine(day, begins, tzinfo=WALL)), _utc(
        datetime.combine(day + timedelta(days=1), time(0), tzinfo=WALL)
    )


def reasons(span: Span, evenings: tuple[EveningEntry, ...] = ()) -> frozenset[str]:
    """Every reason from the table that makes an occurrence unfavourable, by id."""
    first, last = wall(span[0]).date(), wall(span[1] - timedelta(microseconds=1)).date()
    if first < COVERED[0] or last > COVERED[1]:
        raise ValueError(f"the oracle's dates do not cover {first}..{last}")
    found: set[str] = set()
    for day in _days(first, last):
        if overlap(span, day_bounds(day)):
            found.update(name for name, (since, until) in WHOLE_DAYS.items() if since <= day <= until)
        for entry in (*REMEMBRANCE, *evenings):
            if day == entry.day and overlap(span, day_bounds(day, entry.begins)):
                found.add(entry.id)
    start = wall(span[0])
    for name, (since, until) in RAMADAN.items():
        if since <= start.date() <= until and time(17) <= start.time() <= time(21):
            found.add(name)
    return frozenset(found)


def _member(activity: Activity, span: Span) -> MemberView:
    return (activity.organisation, activity.activity_id, span[0], span[1], activity.kind.value)


def _pair(rule: str, a: Activity, x: Span, b: Activity, y: Span) -> Found:
    venue = rule == "venue_double_booking"
    return Found(
        rule=rule,
        members=frozenset({_member(a, x), _member(b, y)}),
        neighbourhoods=tuple(sorted(set(a.neighbourhoods) | set(b.neighbourhoods)))
        if venue
        else shared(a, b),
        starts_at=min(x[0], y[0]),
        ends_at=max(x[1], y[1]),
        venue_id=a.venue_id if venue else None,
        room=a.room if venue and a.room == b.room else None,
    )


def pair_conflicts(a: Activity, xs: list[Span], b: Activity, ys: list[Span]) -> list[Found]:
    """The neighbourhood-overlap, same-evening and venue conflicts between two activities' occurrences."""
    found = []
    meet = participates(a) and participates(b) and bool(shared(a, b))
    same_venue = a.venue_id is not None and a.venue_id == b.venue_id
    rooms_clash = a.room is None or b.room is None or a.room == b.room
    for x in xs:
        for y in ys:
            if meet and overlap(x, y):
                found.append(_pair("neighbourhood_overlap", a, x, b, y))
            if meet and not overlap(x, y) and same_evening(x, y):
                found.append(_pair("same_evening", a, x, b, y))
            if same_venue and rooms_clash and overlap(x, y):
                found.append(_pair("venue_double_booking", a, x, b, y))
    return found


def unfavourable(
    expanded: Expanded,
    evenings: tuple[EveningEntry, ...],
) -> list[Found]:
    """One conflict per participation occurrence that some reason of the table spoils."""
    return [
        Found(
            rule="unfavourable_date",
            members=frozenset({_member(activity, span)}),
            neighbourhoods=activity.neighbourhoods,
            starts_at=span[0],
            ends_at=span[1],
            reasons=why,
        )
        for activity, spans in expanded.values()
        if participates(activity)
        for span in spans
        if (why := reasons(span, evenings))
    ]


def overloads(expanded: Expanded, threshold: int) -> list[Found]:
    """One conflict per (wijk, group, ISO week) where over ``threshold`` occurrences count for the group."""
    weeks: dict[tuple[str, int, int], list[tuple[Activity, Span]]] = defaultdict(list)
    for activity, spans in expanded.values():
        if not participates(activity):
            continue
        for span in spans:
            year, week, _ = wall(span[0]).date().isocalendar()
            for wijk in {"WK" + code[2:8] for code in activity.neighbourhoods}:
                weeks[(wijk, year, week)].append((activity, span))
    found = []
    for (wijk, year, week), members in weeks.items():
        for group in {g.value for a, _ in members for g in a.target_groups}:
            counted = [
                (a, span)
                for a, span in members
                if {g.value for g in a.target_groups} & {group, "all_residents"}
            ]
            if len(counted) > threshold:
                monday = date.fromisocalendar(year, week, 1)
                found.append(
                    Found(
                        rule="target_group_overload",
                        members=frozenset(_member(a, span) for a, span in counted),
                        neighbourhoods=(wijk,),
                        starts_at=day_bounds(monday)[0],
                        ends_at=day_bounds(monday + timedelta(days=6))[1],
                        target_group=group,
                        iso_week=f"{year}-W{week:02d}",
                    )
                )
    return found


def oracle(
    activities: list[Activity],
    now: datetime,
    threshold: int,
    evenings: tuple[EveningEntry, ...] = (),
) -> list[Found]:
    """Every open conflict of ``activities`` at ``now``, the slow and obvious way, sorted for comparison."""
    expanded = {a.key: (a, occurrences(a, now)) for a in activities}
    found: list[Found] = []
    for key_a, key_b in combinations(sorted(expanded), 2):
        found += pair_conflicts(*expanded[key_a], *expanded[key_b])
    found += unfavourable(expanded, evenings)
    found += overloads(expanded, threshold)
    return sorted(found, key=repr)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
