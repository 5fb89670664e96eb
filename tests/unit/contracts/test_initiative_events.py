"""The initiative events: what they accept, what they refuse, and that they hold no personal data."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from contracts import (
    EVENT_MODELS,
    INITIATIVE_EVENTS,
    InitiativeSubmitted,
    InvalidEventError,
    decode_event,
    encode_event,
    new_event,
)
from contracts.asyncapi import EXAMPLE_INITIATIVE_OVERDUE

PERSONAL_FIELD_WORDS = ("name", "email", "phone", "address", "title", "description", "note", "explanation")


def submitted(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "initiative_id": "INI-7K3M-9Q2X",
        "channel": "online",
        "neighbourhoods": ["BU05183620"],
        "wijk": "WK051836",
        "help_wanted": ["advice", "money"],
        "legal_entity": False,
        "submitted_at": "2026-03-02T10:12:00+01:00",
    }
    return data | overrides


def raw(data: dict[str, object], event_type: str = "initiative.submitted") -> bytes:
    return json.dumps(
        {
            "event_id": "5f0c6f4e-6d8e-4d4b-9b59-5a7c6f1b2a10",
            "type": event_type,
            "version": 1,
            "occurred_at": "2026-03-02T10:12:00+01:00",
            "source": "initiatives",
            "data": data,
        }
    ).encode()


def test_a_submission_round_trips() -> None:
    event = new_event(InitiativeSubmitted.model_validate(submitted()), source="initiatives")
    decoded = decode_event(encode_event(event))
    assert decoded.data == event.data


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("initiative_id", "INI-7K3M-9Q2"),
        ("initiative_id", "ini-7k3m-9q2x"),
        ("neighbourhoods", ["Moerwijk"]),
        ("wijk", "BU05183620"),
        ("help_wanted", []),
        ("help_wanted", ["cash"]),
        ("estimated_budget_eur", -1),
    ],
)
def test_a_submission_with_a_bad_field_is_refused_naming_it(field: str, value: object) -> None:
    with pytest.raises(InvalidEventError) as caught:
        decode_event(raw(submitted(**{field: value})))
    assert any(path.startswith(f"data.{field}") for path, _ in caught.value.problems)


@pytest.mark.parametrize("model", INITIATIVE_EVENTS, ids=lambda model: model.event_type)
def test_no_initiative_event_has_a_field_for_personal_data(model: type) -> None:
    for field in model.model_json_schema().get("properties", {}):
        assert not any(word in field for word in PERSONAL_FIELD_WORDS), f"{model.event_type}.{field}"


def test_every_initiative_event_is_registered() -> None:
    for model in INITIATIVE_EVENTS:
        assert EVENT_MODELS[(model.event_type, model.event_version)] is model
    types = {model.event_type for model in INITIATIVE_EVENTS}
    assert types >= {
        "initiative.submitted",
        "initiative.assigned",
        "initiative.status_changed",
        "initiative.support_logged",
        "initiative.overdue",
        "initiative.subsidy_checked",
    }


def test_the_overdue_example_decodes() -> None:
    event = decode_event(json.dumps(EXAMPLE_INITIATIVE_OVERDUE))
    assert event.type == "initiative.overdue"
    assert event.occurred_at < datetime(2027, 1, 1, tzinfo=UTC)
