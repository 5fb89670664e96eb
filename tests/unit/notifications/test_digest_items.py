"""Digest entries say what they are about: a conflict, or the activity of a reach alert."""

from __future__ import annotations

from datetime import UTC, datetime

from notifications.service.digests import digest_item, digest_notification

DOCUMENT = {
    "event_type": "reach.report_due",
    "severity": "low",
    "neighbourhoods": [],
    "explanation_nl": "Verslag ontbreekt.",
    "explanation_en": "Report missing.",
    "starts_at": "2026-03-24T18:30:00+00:00",
}


def test_a_reach_item_names_its_activity_and_no_conflict() -> None:
    item = digest_item({**DOCUMENT, "activity": "staedion/avond-1"})
    [section] = digest_notification(datetime(2026, 3, 25, 7, tzinfo=UTC), [item]).groups
    [entry] = section.items
    assert (entry.activity, entry.conflict_id) == ("staedion/avond-1", None)


def test_a_reach_item_collected_before_carries_its_activity_out_of_the_conflict_id() -> None:
    item = digest_item({**DOCUMENT, "conflict_id": "staedion/avond-1"})
    assert (item.activity, item.conflict_id) == ("staedion/avond-1", None)


def test_a_conflict_item_keeps_its_conflict_id_and_names_no_activity() -> None:
    item = digest_item({**DOCUMENT, "event_type": "conflict.detected", "conflict_id": "c-1"})
    assert (item.activity, item.conflict_id) == (None, "c-1")
