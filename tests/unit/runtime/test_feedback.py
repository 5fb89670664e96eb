"""The feedback a partner gets for a message that was not taken in: reason, fields, origin, no payload."""

import json

from contracts import ContractError, decode_event
from contracts.topics import partner_feedback
from werkplaats.deadletter import Delivery
from werkplaats.feedback import MAX_PROBLEMS, rejection, unreadable


def delivery(value: bytes, topic: str = "partner.staedion.activities", key: bytes | None = b"k") -> Delivery:
    return Delivery(topic=topic, partition=2, offset=41, key=key, value=value, headers={})


def contract_error(value: bytes) -> ContractError:
    try:
        decode_event(value)
    except ContractError as error:
        return error
    raise AssertionError("the message was valid")


def test_a_message_missing_fields_names_each_field_and_its_origin():
    value = json.dumps({"event_id": "e-1", "type": "activity.published", "data": {"activity_id": "a-1"}})
    rejected = unreadable(delivery(value.encode()), contract_error(value.encode()))

    assert rejected.activity_id == "a-1"
    assert rejected.rejected_event_id == "e-1"
    assert (rejected.topic, rejected.partition, rejected.offset) == ("partner.staedion.activities", 2, 41)
    assert rejected.problems
    assert all(problem.field for problem in rejected.problems)
    assert rejected.reason


def test_bytes_that_are_no_json_still_get_a_reason_without_ids():
    rejected = unreadable(delivery(b"\xff\x00"), contract_error(b"\xff\x00"))

    assert rejected.activity_id is None
    assert rejected.rejected_event_id is None
    assert rejected.reason


def test_an_activity_id_outside_the_pattern_is_not_echoed():
    value = json.dumps({"event_id": "e-2", "type": "activity.published", "data": {"activity_id": "a b<"}})
    rejected = unreadable(delivery(value.encode()), contract_error(value.encode()))

    assert rejected.activity_id is None


def test_at_most_the_maximum_number_of_problems_is_named():
    error = ContractError("bad", [(f"data.f{n}", "wrong") for n in range(MAX_PROBLEMS + 10)])
    assert len(unreadable(delivery(b"{}"), error).problems) == MAX_PROBLEMS


def test_rejection_goes_to_the_partners_feedback_topic_keyed_by_activity():
    value = json.dumps({"event_id": "e-3", "type": "activity.published", "data": {"activity_id": "a-3"}})
    found = rejection(delivery(value.encode()), contract_error(value.encode()), source="reach")

    assert found is not None
    topic, message, key = found
    assert topic == partner_feedback("staedion")
    assert key == b"a-3"
    document = json.loads(message)
    assert (document["type"], document["source"]) == ("activity.rejected", "reach")
    assert "title" not in json.dumps(document["data"])  # no copy of the payload


def test_rejection_without_an_activity_id_keeps_the_messages_key():
    found = rejection(delivery(b"[]", key=b"orig"), ContractError("not an object"), source="scheduling")
    assert found is not None
    assert found[2] == b"orig"


def test_no_rejection_off_partner_topics():
    assert rejection(delivery(b"{}", topic="scheduling.agenda"), ContractError("x"), source="reach") is None
