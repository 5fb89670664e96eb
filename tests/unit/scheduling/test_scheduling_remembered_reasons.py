"""A calendar remembers each occurrence's reasons: the answers and suggestions of a fresh one."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_scheduling_properties import CALENDAR, now_at, scenarios

from contracts import Severity
from scheduling.domain import AMSTERDAM, Activity, Agenda, UnfavourableCalendar, suggest_alternatives
from scheduling.domain.calendar import REMEMBERED_SPANS
from scheduling.domain.clock import Occurrence, to_us

FIRST_DAY = date(2026, 1, 1)
MINUTE = 60_000_000


def fresh(calendar: UnfavourableCalendar) -> UnfavourableCalendar:
    """A calendar of the same entries that remembers nothing yet."""
    return UnfavourableCalendar(calendar.entries)


starts = st.builds(
    lambda days, minutes: (
        to_us(datetime.combine(FIRST_DAY + timedelta(days=days), time(0), tzinfo=AMSTERDAM))
        + minutes * MINUTE
    ),
    st.integers(0, 730),
    st.sampled_from([0, 17 * 60, 18 * 60, 19 * 60 + 30, 23 * 60 + 30]),
)
LENGTHS = [1, 60, 7 * 60, 30 * 60, 50 * 60]
"""Minutes: the same start asked about with ends on the same day, the next and the one after."""


@given(st.lists(starts, min_size=1, max_size=8), st.permutations(LENGTHS))
def test_remembered_reasons_are_the_reasons_a_fresh_calendar_finds(
    asked: list[int], lengths: list[int]
) -> None:
    remembering = fresh(CALENDAR)
    spans = [Occurrence(start, start + length * MINUTE) for start in asked for length in lengths]
    for occurrence in [*spans, *reversed(spans)]:
        assert remembering.reasons(occurrence) == fresh(CALENDAR).reasons(occurrence)


def test_a_full_memory_starts_again_and_still_answers() -> None:
    calendar = fresh(CALENDAR)
    start = to_us(datetime(2026, 12, 25, 19, tzinfo=AMSTERDAM))
    christmas = Occurrence(start, start + 3_600_000_000)
    assert calendar.reasons(christmas)
    for minute in range(REMEMBERED_SPANS + 1):
        calendar.reasons(Occurrence(minute * 60_000_000, minute * 60_000_000 + 1))
    assert calendar.reasons(christmas) == fresh(CALENDAR).reasons(christmas)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_suggestions_from_a_remembering_calendar_are_those_of_a_fresh_one(
    scenario: tuple[date, list[object]],
) -> None:
    anchor, operations = scenario
    now = now_at(anchor)
    agenda = Agenda(calendar=CALENDAR, overload_threshold=2)
    for operation in operations:
        if isinstance(operation, Activity):
            agenda.upsert(operation, now)
        else:
            assert isinstance(operation, tuple)
            agenda.withdraw(operation[1])
    high = [c for c in agenda.open_conflicts().values() if c.severity is Severity.HIGH]
    remembered = [suggest_alternatives(agenda, conflict, now) for conflict in high]
    agenda.calendar = fresh(CALENDAR)
    assert remembered == [suggest_alternatives(agenda, conflict, now) for conflict in high]
