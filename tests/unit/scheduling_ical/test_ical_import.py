"""Reading partners' calendars: bad events reported one by one, the good ones in, Outlook's habits handled."""

from __future__ import annotations

from datetime import datetime, timedelta

from contracts import ActivityKind, AddressVenue, CentreVenue
from scheduling.domain import AMSTERDAM
from scheduling.ical import FeedMapping, activity_id_of, read_calendar

MAPPING = FeedMapping(kind=ActivityKind.CONSULTATION, neighbourhoods=["WK051836"], target_groups=["tenants"])


def calendar(*events: str, before: str = "") -> bytes:
    body = "\n".join(f"BEGIN:VEVENT\n{event.strip()}\nEND:VEVENT" for event in events)
    return f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n{before}{body}\nEND:VCALENDAR\n".encode()


GOOD = "UID:good\nSUMMARY:Inspraakavond\nDTSTART:20261027T180000Z\nDTEND:20261027T200000Z"
MALFORMED = calendar(
    GOOD,
    "UID:no-start\nSUMMARY:Zonder begin\nDTEND:20261028T200000Z",
    "UID:broken-rule\nSUMMARY:Kapotte regel\nDTSTART:20261029T180000Z\nDTEND:20261029T200000Z\n"
    "RRULE:FREQ=FORTNIGHTLY;COUNT=x",
    "UID:backwards\nSUMMARY:Achterstevoren\nDTSTART:20261030T180000Z\nDTEND:20261030T170000Z",
    "UID:also-good\nSUMMARY:Spreekuur\nDTSTART:20261031T100000Z\nDTEND:20261031T110000Z",
    before="this line is garbage\n",
)


def test_a_malformed_calendar_is_reported_event_by_event_and_the_good_events_go_in() -> None:
    result = read_calendar(MALFORMED, MAPPING)

    assert [a.activity_id for a in result.activities] == ["good", "also-good"]
    skipped = {(p.event, p.uid): p.message for p in result.problems if p.skipped}
    assert skipped.keys() == {(2, "no-start"), (3, "broken-rule"), (4, "backwards")}
    assert "no DTSTART" in skipped[(2, "no-start")]
    assert "RRULE" in skipped[(3, "broken-rule")]
    assert "not after DTSTART" in skipped[(4, "backwards")]
    [garbage] = [p for p in result.problems if not p.skipped]
    assert garbage.line == 4
    assert "garbage" in garbage.message


def test_a_problem_names_the_event_its_uid_and_line() -> None:
    result = read_calendar(MALFORMED, MAPPING)

    problem = next(p for p in result.problems if p.uid == "no-start")
    assert str(problem) == "VEVENT #2, UID no-start, line 12: skipped: no DTSTART"


def test_skipped_events_still_count_as_mentioned_so_a_feed_does_not_withdraw_them() -> None:
    assert {"no-start", "broken-rule", "backwards"} <= read_calendar(MALFORMED, MAPPING).mentioned


def test_an_rrule_the_contract_refuses_is_reported() -> None:
    hourly = "UID:h\nSUMMARY:x\nDTSTART:20261027T180000Z\nDTEND:20261027T190000Z\nRRULE:FREQ=HOURLY;COUNT=3"
    [problem] = read_calendar(calendar(hourly), MAPPING).problems

    assert "recurrence" in problem.message


OUTLOOK_ZONE = """BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
"""


def test_outlook_windows_zone_names_are_understood() -> None:
    event = (
        "UID:040000008200E00074C5B7101A82E0080000000050D1\nSUMMARY:Overleg\n"
        "DTSTART;TZID=W. Europe Standard Time:20261103T193000\n"
        "DTEND;TZID=W. Europe Standard Time:20261103T213000\n"
        "RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=4"
    )
    [activity] = read_calendar(calendar(event, before=OUTLOOK_ZONE), MAPPING).activities

    assert activity.starts_at.astimezone(AMSTERDAM) == datetime(2026, 11, 3, 19, 30, tzinfo=AMSTERDAM)
    assert activity.recurrence == "FREQ=WEEKLY;COUNT=4;BYDAY=TU"


def test_a_custom_time_zone_of_the_calendar_is_used() -> None:
    custom = OUTLOOK_ZONE.replace("W. Europe Standard Time", "Customized Time Zone")
    event = (
        "UID:c\nSUMMARY:x\nDTSTART;TZID=Customized Time Zone:20260701T190000\n"
        "DTEND;TZID=Customized Time Zone:20260701T200000"
    )
    [activity] = read_calendar(calendar(event, before=custom), MAPPING).activities

    assert activity.starts_at.utcoffset() == timedelta(hours=2)


def test_floating_times_are_amsterdam_wall_clock() -> None:
    event = "UID:f\nSUMMARY:x\nDTSTART:20261201T190000\nDURATION:PT90M"
    [activity] = read_calendar(calendar(event), MAPPING).activities

    assert activity.starts_at == datetime(2026, 12, 1, 19, tzinfo=AMSTERDAM)
    assert activity.ends_at - activity.starts_at == timedelta(minutes=90)


def test_an_all_day_event_is_a_daytime_activity_not_an_evening_blocker() -> None:
    event = "UID:d\nSUMMARY:Opschoondag\nDTSTART;VALUE=DATE:20261205"
    [activity] = read_calendar(calendar(event), MAPPING).activities

    assert activity.starts_at == datetime(2026, 12, 5, 9, tzinfo=AMSTERDAM)
    assert activity.ends_at == datetime(2026, 12, 5, 17, tzinfo=AMSTERDAM)


def test_an_all_day_event_over_several_days_is_a_daytime_occurrence_each_day() -> None:
    event = "UID:d\nSUMMARY:Opschoondagen\nDTSTART;VALUE=DATE:20261205\nDTEND;VALUE=DATE:20261208"
    [activity] = read_calendar(calendar(event), MAPPING).activities

    assert (activity.starts_at, activity.ends_at) == (
        datetime(2026, 12, 5, 9, tzinfo=AMSTERDAM),
        datetime(2026, 12, 5, 17, tzinfo=AMSTERDAM),
    )
    assert activity.recurrence == "FREQ=DAILY;COUNT=3"


def test_a_cancelled_event_is_a_withdrawal() -> None:
    result = read_calendar(calendar(GOOD + "\nSTATUS:CANCELLED"), MAPPING)

    assert result.activities == []
    assert [w.activity_id for w in result.withdrawals] == ["good"]


def test_categories_choose_the_kind_through_the_mapping() -> None:
    mapping = MAPPING.model_copy(update={"categories": {"inspraak": ActivityKind.CONSULTATION}, "kind": None})
    mapping = FeedMapping.model_validate(mapping.model_dump() | {"categories": {"Spreekuur": "office_hours"}})
    events = [GOOD + "\nCATEGORIES:Blauw,spreekuur", GOOD.replace("good", "w") + "\nCATEGORIES:walk"]
    result = read_calendar(calendar(*events), mapping)

    assert [a.kind for a in result.activities] == [ActivityKind.OFFICE_HOURS, ActivityKind.WALK]


def test_without_a_kind_the_event_is_reported() -> None:
    result = read_calendar(calendar(GOOD), FeedMapping(neighbourhoods=["WK051836"]))

    assert "no kind" in result.problems[0].message


def test_location_becomes_the_address_unless_the_feed_names_a_centre() -> None:
    event = GOOD + "\nLOCATION:Buurthuis De Mussen\\, Hoefkade 9"
    [plain] = read_calendar(calendar(event), MAPPING).activities
    centre = MAPPING.model_copy(update={"venue": CentreVenue(venue_id="de-mussen")})
    [mapped] = read_calendar(calendar(event), centre).activities

    assert plain.venue == AddressVenue(address="Buurthuis De Mussen, Hoefkade 9")
    assert mapped.venue == CentreVenue(venue_id="de-mussen")


def test_long_or_odd_uids_become_deterministic_activity_ids() -> None:
    outlook = "040000008200E00074C5B7101A82E00800000000" * 4
    odd = "abc 123/{x}@example.org"

    assert activity_id_of("plain-id_1.2:3") == "plain-id_1.2:3"
    assert activity_id_of(outlook) == activity_id_of(outlook)
    assert len(activity_id_of(outlook)) <= 100
    assert activity_id_of(odd).startswith("abc_123_x_example.org.")
    assert activity_id_of(odd) != activity_id_of(odd.replace("/", " "))


def test_something_that_is_not_a_calendar_is_said_to_be_so() -> None:
    result = read_calendar(b"<html><body>Not found</body></html>", MAPPING)

    assert not result.is_calendar
    assert result.activities == []
    assert "not an iCalendar file" in str(result.problems[0])
