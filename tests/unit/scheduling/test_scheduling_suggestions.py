"""Suggested alternative start times for high-severity conflicts."""

from datetime import timedelta

from scheduling_factories import NOW, activity, agenda, at

from contracts import Severity
from scheduling.domain import AMSTERDAM, load_calendar, most_recent_member, suggest_alternatives


def test_suggestions_move_the_latest_activity_to_free_days_at_the_same_time() -> None:
    target = agenda(
        activity("a", at(12, 8, 19)),
        activity("busy", at(12, 9, 19)),
        activity("b", at(12, 8, 19, 30), org="hof-wonen"),
    )
    (conflict,) = [
        c
        for c in target.open_conflicts().values()
        if c.involves(("hof-wonen", "b")) and c.severity is Severity.HIGH
    ]
    mover = most_recent_member(target, conflict)
    assert mover is not None
    assert mover.organisation == "hof-wonen"
    suggestions = suggest_alternatives(target, conflict, NOW)
    assert len(suggestions) == 3
    assert [s.astimezone(AMSTERDAM).strftime("%d %H:%M") for s in suggestions] == [
        "10 19:30",
        "11 19:30",
        "12 19:30",
    ]
    for start in suggestions:
        draft = activity("b", start, org="hof-wonen")
        assert all(c.severity is Severity.LOW for c in target.check(draft, NOW))


def test_suggestions_stay_within_14_days_and_prefer_favourable_dates() -> None:
    target = agenda(
        activity("a", at(12, 14, 19)),
        activity("b", at(12, 14, 19), org="hof-wonen"),
        calendar=load_calendar(),
    )
    (conflict,) = [c for c in target.open_conflicts().values() if c.severity is Severity.HIGH]
    suggestions = suggest_alternatives(target, conflict, NOW)
    assert [s.astimezone(AMSTERDAM).day for s in suggestions] == [15, 16, 17]
    assert all(timedelta(0) < s - at(12, 14, 19) <= timedelta(days=14) for s in suggestions)


def test_a_late_occurrence_only_gets_suggestions_in_its_window_and_in_the_future() -> None:
    target = agenda(activity("a", at(12, 1, 19)), activity("b", at(12, 1, 19), org="hof-wonen"))
    (conflict,) = target.open_conflicts().values()
    suggestions = suggest_alternatives(target, conflict, at(12, 13, 12), limit=5)
    assert [s.astimezone(AMSTERDAM).day for s in suggestions] == [13, 14, 15]


def test_medium_conflicts_get_no_suggestions() -> None:
    target = agenda(activity("a", at(12, 8, 17)), activity("b", at(12, 8, 20)))
    (conflict,) = target.open_conflicts().values()
    assert suggest_alternatives(target, conflict, NOW) == []


def test_a_recurring_series_is_moved_one_occurrence_at_a_time() -> None:
    series = activity("s", at(12, 1, 19), rrule="FREQ=WEEKLY;COUNT=4", org="hof-wonen")
    target = agenda(activity("a", at(12, 8, 19)), series)
    (conflict,) = target.open_conflicts().values()
    suggestions = suggest_alternatives(target, conflict, NOW)
    assert [s.astimezone(AMSTERDAM).day for s in suggestions] == [9, 10, 11]
