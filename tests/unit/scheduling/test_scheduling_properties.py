"""Property: after any publications and withdrawals the agenda agrees with a brute-force oracle."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from scheduling_factories import NOW, at
from scheduling_oracle import oracle

from contracts import ActivityKind, TargetGroup
from scheduling.domain import Activity, Agenda, Conflict, load_calendar, owner_zone, zones_of, zones_to_notify

THRESHOLD = 2
CALENDAR = load_calendar(
    [
        {
            "id": "ops-test-evening",
            "name": {"nl": "testavond", "en": "test evening"},
            "first": "2026-12-03",
            "window": {"from": "19:00", "until": "24:00"},
            "source": "test",
            "checked": "2026-11-26",
        }
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
RULES = [
    None,
    None,
    "FREQ=DAILY;COUNT=2",
    "FREQ=WEEKLY;COUNT=3",
    "FREQ=DAILY;INTERVAL=3;UNTIL=20261212T230000Z",
]
KEYS = [(org, ident) for org in ("org-a", "org-b") for ident in ("1", "2", "3")]


@st.composite
def activities(draw: st.DrawFn) -> Activity:
    org, ident = draw(st.sampled_from(KEYS))
    start = at(11, 29, draw(st.sampled_from([10, 16, 17, 19, 20]))) + timedelta(
        days=draw(st.integers(0, 4)), minutes=draw(st.sampled_from([0, 0, 30]))
    )
    venue, room = draw(st.sampled_from(VENUES))
    return Activity(
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
        recurrence=draw(st.sampled_from(RULES)),
        venue_id=venue,
        room=room,
    )


operations = st.lists(
    st.one_of(
        activities(), activities(), activities(), st.tuples(st.just("withdraw"), st.sampled_from(KEYS))
    ),
    min_size=2,
    max_size=16,
)


def new_agenda(zone: str | None = None) -> Agenda:
    return Agenda(calendar=CALENDAR, overload_threshold=THRESHOLD, owner_zone=zone)


class Replay:
    """Applies operations to one unscoped agenda and to zone-scoped agendas, checking diffs on the way."""

    def __init__(self) -> None:
        self.agenda = new_agenda()
        self.zones: dict[str, Agenda] = {}
        self.current: dict[tuple[str, str], Activity] = {}
        self.from_diffs: dict[str, Conflict] = {}

    def zone(self, name: str) -> Agenda:
        return self.zones.setdefault(name, new_agenda(name))

    def publish(self, activity: Activity) -> None:
        predicted = self.agenda.check(activity, NOW)
        old = self.current.get(activity.key)
        self.follow(self.agenda.upsert(activity, NOW))
        for name in zones_to_notify(old, activity):
            self.zone(name).upsert(activity, NOW)
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
@given(operations)
def test_the_agenda_agrees_with_the_oracle_after_any_sequence(ops: list[object]) -> None:
    replay = Replay()
    for op in ops:
        if isinstance(op, Activity):
            replay.publish(op)
        else:
            replay.withdraw(op[1])  # type: ignore[index]
    expected = oracle(list(replay.current.values()), NOW, CALENDAR, THRESHOLD)
    for rule in sorted({conflict.rule.value for conflict in expected.values()}):
        event(f"found {rule}")
    assert replay.agenda.open_conflicts() == expected
    assert replay.from_diffs == expected
    union: dict[str, Conflict] = {}
    for name, zone in replay.zones.items():
        for conflict_id, conflict in zone.open_conflicts().items():
            assert conflict_id not in union, "a conflict is reported by two zones"
            assert owner_zone(conflict) == name
            union[conflict_id] = conflict
    assert union == expected


@settings(max_examples=150, deadline=None)
@given(st.lists(activities(), min_size=1, max_size=8))
def test_republishing_everything_unchanged_yields_empty_diffs(items: list[Activity]) -> None:
    agenda = new_agenda()
    latest = {item.key: item for item in items}
    for item in items:
        agenda.upsert(item, NOW)
    for item in latest.values():
        assert not agenda.upsert(item, NOW)
