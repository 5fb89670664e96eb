"""The Zuidwest demo month: every conflict rule fires, whatever day it is built on."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta

import pytest

from contracts import ActivityPublished, ConflictRule
from scheduling.demo import QUIET_ACTIVITIES, demo_activities, first_unfavourable_evening, month_start
from scheduling.domain import AMSTERDAM, Activity, Agenda, Conflict
from scheduling.domain.venues import VENUE_FACT_RULES

TODAYS = [date(2026, 11, 26), date(2027, 3, 1), date(2027, 7, 10), date(2027, 9, 6), date(2028, 1, 31)]


def open_conflicts(today: date) -> list[Conflict]:
    agenda = Agenda()
    now = datetime.combine(today, time(12, 0), tzinfo=AMSTERDAM)
    for org, published in demo_activities(today):
        agenda.upsert(Activity.from_published(org, published), now)
    return list(agenda.open_conflicts().values())


@pytest.mark.parametrize("today", TODAYS, ids=str)
def test_every_rule_fires_at_least_once(today: date) -> None:
    rules = Counter(conflict.rule for conflict in open_conflicts(today))

    # room capacity and opening hours need the registered centres' facts: tests/unit/scheduling/*venues*
    assert set(rules) == set(ConflictRule) - VENUE_FACT_RULES, rules


@pytest.mark.parametrize("today", TODAYS, ids=str)
def test_quiet_activities_conflict_with_nothing(today: date) -> None:
    involved = {key for conflict in open_conflicts(today) for key in conflict.keys}

    assert involved.isdisjoint(QUIET_ACTIVITIES)


@pytest.mark.parametrize("today", TODAYS, ids=str)
def test_the_month_starts_next_monday_and_lies_ahead(today: date) -> None:
    start = month_start(today)

    assert start.weekday() == 0
    assert today < start <= today + timedelta(days=7)
    for _, published in demo_activities(today):
        assert published.starts_at.date() >= start


def test_a_monday_starts_the_month_a_week_later() -> None:
    assert month_start(date(2027, 3, 1)) == date(2027, 3, 8)


def test_the_unfavourable_evening_is_the_first_marked_date() -> None:
    assert first_unfavourable_evening(date(2026, 11, 30)) == date(2026, 12, 19)  # Christmas school holiday
    assert first_unfavourable_evening(date(2027, 3, 8)) == date(2027, 3, 8)  # last evening of Ramadan


def test_activities_are_valid_contracts_with_unique_ids_per_organisation() -> None:
    activities = demo_activities(date(2026, 11, 26))

    keys = [(org, published.activity_id) for org, published in activities]
    assert len(keys) == len(set(keys))
    for _, published in activities:
        assert ActivityPublished.model_validate(published.model_dump(mode="json")) == published


def test_demo_covers_the_partners_of_zuidwest() -> None:
    organisations = {org for org, _ in demo_activities(date(2026, 11, 26))}

    assert organisations == {
        "gemeente-den-haag",
        "staedion",
        "haag-wonen",
        "hof-wonen",
        "mooi-welzijn",
        "allekanten",
        "buurtkamer-de-spruijt",
    }


def test_some_plans_repeat_weekly() -> None:
    recurring = [p for _, p in demo_activities(date(2026, 11, 26)) if p.recurrence]

    assert len(recurring) >= 3
    assert all(p.recurrence and p.recurrence.startswith("FREQ=WEEKLY") for p in recurring)
