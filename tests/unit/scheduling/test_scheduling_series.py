"""A series with cancelled, extra and moved occurrences: its expansion, its checks, the rules following it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from scheduling_factories import NOW, activity, agenda, at

from contracts import ConflictRule
from scheduling.domain import AMSTERDAM, InvalidActivityError, Override, check_series, expand
from scheduling.domain.clock import Occurrence, to_us

WEEKLY = activity("spreekuur", at(12, 1, 19), rrule="FREQ=WEEKLY;COUNT=4")


def local_starts(occurrences: tuple[Occurrence, ...]) -> list[str]:
    return [o.starts_at.astimezone(AMSTERDAM).strftime("%m-%d %H:%M") for o in occurrences]


def test_a_cancelled_occurrence_is_left_out() -> None:
    series = replace(WEEKLY, exdates=(at(12, 8, 19),))

    assert local_starts(expand(series, NOW)) == ["12-01 19:00", "12-15 19:00", "12-22 19:00"]


def test_a_cancelled_occurrence_still_counts_for_count_as_rfc_5545_says() -> None:
    series = replace(WEEKLY, exdates=(at(12, 22, 19),))

    assert local_starts(expand(series, NOW)) == ["12-01 19:00", "12-08 19:00", "12-15 19:00"]


def test_extra_dates_join_the_series_in_order_keeping_the_duration() -> None:
    series = replace(WEEKLY, rdates=(at(12, 10, 14), at(12, 8, 19)))
    occurrences = expand(series, NOW)

    assert local_starts(occurrences) == [
        "12-01 19:00",
        "12-08 19:00",
        "12-10 14:00",
        "12-15 19:00",
        "12-22 19:00",
    ]
    assert {o.end - o.start for o in occurrences} == {to_us(at(12, 1, 21)) - to_us(at(12, 1, 19))}


def test_a_moved_occurrence_lies_where_it_was_moved_with_its_own_length() -> None:
    series = replace(WEEKLY, overrides=(Override(at(12, 8, 19), at(12, 9, 20), at(12, 9, 20, 30)),))
    occurrences = expand(series, NOW)

    assert local_starts(occurrences) == ["12-01 19:00", "12-09 20:00", "12-15 19:00", "12-22 19:00"]
    assert occurrences[1].ends_at == at(12, 9, 20, 30)


def test_an_occurrence_moved_from_beyond_the_horizon_into_it_is_held() -> None:
    series = activity("maand", at(12, 1, 19), rrule="FREQ=MONTHLY;COUNT=3")
    moved = replace(series, overrides=(Override(at(2, 1, 19, year=2027), at(12, 20, 19), at(12, 20, 21)),))

    assert local_starts(expand(moved, NOW, horizon=timedelta(days=25))) == ["12-01 19:00", "12-20 19:00"]


def test_an_occurrence_moved_into_the_past_is_dropped() -> None:
    series = replace(WEEKLY, overrides=(Override(at(12, 8, 19), at(11, 20, 19), at(11, 20, 21)),))

    assert local_starts(expand(series, NOW)) == ["12-01 19:00", "12-15 19:00", "12-22 19:00"]


def test_cancelling_the_only_occurrence_of_a_single_activity_leaves_none() -> None:
    single = activity("een", at(12, 3, 19))

    assert expand(replace(single, exdates=(at(12, 3, 19),)), NOW) == ()


def test_an_exdate_that_is_no_occurrence_of_the_series_is_refused_naming_it() -> None:
    series = replace(WEEKLY, exdates=(at(12, 8, 19), at(12, 9, 19)))

    with pytest.raises(InvalidActivityError, match="not an occurrence") as refused:
        check_series(series)
    assert refused.value.field == "exdates.1"


def test_an_override_of_no_occurrence_is_refused_naming_it() -> None:
    series = replace(WEEKLY, overrides=(Override(at(12, 8, 18), at(12, 9, 19), at(12, 9, 21)),))

    with pytest.raises(InvalidActivityError) as refused:
        check_series(series)
    assert refused.value.field == "overrides.0.occurrence_start"


def test_moving_onto_another_occurrence_is_refused_but_onto_a_cancelled_one_is_not() -> None:
    onto = Override(at(12, 8, 19), at(12, 15, 19), at(12, 15, 21))

    with pytest.raises(InvalidActivityError) as refused:
        check_series(replace(WEEKLY, overrides=(onto,)))
    assert refused.value.field == "overrides.0.starts_at"
    check_series(replace(WEEKLY, overrides=(onto,), exdates=(at(12, 15, 19),)))


def test_an_extra_date_can_be_cancelled_and_moved() -> None:
    extra = replace(WEEKLY, rdates=(at(12, 10, 14),), exdates=(at(12, 10, 14),))
    check_series(extra)

    assert "12-10 14:00" not in local_starts(expand(extra, NOW))


def test_a_moved_occurrence_meets_the_evening_it_now_lies_in_and_leaves_the_old_one() -> None:
    other = activity("ander", at(12, 9, 19), org="haag-wonen")
    moved = replace(WEEKLY, overrides=(Override(at(12, 8, 19), at(12, 9, 19, 30), at(12, 9, 21)),))
    plans = agenda(WEEKLY, other)

    changes = plans.upsert(moved, NOW)

    [detected] = changes.detected
    assert detected.rule is ConflictRule.NEIGHBOURHOOD_OVERLAP
    assert {m.occurrence_start for m in detected.members} == {at(12, 9, 19, 30), at(12, 9, 19)}


def test_cancelling_an_occurrence_resolves_its_conflict() -> None:
    other = activity("ander", at(12, 8, 19), org="haag-wonen")
    plans = agenda(WEEKLY, other)
    [open_conflict] = plans.open_conflicts().values()

    changes = plans.upsert(replace(WEEKLY, exdates=(at(12, 8, 19),)), NOW)

    assert [c.conflict_id for c in changes.resolved] == [open_conflict.conflict_id]
    assert plans.open_conflicts() == {}


def test_a_suggestion_draft_of_a_series_carries_none_of_its_exceptions() -> None:
    series = replace(WEEKLY, exdates=(at(12, 8, 19),), rdates=(at(12, 10, 14),))

    single = series.moved_to(at(12, 2, 19))

    assert (single.recurrence, single.exdates, single.rdates, single.overrides) == (None, (), (), ())
