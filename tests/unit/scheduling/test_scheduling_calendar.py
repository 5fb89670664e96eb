"""Unfavourable dates: public holidays at run time, the data file, and entries from operations."""

import json
from importlib import resources

from scheduling_factories import at

from scheduling.domain import Occurrence, load_calendar
from scheduling.domain.clock import to_us

CALENDAR = load_calendar()


def reasons_at(start: object, hours: float = 2) -> list[str]:
    begin = to_us(start)  # type: ignore[arg-type]
    return [reason.nl for reason in CALENDAR.reasons(Occurrence(begin, begin + int(hours * 3600e6)))]


def test_ascension_day_is_a_public_holiday_from_the_holidays_package() -> None:
    assert reasons_at(at(5, 6, 19, year=2027)) == ["Hemelvaartsdag (feestdag)"]


def test_liberation_day_counts_every_year_not_only_in_lustrum_years() -> None:
    assert reasons_at(at(5, 5, 19, year=2027)) == ["Bevrijdingsdag (feestdag)"]


def test_the_fourth_of_may_counts_only_from_18_00() -> None:
    assert reasons_at(at(5, 4, 15, year=2027)) == []
    assert reasons_at(at(5, 4, 17, year=2027)) == ["Dodenherdenking (4 mei vanaf 18:00)"]
    assert reasons_at(at(5, 4, 20, year=2027)) == ["Dodenherdenking (4 mei vanaf 18:00)"]


def test_ramadan_counts_only_for_evenings_starting_between_17_and_21() -> None:
    assert reasons_at(at(2, 16, 19, year=2027)) == ["ramadan (iftar)"]
    assert reasons_at(at(2, 16, 17, year=2027)) == ["ramadan (iftar)"]
    assert reasons_at(at(2, 16, 14, year=2027)) == []
    assert reasons_at(at(2, 16, 21, 30, year=2027)) == []


def test_school_holidays_diwali_and_eid_count_all_day() -> None:
    assert reasons_at(at(12, 22, 10)) == ["kerstvakantie (regio Midden)"]
    assert reasons_at(at(11, 8, 14)) == ["Divali"]
    assert reasons_at(at(3, 20, 14)) == ["Suikerfeest (Eid al-Fitr)"]


def test_every_reason_is_named_once() -> None:
    # Christmas Day 2026 is a public holiday inside the Christmas school holiday.
    assert reasons_at(at(12, 25, 19)) == ["Eerste kerstdag (feestdag)", "kerstvakantie (regio Midden)"]


def test_an_ordinary_evening_is_fine() -> None:
    assert reasons_at(at(12, 8, 19)) == []


def test_operations_can_add_their_own_dates_in_the_same_shape() -> None:
    extra = {
        "id": "ops-wijkfeest",
        "name": {"nl": "Wijkfeest Moerwijk", "en": "Moerwijk street party"},
        "first": "2026-12-08",
        "last": "2026-12-09",
        "window": {"from": "12:00", "until": "24:00"},
        "source": "operations",
        "checked": "2026-11-26",
    }
    calendar = load_calendar([extra])
    start = to_us(at(12, 9, 19))
    assert [r.en for r in calendar.reasons(Occurrence(start, start + 3600 * 10**6))] == [
        "Moerwijk street party"
    ]
    early = to_us(at(12, 9, 9))
    assert calendar.reasons(Occurrence(early, early + 3600 * 10**6)) == ()


def test_an_occurrence_past_midnight_counts_for_the_day_it_runs_into() -> None:
    assert reasons_at(at(12, 24, 23), hours=2) == [
        "kerstvakantie (regio Midden)",
        "Eerste kerstdag (feestdag)",
    ]


def test_every_entry_of_the_data_file_has_a_source_a_check_date_and_both_names() -> None:
    text = resources.files("scheduling.data").joinpath("unfavourable_dates.json").read_text(encoding="utf-8")
    document = json.loads(text)
    assert document["version"] >= 1
    for entry in document["entries"]:
        assert entry["source"], entry["id"]
        assert entry["checked"], entry["id"]
        assert entry["name"]["nl"], entry["id"]
        assert entry["name"]["en"], entry["id"]
        assert isinstance(entry["estimate"], bool), entry["id"]


def test_the_data_file_covers_three_school_years_ramadan_eid_and_diwali() -> None:
    ids = {entry.id for entry in load_calendar().entries}
    for year in (2025, 2026, 2027):
        assert f"school-autumn-{year}" in ids
    for name in ("ramadan", "eid-al-fitr", "eid-al-adha", "diwali"):
        assert {f"{name}-2026", f"{name}-2027"} <= ids


def test_school_holidays_2027_2028_are_region_middens() -> None:
    holiday = "{} (regio Midden)"
    for (month, day), name in {
        (2, 26): "voorjaarsvakantie",  # spring 26 Feb - 5 Mar 2028
        (3, 5): "voorjaarsvakantie",
        (4, 29): "meivakantie",  # May 29 Apr - 7 May 2028
        (5, 2): "meivakantie",
        (7, 8): "zomervakantie",  # summer 8 Jul - 20 Aug 2028
        (8, 20): "zomervakantie",
    }.items():
        assert holiday.format(name) in reasons_at(at(month, day, 10, year=2028)), (month, day)
    for month, day in ((2, 19), (2, 25), (3, 6), (4, 22), (4, 28), (5, 8), (7, 7), (8, 21), (8, 27)):
        assert not [r for r in reasons_at(at(month, day, 10, year=2028)) if "vakantie" in r], (month, day)


def test_diwali_2027_covers_both_dates_the_sources_give_as_an_estimate() -> None:
    assert "Divali" in reasons_at(at(10, 28, 19, year=2027))
    assert "Divali" in reasons_at(at(10, 29, 19, year=2027))
    assert "Divali" not in reasons_at(at(10, 30, 19, year=2027))
    data = json.loads(resources.files("scheduling.data").joinpath("unfavourable_dates.json").read_text())
    [diwali] = [entry for entry in data["entries"] if entry["id"] == "diwali-2027"]
    assert diwali["estimate"] is True
