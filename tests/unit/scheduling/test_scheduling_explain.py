"""Explanations for coordinators and the mapping onto the contracts."""

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st
from scheduling_factories import ALL, MOERWIJK, NOW, activity, agenda, at

from contracts import ConflictDetected, ConflictResolved
from scheduling.domain import AMSTERDAM, explain, explain_resolved, load_calendar
from scheduling.domain.wording import clock_time

NAMES = {"staedion": "Staedion", "gemeente-den-haag": "Gemeente Den Haag"}


def only_conflict(*items: object, **options: object):  # type: ignore[no-untyped-def]
    (conflict,) = agenda(*items, **options).open_conflicts().values()  # type: ignore[arg-type]
    return conflict


def test_an_overlap_names_organisations_neighbourhood_day_and_times_in_dutch_and_english() -> None:
    conflict = only_conflict(
        activity("a", at(12, 8, 19)), activity("b", at(12, 8, 19), org="gemeente-den-haag")
    )
    text = explain(conflict, organisations=NAMES)
    assert text.nl == (
        "Gemeente Den Haag en Staedion houden allebei een inspraakavond in Moerwijk-Oost "
        "op dinsdag 8 december 2026 van 19:00 tot 21:00; bewoners kunnen niet bij beide zijn."
    )
    assert text.en == (
        "Gemeente Den Haag and Staedion both hold a consultation evening in Moerwijk-Oost "
        "on Tuesday 8 December 2026 from 19:00 to 21:00; residents cannot attend both."
    )


def test_different_times_are_named_in_time_order_and_slugs_stand_in_for_unknown_names() -> None:
    conflict = only_conflict(activity("a", at(12, 8, 20)), activity("b", at(12, 8, 19), org="hof-wonen"))
    assert explain(conflict).nl.startswith(
        "hof-wonen houdt een inspraakavond van 19:00 tot 21:00 en staedion een"
    )


def test_a_same_evening_says_residents_have_to_choose() -> None:
    conflict = only_conflict(
        activity("a", at(12, 8, 17)), activity("b", at(12, 8, 20), org="gemeente-den-haag")
    )
    assert explain(conflict, organisations=NAMES).nl == (
        "Staedion (inspraakavond om 17:00) en Gemeente Den Haag (inspraakavond om 20:00) plannen allebei "
        "een avond in Moerwijk-Oost op dinsdag 8 december 2026; bewoners moeten kiezen."
    )


def test_an_overload_names_wijk_week_and_group() -> None:
    days = [activity(f"e{d}", at(12, 7 + d, 14), hours=1, groups=[ALL], codes=[MOERWIJK]) for d in range(4)]
    text = explain(only_conflict(*days))
    assert text.nl == (
        "In Moerwijk staan in week 50 van 2026 4 participatiebijeenkomsten voor alle bewoners gepland; "
        "dat is te veel voor één week."
    )


def test_an_unfavourable_date_names_every_reason() -> None:
    conflict = only_conflict(activity("x", at(12, 25, 19)), calendar=load_calendar())
    assert explain(conflict, organisations=NAMES).nl == (
        "Staedion houdt een inspraakavond in Moerwijk-Oost op vrijdag 25 december 2026 van 19:00 tot 21:00; "
        "dat valt op Eerste kerstdag (feestdag) en kerstvakantie (regio Midden)."
    )


def test_a_double_booking_names_the_room() -> None:
    a = activity("a", at(12, 8, 19), venue="wijkcentrum-moerwijk", room="zaal 1")
    conflict = next(
        c
        for c in agenda(a, activity("b", at(12, 8, 20), venue="wijkcentrum-moerwijk", room="zaal 1"))
        .open_conflicts()
        .values()
        if c.venue_id
    )
    assert "zaal 1 van wijkcentrum-moerwijk" in explain(conflict).nl
    assert "double-booked" in explain(conflict).en


def test_a_double_booking_uses_the_venue_name_and_says_a_numbered_room_is_a_room() -> None:
    a = activity("a", at(12, 8, 19), venue="wijkcentrum-moerwijk", room="2")
    b = activity("b", at(12, 8, 20), venue="wijkcentrum-moerwijk", room="2")
    conflict = next(c for c in agenda(a, b).open_conflicts().values() if c.venue_id)
    names = {"wijkcentrum-moerwijk": "Wijkcentrum Moerwijk"}
    assert "zaal 2 van Wijkcentrum Moerwijk" in explain(conflict, venues=names).nl
    assert "room 2 of Wijkcentrum Moerwijk" in explain(conflict, venues=names).en


def test_a_resolved_conflict_has_its_own_sentence() -> None:
    conflict = only_conflict(
        activity("a", at(12, 8, 19)), activity("b", at(12, 8, 19), org="gemeente-den-haag")
    )
    text = explain_resolved(conflict, organisations=NAMES)
    assert text.nl == (
        "Opgelost: Gemeente Den Haag en Staedion zitten elkaar niet meer in de weg in Moerwijk-Oost "
        "op dinsdag 8 december 2026."
    )
    assert text.en.startswith("Resolved: ")


def test_a_conflict_maps_onto_the_detected_and_resolved_contracts() -> None:
    conflict = only_conflict(activity("a", at(12, 8, 19)), activity("b", at(12, 8, 20)))
    payload = conflict.to_contract(explain(conflict), suggestions=[at(12, 9, 19)])
    assert isinstance(payload, ConflictDetected)
    again = ConflictDetected.model_validate_json(payload.model_dump_json())
    assert again.conflict_id == conflict.conflict_id
    assert again.severity.value == "high"
    assert [a.occurrence_start for a in again.activities] == [at(12, 8, 19), at(12, 8, 20)]
    assert again.suggestions == [at(12, 9, 19)]
    resolved = conflict.to_resolved_contract(explain_resolved(conflict))
    assert isinstance(resolved, ConflictResolved)
    assert resolved.rule is conflict.rule


def test_an_unfavourable_contract_lists_reason_ids() -> None:
    conflict = only_conflict(activity("x", at(12, 25, 19)), calendar=load_calendar())
    payload = conflict.to_contract(explain(conflict))
    assert payload.reasons == ["public-holiday-2026-12-25", "school-christmas-2026"]
    assert payload.starts_at > NOW


@given(st.datetimes(timezones=st.just(UTC)))
def test_a_clock_time_is_the_amsterdam_hours_and_minutes_strftime_gives(moment: datetime) -> None:
    assert clock_time(moment) == moment.astimezone(AMSTERDAM).strftime("%H:%M")
