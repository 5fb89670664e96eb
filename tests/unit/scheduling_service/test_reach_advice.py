"""The dry run's reach advice: the latest advice for each wijk and group of the draft, for its kind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from contracts import ActivityPublished, AdviceUpdated, encode_event, new_event
from scheduling.service.reach_advice import ReachAdviceBook

START = datetime(2026, 3, 24, 18, 30, tzinfo=UTC)


def record(data: Any, offset: int = 0) -> SimpleNamespace:
    return SimpleNamespace(value=encode_event(new_event(data, source="reach")), offset=offset)


def advice(wijk: str, group: str, kind: str, reports: int) -> AdviceUpdated:
    return AdviceUpdated.model_validate(
        {
            "wijk": wijk,
            "target_group": group,
            "kind": kind,
            "reports": reports,
            "minimum_reports": 3,
            "sufficient": reports >= 3,
        }
    )


def draft(codes: list[str], groups: list[str], kind: str = "consultation") -> ActivityPublished:
    return ActivityPublished.model_validate(
        {
            "activity_id": "concept",
            "title": "Concept",
            "kind": kind,
            "starts_at": START,
            "ends_at": START + timedelta(hours=2),
            "neighbourhoods": codes,
            "target_groups": groups,
        }
    )


def book(*items: AdviceUpdated) -> ReachAdviceBook:
    made = ReachAdviceBook("unused:9092")
    made.apply([record(item, offset) for offset, item in enumerate(items)])
    return made


def test_the_draft_gets_the_advice_of_its_wijken_groups_and_kind() -> None:
    known = book(
        advice("WK051836", "tenants", "consultation", 5),
        advice("WK051836", "seniors", "consultation", 4),
        advice("WK051834", "tenants", "consultation", 2),
        advice("WK051836", "tenants", "workshop", 7),
    )
    found = known.for_draft(draft(["BU05183620", "WK051834"], ["tenants"]))
    assert [(a.wijk, a.target_group.value, a.reports) for a in found] == [
        ("WK051834", "tenants", 2),
        ("WK051836", "tenants", 5),
    ]
    assert known.for_draft(draft(["BU05183488"], ["youth"])) == []


def test_the_latest_advice_of_a_key_holds() -> None:
    known = book(
        advice("WK051836", "tenants", "consultation", 3), advice("WK051836", "tenants", "consultation", 4)
    )
    [found] = known.for_draft(draft(["WK051836"], ["tenants"]))
    assert found.reports == 4


def test_an_unreadable_record_is_skipped() -> None:
    known = ReachAdviceBook("unused:9092")
    known.apply([SimpleNamespace(value=b"not json", offset=0), SimpleNamespace(value=None, offset=1)])
    assert known.for_draft(draft(["WK051836"], ["tenants"])) == []
