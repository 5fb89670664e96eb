"""Decoding raw messages into typed events, and what is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from contracts import (
    ActivityPublished,
    ActivityWithdrawn,
    InvalidEventError,
    MalformedMessageError,
    UnknownEventTypeError,
    decode_event,
    encode_event,
    new_event,
)


def activity(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "activity_id": "inspraak-2026-12",
        "title": "Inspraakavond Moerwijk-Oost",
        "kind": "consultation",
        "starts_at": "2026-12-08T19:00:00+01:00",
        "ends_at": "2026-12-08T21:00:00+01:00",
        "neighbourhoods": ["BU05183620"],
        "target_groups": ["tenants"],
    }
    return data | overrides


def envelope(data: dict[str, object], event_type: str = "activity.published") -> bytes:
    return json.dumps(
        {
            "event_id": "5f0c6f4e-6d8e-4d4b-9b59-5a7c6f1b2a10",
            "type": event_type,
            "version": 1,
            "occurred_at": "2026-11-26T10:00:00+01:00",
            "source": "staedion",
            "data": data,
            "some_future_field": True,
        }
    ).encode()


def test_round_trip_keeps_every_field() -> None:
    published = ActivityPublished.model_validate(activity(recurrence="FREQ=WEEKLY;COUNT=4"))
    event = new_event(published, source="staedion", correlation_id="req-1")
    decoded = decode_event(encode_event(event))
    assert decoded.data == published
    assert decoded.event_id == event.event_id
    assert decoded.correlation_id == "req-1"


def test_readers_ignore_unknown_fields() -> None:
    decoded = decode_event(envelope(activity(colour="red")))
    assert isinstance(decoded.data, ActivityPublished)


def test_defaults_fill_optional_fields() -> None:
    data = decode_event(envelope(activity())).data
    assert isinstance(data, ActivityPublished)
    assert data.languages == ["nl"]
    assert data.status == "planned"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_at": "2026-12-08T19:00:00+01:00"}, "data"),
        ({"neighbourhoods": []}, "data.neighbourhoods"),
        ({"neighbourhoods": ["Moerwijk"]}, "data.neighbourhoods"),
        ({"kind": "party"}, "data.kind"),
        ({"activity_id": "has space"}, "data.activity_id"),
        ({"starts_at": "2026-12-08T19:00:00"}, "data.starts_at"),
        ({"recurrence": "FREQ=FORTNIGHTLY"}, "data.recurrence"),
        ({"recurrence": "FREQ=MINUTELY;COUNT=5"}, "data.recurrence"),
        ({"target_groups": ["pets"]}, "data.target_groups.0"),
        ({"expected_attendance": -1}, "data.expected_attendance"),
        ({"languages": ["dutch"]}, "data.languages"),
    ],
)
def test_invalid_payload_names_the_field(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidEventError) as caught:
        decode_event(envelope(activity(**overrides)))
    assert field in [path for path, _ in caught.value.problems]


def test_neighbourhoods_are_deduplicated_and_sorted() -> None:
    data = decode_event(envelope(activity(neighbourhoods=["WK051836", "BU05183620", "WK051836"]))).data
    assert isinstance(data, ActivityPublished)
    assert data.neighbourhoods == ["BU05183620", "WK051836"]


def test_malformed_json_is_refused() -> None:
    with pytest.raises(MalformedMessageError):
        decode_event(b"\xff\xfe garbage")


def test_json_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(MalformedMessageError):
        decode_event(b"[1, 2, 3]")


def test_unknown_event_type_is_refused() -> None:
    with pytest.raises(UnknownEventTypeError):
        decode_event(envelope({}, event_type="activity.teleported"))


def test_event_type_not_accepted_on_this_topic_is_refused() -> None:
    with pytest.raises(UnknownEventTypeError):
        decode_event(
            envelope({"activity_id": "a"}, "activity.withdrawn"), accept=frozenset({"conflict.detected"})
        )


def test_withdrawal_needs_only_the_activity_id() -> None:
    data = decode_event(envelope({"activity_id": "a-1"}, "activity.withdrawn")).data
    assert data == ActivityWithdrawn(activity_id="a-1")


def test_new_event_stamps_time_and_identity() -> None:
    event = new_event(ActivityWithdrawn(activity_id="a"), source="staedion")
    assert event.type == "activity.withdrawn"
    assert event.version == 1
    assert event.occurred_at.tzinfo is not None
    assert event.occurred_at <= datetime.now(UTC)


def test_a_recurrence_that_never_occurs_is_refused() -> None:
    with pytest.raises(InvalidEventError) as caught:
        decode_event(envelope(activity(recurrence="FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30")))
    [(field, problem)] = caught.value.problems
    assert field == "data.recurrence"
    assert "never occurs" in problem
