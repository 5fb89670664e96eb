"""The five conflict rules of design.md §4, with their edges."""

from scheduling_factories import (
    ALL,
    MOERWIJK,
    MOERWIJK_OOST,
    MOERWIJK_WEST,
    MORGENSTOND_ZUID,
    NOW,
    TENANTS,
    activity,
    agenda,
    at,
    rules_of,
)

from contracts import ActivityKind, ConflictRule, Severity, TargetGroup
from scheduling.domain import Agenda, load_calendar

NBO = ConflictRule.NEIGHBOURHOOD_OVERLAP
VDB = ConflictRule.VENUE_DOUBLE_BOOKING
SEV = ConflictRule.SAME_EVENING
TGO = ConflictRule.TARGET_GROUP_OVERLOAD
UNF = ConflictRule.UNFAVOURABLE_DATE


def only(target: Agenda, rule: ConflictRule) -> list:  # type: ignore[type-arg]
    return [c for c in target.open_conflicts().values() if c.rule is rule]


# neighbourhood_overlap


def test_overlapping_consultations_in_one_buurt_conflict_with_high_severity() -> None:
    target = agenda(activity("a", at(12, 8, 19)), activity("b", at(12, 8, 20), org="gemeente-den-haag"))
    (conflict,) = only(target, NBO)
    assert conflict.severity is Severity.HIGH
    assert [(m.organisation, m.activity_id) for m in conflict.members] == [
        ("gemeente-den-haag", "b"),
        ("staedion", "a"),
    ]
    assert conflict.neighbourhoods == (MOERWIJK_OOST,)


def test_touching_intervals_do_not_overlap() -> None:
    target = agenda(activity("a", at(12, 8, 17)), activity("b", at(12, 8, 19)))
    assert only(target, NBO) == []


def test_the_same_organisation_conflicts_with_itself() -> None:
    target = agenda(activity("a", at(12, 8, 19)), activity("b", at(12, 8, 19)))
    assert len(only(target, NBO)) == 1


def test_an_activity_never_conflicts_with_itself() -> None:
    long_daily = activity("a", at(12, 8, 10), hours=30, rrule="FREQ=DAILY;COUNT=3")
    assert only(agenda(long_daily), NBO) == []


def test_a_wijk_level_activity_meets_each_of_its_buurten() -> None:
    wijk = activity("w", at(12, 8, 19), codes=[MOERWIJK])
    target = agenda(
        wijk,
        activity("o", at(12, 8, 19), codes=[MOERWIJK_OOST]),
        activity("x", at(12, 8, 19), codes=[MOERWIJK_WEST]),
    )
    assert sorted(c.neighbourhoods for c in only(target, NBO)) == [(MOERWIJK_OOST,), (MOERWIJK_WEST,)]


def test_different_buurten_do_not_share_a_neighbourhood() -> None:
    target = agenda(activity("a", at(12, 8, 19)), activity("b", at(12, 8, 19), codes=[MOERWIJK_WEST]))
    assert rules_of(target) == []


def test_non_participation_kinds_do_not_overlap_by_neighbourhood() -> None:
    social = activity("s", at(12, 8, 19), kind=ActivityKind.SOCIAL)
    assert rules_of(agenda(social, activity("a", at(12, 8, 19)))) == []


def test_a_recurring_series_conflicts_on_exactly_the_occurrences_that_collide() -> None:
    series = activity("s", at(12, 1, 19), rrule="FREQ=WEEKLY;COUNT=4")
    target = agenda(series, activity("x", at(12, 15, 20)))
    (conflict,) = only(target, NBO)
    assert {m.occurrence_start for m in conflict.members} == {at(12, 15, 19), at(12, 15, 20)}


def test_past_occurrences_never_conflict() -> None:
    target = agenda(activity("a", at(11, 24, 19)), activity("b", at(11, 24, 19)))
    assert target.open_conflicts() == {}


# venue_double_booking


def test_a_booking_without_a_room_blocks_every_room_of_its_venue() -> None:
    whole = activity(
        "w", at(12, 8, 19), kind=ActivityKind.SOCIAL, venue="wijkcentrum", codes=[MORGENSTOND_ZUID]
    )
    room_a = activity("a", at(12, 8, 20), kind=ActivityKind.SOCIAL, venue="wijkcentrum", room="A")
    room_b = activity("b", at(12, 8, 20), kind=ActivityKind.SOCIAL, venue="wijkcentrum", room="B")
    target = agenda(whole, room_a, room_b)
    conflicts = only(target, VDB)
    assert sorted(sorted(m.activity_id for m in c.members) for c in conflicts) == [["a", "w"], ["b", "w"]]
    assert all(c.severity is Severity.HIGH and c.venue_id == "wijkcentrum" for c in conflicts)


def test_the_same_room_double_books_and_different_rooms_do_not() -> None:
    a = activity(
        "a", at(12, 8, 19), kind=ActivityKind.SURVEY, venue="centrum", room="A", codes=[MORGENSTOND_ZUID]
    )
    same = activity("s", at(12, 8, 20), kind=ActivityKind.SURVEY, venue="centrum", room="A")
    other = activity("o", at(12, 8, 19), kind=ActivityKind.SURVEY, venue="centrum", room="B")
    (conflict,) = only(agenda(a, same, other), VDB)
    assert conflict.room == "A"
    assert {m.activity_id for m in conflict.members} == {"a", "s"}


def test_touching_bookings_do_not_double_book() -> None:
    a = activity("a", at(12, 8, 17), kind=ActivityKind.SOCIAL, venue="centrum")
    assert only(agenda(a, activity("b", at(12, 8, 19), kind=ActivityKind.SOCIAL, venue="centrum")), VDB) == []


def test_address_venues_never_double_book() -> None:
    a = activity("a", at(12, 8, 19), kind=ActivityKind.SOCIAL, codes=[MORGENSTOND_ZUID])
    assert rules_of(agenda(a, activity("b", at(12, 8, 19), kind=ActivityKind.SOCIAL))) == []


# same_evening


def test_two_evenings_in_one_buurt_that_do_not_overlap_are_a_medium_conflict() -> None:
    target = agenda(activity("a", at(12, 8, 17)), activity("b", at(12, 8, 20)))
    (conflict,) = only(target, SEV)
    assert conflict.severity is Severity.MEDIUM
    assert only(target, NBO) == []


def test_overlapping_evenings_are_an_overlap_not_a_same_evening() -> None:
    target = agenda(activity("a", at(12, 8, 19)), activity("b", at(12, 8, 20)))
    assert rules_of(target) == ["neighbourhood_overlap"]


def test_a_start_before_17_00_is_not_an_evening() -> None:
    target = agenda(
        activity("a", at(12, 8, 14), hours=1),
        activity("b", at(12, 8, 16, 59), hours=1),
        activity("c", at(12, 8, 20)),
    )
    assert sorted(sorted(m.activity_id for m in c.members) for c in only(target, SEV)) == []


def test_evenings_on_different_dates_do_not_conflict() -> None:
    target = agenda(activity("a", at(12, 8, 21), hours=4), activity("b", at(12, 9, 19)))
    assert rules_of(target) == []


# target_group_overload


def evenings(count: int, groups: list[TargetGroup], prefix: str = "e") -> list:  # type: ignore[type-arg]
    return [activity(f"{prefix}{day}", at(12, 7 + day, 14), hours=1, groups=groups) for day in range(count)]


def test_three_occurrences_for_a_group_in_a_week_are_fine() -> None:
    assert only(agenda(*evenings(3, [TENANTS])), TGO) == []


def test_four_occurrences_for_a_group_in_a_week_are_one_overload() -> None:
    (conflict,) = only(agenda(*evenings(4, [TENANTS])), TGO)
    assert (conflict.target_group, conflict.iso_week, conflict.neighbourhoods) == (
        TENANTS,
        "2026-W50",
        (MOERWIJK,),
    )
    assert len(conflict.members) == 4
    assert conflict.severity is Severity.MEDIUM


def test_four_all_residents_evenings_give_one_conflict_for_all_residents() -> None:
    (conflict,) = only(agenda(*evenings(4, [ALL])), TGO)
    assert conflict.target_group is ALL


def test_all_residents_counts_for_every_named_group() -> None:
    target = agenda(*evenings(3, [TENANTS]), *evenings(1, [ALL], prefix="all"))
    (conflict,) = only(target, TGO)
    assert conflict.target_group is TENANTS
    assert len(conflict.members) == 4


def test_the_threshold_is_configurable() -> None:
    assert len(only(agenda(*evenings(2, [TENANTS]), overload_threshold=1), TGO)) == 1


def test_overload_is_counted_per_wijk() -> None:
    spread = [
        activity(f"e{d}", at(12, 7 + d, 14), hours=1, codes=[MOERWIJK_OOST if d % 2 else MORGENSTOND_ZUID])
        for d in range(4)
    ]
    assert only(agenda(*spread), TGO) == []


# unfavourable_date


def test_one_low_conflict_per_participation_occurrence_naming_every_reason() -> None:
    target = agenda(activity("xmas", at(12, 25, 19), rrule="FREQ=DAILY;COUNT=2"), calendar=load_calendar())
    conflicts = sorted(only(target, UNF), key=lambda c: c.starts_at)
    assert [c.severity for c in conflicts] == [Severity.LOW, Severity.LOW]
    assert [r.nl for r in conflicts[0].reasons] == [
        "Eerste kerstdag (feestdag)",
        "kerstvakantie (regio Midden)",
    ]
    assert [r.nl for r in conflicts[1].reasons] == [
        "Tweede kerstdag (feestdag)",
        "kerstvakantie (regio Midden)",
    ]


def test_non_participation_kinds_are_never_on_an_unfavourable_date() -> None:
    social = activity("s", at(12, 25, 19), kind=ActivityKind.SOCIAL)
    assert agenda(social, calendar=load_calendar()).open_conflicts() == {}


def test_the_agenda_uses_the_shipped_calendar_by_default() -> None:
    target = Agenda()
    target.upsert(activity("k", at(4, 27, 19, year=2027)), NOW)
    assert rules_of(target) == ["unfavourable_date"]


def test_single_plans_beyond_the_horizon_are_still_checked() -> None:
    thirteen_months_out = at(12, 8, 19, year=2027)  # NOW is 30 Nov 2026; the horizon is 365 days
    far = [activity("a", thirteen_months_out), activity("b", thirteen_months_out, org="gemeente-den-haag")]
    assert len(only(agenda(*far), NBO)) == 1


def test_a_series_is_expanded_only_up_to_the_horizon() -> None:
    series = activity("s", at(11, 24, 19, year=2027), rrule="FREQ=WEEKLY;COUNT=3", org="hof-wonen")
    assert only(agenda(series, activity("a", at(12, 8, 19, year=2027))), NBO) == []
