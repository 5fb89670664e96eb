"""Recurrence expansion is bounded by work done: no rule can stall the scheduler, old series included."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import dateutil.rrule
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts import InvalidEventError, decode_event, encode_event, new_event
from contracts.activities import ActivityPublished
from contracts.recurrence import MAX_CANDIDATE_DAYS, parse, problem, starts
from scheduling.domain import Activity, expand

NEVER = [
    "FREQ=DAILY;BYMONTH=6;BYWEEKNO=1",
    "FREQ=WEEKLY;BYMONTH=6;BYWEEKNO=1;COUNT=4",
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=MONTHLY;BYYEARDAY=1;BYMONTH=7",
]
START = datetime(2026, 12, 7, 19, tzinfo=UTC)


@pytest.fixture
def day_sets() -> Iterator[list[int]]:
    """Count the days dateutil tests; fail fast once far more than the budget (unbounded expansion)."""
    tested = [0]
    originals = {
        name: getattr(dateutil.rrule._iterinfo, name) for name in ("ddayset", "wdayset", "mdayset", "ydayset")
    }

    def counting(name: str):
        def tested_days(self, *args):
            dayset, start, end = originals[name](self, *args)
            tested[0] += max(end - start, 1)
            if tested[0] > 3 * MAX_CANDIDATE_DAYS:
                raise AssertionError(f"expansion tested more than {3 * MAX_CANDIDATE_DAYS} days")
            return dayset, start, end

        return tested_days

    for name in originals:
        setattr(dateutil.rrule._iterinfo, name, counting(name))
    try:
        yield tested
    finally:
        for name, original in originals.items():
            setattr(dateutil.rrule._iterinfo, name, original)


def published(rule: str, start: datetime = START) -> dict[str, object]:
    return {
        "activity_id": "nooit",
        "title": "Nooit",
        "kind": "consultation",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        "neighbourhoods": ["BU05183620"],
        "target_groups": ["tenants"],
        "recurrence": rule,
    }


@pytest.mark.parametrize("rule", NEVER)
def test_a_rule_with_no_date_within_the_horizon_is_refused_naming_recurrence(
    rule: str, day_sets: list[int]
) -> None:
    document = encode_event(new_event(ActivityPublished.model_construct(**published(rule)), source="x"))
    with pytest.raises(InvalidEventError) as caught:
        decode_event(document)
    [(field, why)] = caught.value.problems
    assert field == "data.recurrence"
    assert "no date" in why
    assert day_sets[0] <= MAX_CANDIDATE_DAYS + 366  # the last period is charged before it is refused


def test_a_count_that_is_not_reached_within_the_budget_is_refused(day_sets: list[int]) -> None:
    why = problem("FREQ=DAILY;BYMONTH=6;BYMONTHDAY=1;COUNT=40", START)
    assert why is not None
    assert "COUNT" in why
    assert day_sets[0] <= MAX_CANDIDATE_DAYS + 366  # the last period is charged before it is refused


@pytest.mark.parametrize("rule", NEVER)
def test_expanding_a_stored_rule_that_never_occurs_costs_bounded_work(rule: str, day_sets: list[int]) -> None:
    stored = ActivityPublished.model_construct(
        **ActivityPublished.model_validate(published("FREQ=DAILY")).__dict__
    )
    never = Activity.from_published("staedion", stored.model_copy(update={"recurrence": rule}))
    assert expand(never, START) == ()
    assert day_sets[0] <= MAX_CANDIDATE_DAYS + 366  # the last period is charged before it is refused


def test_an_old_open_series_costs_no_more_than_a_new_one(day_sets: list[int]) -> None:
    old = parse("FREQ=DAILY;BYMONTH=6;BYMONTHDAY=1", datetime(1990, 1, 1, 19, tzinfo=UTC))
    now = datetime(2026, 12, 1, tzinfo=UTC)
    found = list(starts(old, now + timedelta(days=365), not_before=now))
    assert [d.date().isoformat() for d in found] == ["2027-06-01"]
    assert day_sets[0] <= 365 + 2 * 366 + 7 * 2


RULES = st.sampled_from(
    [
        "FREQ=DAILY",
        "FREQ=DAILY;INTERVAL=3",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH",
        "FREQ=WEEKLY;WKST=SU;INTERVAL=3",
        "FREQ=MONTHLY",
        "FREQ=MONTHLY;INTERVAL=5",
        "FREQ=MONTHLY;BYDAY=-1SU",
        "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2",
        "FREQ=YEARLY",
        "FREQ=YEARLY;INTERVAL=2;BYWEEKNO=20;BYDAY=WE",
        "FREQ=DAILY;BYMONTH=6;BYMONTHDAY=1",
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    rule=RULES,
    start=st.datetimes(min_value=datetime(1995, 1, 1), max_value=datetime(2027, 6, 1)),
    now=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1)),
)
def test_fast_forwarding_keeps_exactly_the_dates_dateutil_gives(
    rule: str, start: datetime, now: datetime
) -> None:
    series = parse(rule, start.replace(tzinfo=UTC))
    aware_now = now.replace(tzinfo=UTC)
    until = aware_now + timedelta(days=365)
    cut = aware_now - timedelta(days=7)
    plain = [d for d in series.replace(until=until) if d >= cut]
    assert [d for d in starts(series, until, not_before=aware_now) if d >= cut] == plain
