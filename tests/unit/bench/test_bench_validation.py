"""The validation benchmark runs at a tiny size and the cache does what it claims."""

from __future__ import annotations

from benchmarks.validation import microseconds_per_activity, recurring_events
from contracts import recurrence


def test_a_series_rule_is_checked_once_for_its_three_decodes() -> None:
    events = recurring_events(5)
    recurrence.problem.cache_clear()
    assert microseconds_per_activity(events, cached=True) > 0
    info = recurrence.problem.cache_info()
    assert (info.misses, info.hits) == (5, 10)


def test_without_the_cache_every_decode_checks_the_rule_again() -> None:
    assert microseconds_per_activity(recurring_events(3), cached=False) > 0
    assert recurrence.problem.cache_info().hits == 0
