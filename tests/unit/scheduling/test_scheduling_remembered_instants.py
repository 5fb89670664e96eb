"""Instants turned into datetimes are remembered; a remembered datetime is the one computed afresh."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from scheduling.domain.clock import AMSTERDAM, EPOCH, from_us, local

INSTANTS = st.integers(min_value=-(10**15), max_value=10**17)


@given(st.lists(INSTANTS, max_size=20))
def test_a_remembered_utc_datetime_is_the_one_computed_afresh(instants: list[int]) -> None:
    for instant in instants + instants:  # the second round comes from memory
        assert from_us(instant) == EPOCH + timedelta(microseconds=instant)
        assert from_us(instant).utcoffset() == timedelta(0)


@given(st.lists(INSTANTS, max_size=20))
def test_a_remembered_wall_clock_time_is_the_one_computed_afresh(instants: list[int]) -> None:
    for instant in instants + instants:
        expected = (EPOCH + timedelta(microseconds=instant)).astimezone(AMSTERDAM)
        assert local(instant) == expected
        assert (local(instant).tzinfo, local(instant).utcoffset()) == (AMSTERDAM, expected.utcoffset())
