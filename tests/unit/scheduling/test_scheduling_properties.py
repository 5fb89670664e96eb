"""Property: after any publications and withdrawals the agenda agrees with a brute-force oracle."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from scheduling_oracle import EveningEntry, described, oracle, scheduled_starts

from contracts import ActivityKind, TargetGroup
from scheduling.domain import (
    AMSTERDAM,
    Activity,
    Agenda,
    Conflict,
    Override,
    load_calendar,
    owner_zone,
    zones_of,
    zones_to_notify,
)

THRESHOLD = 2
ANCHORS = [
    date(2026, 11, 29),  # an evening operations added (3 December)
    date(2026, 12, 22),  # Christmas school holiday, Christmas Day and Boxing Day
    date(2027, 3, 5),  # the last evenings of Ramadan, Eid al-Fitr
    date(2027, 3, 24),  # Good Friday, Easter and the change to summer time
    date(2027, 5, 1),  # the end of the May holiday, 4 May from 18:00, Liberation Day, Ascension
    date(2027, 10, 26),  # Diwali (two days, an estimate) and the change to winter time
]
EVENINGS = tuple(
    EveningEntry(f"ops-evening-{anchor.isoformat()}", anchor + timedelta(days=4), time(19))
    for anchor in ANCHORS
)
CALENDAR = load_calendar(
    [
        {
            "id": entry.id,
            "name": {"nl": f"testavond {entry.day}", "en": f"test evening {entry.day}"},
            "first": entry.day.isoformat(),
            "window": {"from": "19:00", "until": "24:00"},
            "source": "test",
            "checked": "2026-11-26",
        }
        for entry in EVENINGS
    ]
)
CODES = [
    "WK051836",
    "BU05183620",
    "BU05183620",
    "BU05183637",
    "WK051834",
    "BU05183480",
    "BU05189901",
    "WK051899",
]
MOERWIJK_CODES = ["WK051836", "BU05183620", "BU05183637"]
VENUES = [(None, None), ("v1", None), ("v1", "A"), ("v1", "B"), ("v2", None)]
KINDS = [
    ActivityKind.CONSULTATION,
    ActivityKind.WORKSHOP,
    ActivityKind.WALK,
    ActivityKind.SOCIAL,
    ActivityKind.CONSULTATION,
]
GROUPS = [TargetGroup.ALL_RESIDENTS, TargetGroup.TENANTS, TargetGroup.YOUTH]
HOURS = st.sampled_from([10, 16, 17, 19, 20])
KEYS = [(org, ident) for org in ("org-a", "org-b") for ident in ("1", "2", "3")]


def rules(anchor: date) -> list[str | None]:
    """The recurrences drawn: none, daily, weekly, every third day until a moment, two weekdays."""
    until = datetime.combine(anchor + timedelta(days=13), time(23), tzinfo=UTC)
    return [
        None,
        None,
        "FREQ=DAILY;COUNT=2",
        "FREQ=WEEKLY;COUNT=3",
        f"FREQ=DAILY;INTERVAL=3;UNTIL={until:%Y%m%dT%H%M%SZ}",
        "FREQ=WEEKLY;BYDAY=MO,TH;COUNT=4",
    ]


def now_at(anchor: date) -> datetime:
    """The moment of the example: the day after the anchor, so the first day's plans lie in the past."""
    return datetime.combine(anchor + timedelta(days=1), time(12), tzinfo=UTC)


@st.composite
def exceptions(draw: st.DrawFn, plain: Activity, anchor: date) -> Activity:
    """The series with some of its occurrences cancelled, one extra date and one occurrence moved."""
    starts = scheduled_starts(plain)
    cancelled = draw(st.lists(st.sampled_from(starts), max_size=2, unique=True))
    staying = [start for start in starts if start not in cancelled]
    extra: list[datetime] = draw(
        st.lists(st.builds(local_at, st.just(anchor), st.integers(0, 6), HOURS, st.just(0)), max_size=1)
    )
    overrides: list[Override] = []
    move: bool = draw(st.booleans())
    if staying and move:
        moved = draw(st.sampled_from(staying))
        to = moved.astimezone(AMSTERDAM) + timedelta(
            days=draw(st.integers(-1, 1)), hours=draw(st.integers(-3, 3))
        )
        others = {start.astimezone(UTC) for start in staying + extra if start != moved}
        if to.astimezone(UTC) not in others:
            overrides.append(
                Override(moved, to, to + timedelta(minutes=draw(st.sampled_from([30, 90, 150]))))
            )
    return replace(plain, exdates=tuple(cancelled), rdates=tuple(extra), overrides=tuple(overrides))


def local_at(anchor: date, days: int, hour: int, minute: int) -> datetime:
    """Europe/Amsterdam wall-clock time ``days`` after the anchor."""
    return datetime.combine(anchor + timedelta(days=days), time(hour, minute), tzinfo=AMSTERDAM)


@st.composite
def activities(draw: st.DrawFn, anchor: date) -> Activity:
    org, ident = draw(st.sampled_from(KEYS))
    start = local_at(anchor, draw(st.integers(0, 4)), draw(HOURS), draw(st.sampled_from([0, 0, 30])))
    venue, room = draw(st.sampled_from(VENUES))
    plain = Activity(
        organisation=org,
        activity_id=ident,
        kind=draw(st.sampled_from(KINDS)),
        starts_at=start,
        ends_at=start + timedelta(minutes=draw(st.sampled_from([30, 60, 90, 120, 180]))),
        neighbourhoods=(
            *draw(st.lists(st.sampled_from(CODES), max_size=1)),
            draw(st.sampled_from(MOERWIJK_CODES)),
        ),
        target_groups=frozenset(draw(st.lists(st.sampled_from(GROUPS), max_size=2))),
        recurrence=draw(st.sampled_from(rules(anchor))),
        venue_id=venue,
        room=room,
    )
    if plain.recurrence is not None and draw(st.integers(0, 3)) == 0:
        return draw(exceptions(plain, anchor))
    return plain


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[date, list[object]]:
    """An anchor date and publications and withdrawals of activities around it."""
    anchor = draw(st.sampled_from(ANCHORS))
    made = activities(anchor)
    ops: list[object] = draw(
        st.lists(
            st.one_of(made, made, made, st.tuples(st.just("withdraw"), st.sampled_from(KEYS))),
            min_size=2,
            max_size=16,
        )
    )
    return anchor, ops


def new_agenda(zone: str | None = None) -> Agenda:
    return Agenda(calendar=CALENDAR, overload_threshold=THRESHOLD, owner_zone=zone)


def descriptions(conflicts: dict[str, Conflict]) -> list[object]:
    """The conflicts in the oracle's terms, sorted like the oracle's answer."""
    return sorted((described(conflict) for conflict in conflicts.values()), key=repr)


class Replay:
    """Applies operations to one unscoped agenda and to zone-scoped agendas, checking diffs on the way."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.agenda = new_agenda()
        self.zones: dict[str, Agenda] = {}
        self.current: dict[tuple[str, str], Activity] = {}
        self.from_diffs: dict[str, Conflict] = {}

    def zone(self, name: str) -> Agenda:
        return self.zones.setdefault(name, new_agenda(name))

    def publish(self, activity: Activity) -> None:
        predicted = self.agenda.check(activity, self.now)
        old = self.current.get(activity.key)
        self.follow(self.agenda.upsert(activity, self.now))
        for name in zones_to_notify(old, activity):
            self.zone(name).upsert(activity, self.now)
        self.current[activity.key] = activity
        involved = sorted(
            (c for c in self.agenda.open_conflicts().values() if c.involves(activity.key)),
            key=lambda c: c.conflict_id,
        )
        assert predicted == involved

    def withdraw(self, key: tuple[str, str]) -> None:
        old = self.current.pop(key, None)
        self.follow(self.agenda.withdraw(key))
        for name in zones_of(old) if old else ():
            self.zone(name).withdraw(key)

    def follow(self, changes: object) -> None:
        for conflict in changes.resolved:  # type: ignore[attr-defined]
            assert self.from_diffs.pop(conflict.conflict_id) == conflict
        for conflict in changes.detected:  # type: ignore[attr-defined]
            assert conflict.conflict_id not in self.from_diffs
            self.from_diffs[conflict.conflict_id] = conflict
        for conflict in changes.changed:  # type: ignore[attr-defined]
            assert self.from_diffs[conflict.conflict_id] != conflict
            self.from_diffs[conflict.conflict_id] = conflict


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_the_agenda_agrees_with_the_oracle_after_any_sequence(scenario: tuple[date, list[object]]) -> None:
    anchor, ops = scenario
    replay = Replay(now_at(anchor))
    for op in ops:
        if isinstance(op, Activity):
            replay.publish(op)
        else:
            replay.withdraw(op[1])  # type: ignore[index]
    expected = oracle(list(replay.current.values()), replay.now, THRESHOLD, EVENINGS)
    for rule in sorted({found.rule for found in expected}):
        event(f"found {rule}")
    for reason in sorted({reason.split("-20")[0] for found in expected for reason in found.reasons}):
        event(f"reason {reason}")
    open_conflicts = replay.agenda.open_conflicts()
    found = descriptions(open_conflicts)
    note(f"activities: {sorted(replay.current.values(), key=lambda a: a.key)}")
    assert set(found) - set(expected) == set(), "the agenda holds conflicts the oracle does not"
    assert set(expected) - set(found) == set(), "the oracle finds conflicts the agenda does not"
    assert len(found) == len(expected), "one conflict is held under two ids"
    assert replay.from_diffs == open_conflicts
    union: dict[str, Conflict] = {}
    for name, zone in replay.zones.items():
        for conflict_id, conflict in zone.open_conflicts().items():
            assert conflict_id not in union, "a conflict is reported by two zones"
            assert owner_zone(conflict) == name
            union[conflict_id] = conflict
    assert union == open_conflicts


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(ANCHORS).flatmap(
        lambda anchor: st.tuples(st.just(anchor), st.lists(activities(anchor), min_size=1, max_size=8))
    )
)
def test_republishing_everything_unchanged_yields_empty_diffs(scenario: tuple[date, list[Activity]]) -> None:
    anchor, items = scenario
    agenda = new_agenda()
    latest = {item.key: item for item in items}
    for item in items:
        agenda.upsert(item, now_at(anchor))
    for item in latest.values():
        assert not agenda.upsert(item, now_at(anchor))
