"""The events on ``centres.events``: round trips, money as decimal strings, pseudonyms only."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from contracts import InvalidEventError, decode_event, encode_event, new_event
from contracts.centres import (
    CENTRES_EVENT_MODELS,
    EXAMPLE_CENTRE,
    AllowanceCap,
    AllowanceCapWarning,
    AllowancePaid,
    AllowanceRoute,
    CentreRegistered,
)


def test_every_centres_event_type_is_registered_and_decodes() -> None:
    centre = CentreRegistered.model_validate(EXAMPLE_CENTRE)
    decoded = decode_event(encode_event(new_event(centre, source="centres")))
    assert decoded.data == centre
    assert len({model.event_type for model in CENTRES_EVENT_MODELS}) == len(CENTRES_EVENT_MODELS)


def test_money_travels_as_a_decimal_string_never_a_float() -> None:
    paid = AllowancePaid(
        payment_id="pay-1",
        volunteer_id="vol-3f9a0c2b1d",
        centre_id="wijkcentrum-moerwijk",
        route=AllowanceRoute.ALLOWANCE,
        amount=Decimal("16.80"),
        hours=Decimal("3"),
        worked_from="2026-03-02",  # type: ignore[arg-type]
        worked_until="2026-03-02",  # type: ignore[arg-type]
    )
    document = json.loads(encode_event(new_event(paid, source="centres")))
    assert document["data"]["amount"] == "16.80"
    decoded = decode_event(json.dumps(document))
    assert isinstance(decoded.data, AllowancePaid)
    assert decoded.data.amount == Decimal("16.80")


@pytest.mark.parametrize("volunteer_id", ["Fatima Yilmaz", "fatima@example.org", "0612345678"])
def test_a_volunteer_is_named_only_by_pseudonym(volunteer_id: str) -> None:
    with pytest.raises(ValueError, match="volunteer_id"):
        AllowanceCapWarning(
            volunteer_id=volunteer_id,
            cap=AllowanceCap.MONTHLY,
            year=2026,
            month=3,
            limit=Decimal("220"),
            total=Decimal("200"),
            remaining=Decimal("20"),
            percent=90,
        )


def test_a_bad_room_list_names_the_field() -> None:
    data = EXAMPLE_CENTRE | {"rooms": [{"room_id": "zaal-1", "name": "Zaal", "capacity": 0}]}
    raw = json.dumps(
        {
            "event_id": "5f0c6f4e-6d8e-4d4b-9b59-5a7c6f1b2a10",
            "type": "centre.registered",
            "version": 1,
            "occurred_at": "2026-11-26T10:00:00+01:00",
            "source": "centres",
            "data": data,
        }
    )
    with pytest.raises(InvalidEventError) as error:
        decode_event(raw)
    assert [path for path, _ in error.value.problems] == ["data.rooms.0.capacity"]


def test_opening_hours_must_close_after_they_open() -> None:
    data = EXAMPLE_CENTRE | {"opening_hours": [{"weekday": 1, "opens": "22:00", "closes": "09:00"}]}
    with pytest.raises(ValueError, match="closes must be after opens"):
        CentreRegistered.model_validate(data)
