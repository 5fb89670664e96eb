"""The agenda view while following: records kept by key on the event path, applied when asked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from contracts import (
    ActivityPublished,
    AgendaActivityRemoved,
    AgendaActivityUpserted,
    encode_event,
    new_event,
)
from scheduling.domain import Agenda, load_areas
from scheduling.service import agenda_view
from scheduling.service.agenda_view import AgendaView

START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)


def evening(activity_id: str, title: str = "Inspraakavond", hours_later: int = 0) -> ActivityPublished:
    start = START + timedelta(hours=hours_later)
    return ActivityPublished.model_validate(
        {
            "activity_id": activity_id,
            "title": title,
            "kind": "consultation",
            "starts_at": start,
            "ends_at": start + timedelta(hours=2),
            "neighbourhoods": ["WK051836"],
            "target_groups": ["tenants"],
        }
    )


def record(data: AgendaActivityUpserted | AgendaActivityRemoved, *, keyed: bool = True) -> SimpleNamespace:
    activity_id = data.activity.activity_id if isinstance(data, AgendaActivityUpserted) else data.activity_id
    key = f"org-a/{activity_id}".encode() if keyed else None
    return SimpleNamespace(key=key, value=encode_event(new_event(data, source="scheduling")), offset=0)


def upserted(activity: ActivityPublished) -> AgendaActivityUpserted:
    return AgendaActivityUpserted(organisation="org-a", activity=activity, occurrences=[])


def removed(activity_id: str) -> AgendaActivityRemoved:
    return AgendaActivityRemoved(organisation="org-a", activity_id=activity_id, reason="cancelled")


@pytest.fixture
def view() -> AgendaView:
    return AgendaView("unused:9092", lambda zone: Agenda(owner_zone=zone), load_areas())


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every record value the view decodes, in order."""
    seen: list[bytes] = []
    decode = agenda_view.decode_event

    def counting(value: bytes, **options: Any) -> Any:
        seen.append(value)
        return decode(value, **options)

    monkeypatch.setattr(agenda_view, "decode_event", counting)
    return seen


def test_records_read_while_following_are_not_decoded_until_asked(
    view: AgendaView, decodes: list[bytes]
) -> None:
    view.apply([record(upserted(evening(f"a{n}"))) for n in range(50)])
    assert decodes == []
    assert view.size == 50
    assert len(view.entries) == 50
    assert len(decodes) == 50


def test_only_the_latest_record_of_a_key_is_decoded(view: AgendaView, decodes: list[bytes]) -> None:
    versions = [record(upserted(evening("a", title=f"Versie {n}"))) for n in range(20)]
    view.apply(versions)
    entry = view.get(("org-a", "a"))
    assert entry is not None
    assert entry.activity.title == "Versie 19"
    assert decodes == [versions[-1].value]


def test_a_removal_kept_after_its_upsert_leaves_nothing(view: AgendaView) -> None:
    view.apply([record(upserted(evening("a"))), record(upserted(evening("b"))), record(removed("a"))])
    assert set(view.entries) == {("org-a", "b")}


def test_a_removal_applies_to_an_activity_applied_before(view: AgendaView) -> None:
    view.apply([record(upserted(evening("a")))])
    assert set(view.entries) == {("org-a", "a")}
    view.apply([record(removed("a"))])
    assert view.entries == {}


def test_a_record_without_a_key_is_applied_at_once(view: AgendaView, decodes: list[bytes]) -> None:
    view.apply([record(upserted(evening("a")), keyed=False)])
    assert len(decodes) == 1
    assert set(view.entries) == {("org-a", "a")}


def test_a_record_without_a_value_is_skipped_and_keeps_what_came_before(view: AgendaView) -> None:
    view.apply([record(upserted(evening("a"))), SimpleNamespace(key=b"org-a/a", value=None, offset=1)])
    assert set(view.entries) == {("org-a", "a")}


def test_an_unreadable_kept_record_is_skipped_when_applied(view: AgendaView) -> None:
    garbage = SimpleNamespace(key=b"org-a/x", value=b"{not json", offset=3)
    view.apply([garbage, record(upserted(evening("a")))])
    assert set(view.entries) == {("org-a", "a")}


def test_dry_runs_see_kept_records_in_the_order_last_written(view: AgendaView) -> None:
    first, second = record(upserted(evening("a"))), record(upserted(evening("b", hours_later=1)))
    moved = record(upserted(evening("a", hours_later=1)))
    view.apply([first, second, moved])
    eager = AgendaView("unused:9092", lambda zone: Agenda(owner_zone=zone), load_areas())
    for one in (first, second, moved):
        eager.apply([SimpleNamespace(key=None, value=one.value, offset=0)])
    draft = evening("concept", hours_later=1)
    now = datetime.now(UTC)
    expected = [c.model_dump() for c in eager.check("org-b", draft, now)]
    assert expected
    assert [c.model_dump() for c in view.check("org-b", draft, now)] == expected


async def test_catching_up_applies_every_kept_record_in_slices(view: AgendaView) -> None:
    count = agenda_view.CATCH_UP_SLICE * 2 + 7
    view.apply([record(upserted(evening(f"a{n}"))) for n in range(count)])
    await view.catch_up()
    assert view.size == count
    assert len(view.entries) == count


def test_a_record_without_a_key_comes_after_the_kept_records_read_before_it(view: AgendaView) -> None:
    view.apply([record(upserted(evening("a"))), record(removed("a"), keyed=False)])
    assert view.entries == {}
