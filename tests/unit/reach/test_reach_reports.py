"""Which reports are accepted, when they are due, and what the contract refuses."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from contracts import ActivityKind, ActivityPublished, ActivityReported, TimeOfDay
from contracts.reach import personal_data_in, report_key
from reach.domain import AMSTERDAM, PlannedActivity, promise_overdue, refusal_of, reports_due, time_of_day

START = datetime(2026, 3, 3, 19, 30, tzinfo=AMSTERDAM)
AFTER = START + timedelta(days=2)


def planned(kind: str = "consultation", recurrence: str | None = None) -> PlannedActivity:
    published = ActivityPublished(
        activity_id="avond",
        title="Inspraakavond",
        kind=ActivityKind(kind),
        starts_at=START,
        ends_at=START + timedelta(hours=2),
        recurrence=recurrence,
        neighbourhoods=["BU05183620", "BU05183637", "BU05183488"],
        target_groups=["tenants"],
        expected_attendance=40,
    )
    return PlannedActivity.from_published("staedion", published)


def reported(**fields: Any) -> ActivityReported:
    base: dict[str, Any] = {
        "activity_id": "avond",
        "occurrence_start": START,
        "attendance": 31,
        "reach_methods": ["flyer", "door_to_door", "flyer"],
        "follow_up": {"action": "De wensen gaan naar de architect.", "residents_hear_back_by": "2026-04-15"},
    }
    return ActivityReported.model_validate(base | fields)


def test_the_activity_lies_in_the_wijken_of_its_buurten() -> None:
    assert planned().wijken == ("WK051834", "WK051836")


def test_a_report_on_an_occurrence_that_took_place_is_accepted() -> None:
    assert refusal_of("staedion", planned(), reported(), AFTER) is None


def test_another_organisations_activity_is_refused() -> None:
    refusal = refusal_of("haag-wonen", planned(), reported(), AFTER)
    assert refusal is not None
    assert refusal.field == "activity_id"
    assert "haag-wonen has no activity 'avond'" in refusal.reason


def test_an_unknown_activity_is_refused() -> None:
    assert refusal_of("staedion", None, reported(), AFTER) is not None


def test_a_start_that_is_no_occurrence_is_refused() -> None:
    refusal = refusal_of("staedion", planned(), reported(occurrence_start=START + timedelta(hours=1)), AFTER)
    assert refusal is not None
    assert refusal.field == "occurrence_start"


def test_a_later_occurrence_of_a_series_is_found() -> None:
    series = planned(recurrence="FREQ=WEEKLY;COUNT=4")
    third = START + timedelta(weeks=2)
    assert (
        refusal_of("staedion", series, reported(occurrence_start=third), third + timedelta(hours=3)) is None
    )
    assert series.occurrence_at(START + timedelta(weeks=5)) is None


def test_an_occurrence_still_to_come_cannot_be_reported() -> None:
    refusal = refusal_of("staedion", planned(), reported(), START - timedelta(days=1))
    assert refusal is not None
    assert "not started yet" in refusal.reason


def test_participation_kinds_must_promise_a_follow_up() -> None:
    refusal = refusal_of("staedion", planned(), reported(follow_up=None), AFTER)
    assert refusal is not None
    assert refusal.field == "follow_up"
    assert refusal_of("staedion", planned("social"), reported(follow_up=None), AFTER) is None


def test_a_withdrawn_activity_takes_no_reports() -> None:
    from dataclasses import replace

    assert refusal_of("staedion", replace(planned(), withdrawn=True), reported(), AFTER) is not None


def test_a_report_is_due_some_days_after_the_occurrence_within_the_window() -> None:
    activity = planned()
    after, window = timedelta(days=3), timedelta(days=30)
    end = START + timedelta(hours=2)
    assert reports_due(activity, end + timedelta(days=2), after=after, window=window) == []
    [due] = reports_due(activity, end + timedelta(days=3), after=after, window=window)
    assert due.starts_at == START
    assert reports_due(activity, end + timedelta(days=34), after=after, window=window) == []
    assert reports_due(planned("social"), end + timedelta(days=3), after=after, window=window) == []


def test_a_promise_is_overdue_after_its_date_without_a_follow_up() -> None:
    promised = reported()
    assert not promise_overdue(promised, date(2026, 4, 15))
    assert promise_overdue(promised, date(2026, 4, 16))
    kept = reported(follow_up_done={"on": "2026-04-10", "summary": "Het ontwerp is aangepast."})
    assert not promise_overdue(kept, date(2026, 5, 1))


def test_time_of_day_is_judged_in_amsterdam() -> None:
    assert time_of_day(datetime(2026, 3, 3, 10, 59, tzinfo=AMSTERDAM)) is TimeOfDay.MORNING
    assert time_of_day(datetime(2026, 3, 3, 16, 0, tzinfo=AMSTERDAM)) is TimeOfDay.AFTERNOON
    assert time_of_day(START) is TimeOfDay.EVENING


def test_methods_and_languages_are_distinct_and_sorted() -> None:
    report = reported(languages=["tr", "nl", "tr"])
    assert [m.value for m in report.reach_methods] == ["door_to_door", "flyer"]
    assert report.languages == ["nl", "tr"]


def test_the_record_key_names_the_occurrence_in_utc() -> None:
    assert report_key(reported()) == "avond/2026-03-03T18:30:00Z"


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("input_summary", "Bel mevrouw Jansen op 06-12345678 over de tuin"),
        ("input_summary", "Reacties naar bewoner@example.nl"),
        ("input_summary", "Contact: +31 70 123 4567"),
    ],
)
def test_free_text_with_contact_details_is_refused_naming_the_field(field: str, text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        reported(**{field: text})
    [problem] = caught.value.errors()
    assert problem["loc"] == (field,)
    assert "reports carry no personal data" in problem["msg"]


def test_the_follow_up_texts_are_checked_too() -> None:
    with pytest.raises(ValidationError) as caught:
        reported(follow_up={"action": "Mail a.b@gemeente.nl", "residents_hear_back_by": "2026-04-15"})
    assert caught.value.errors()[0]["loc"] == ("follow_up", "action")
    with pytest.raises(ValidationError) as caught:
        reported(follow_up_done={"on": "2026-04-10", "summary": "Gebeld met 0612345678"})
    assert caught.value.errors()[0]["loc"] == ("follow_up_done", "summary")


@pytest.mark.parametrize(
    "text",
    [
        "Op 24-03-2026 19:30 kwamen 31 mensen",
        "Plan 2026-03-24, 40 woningen, 120 bewoners",
        "Blok 12 tot 48 aan de Melis Stokelaan",
    ],
)
def test_dates_and_counts_are_not_mistaken_for_contact_details(text: str) -> None:
    assert personal_data_in(text) is None
