"""The reach use cases on the in-memory unit of work: reports in; feedback, reminders, advice out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from contracts import (
    ActivityPublished,
    ActivityReported,
    AgendaActivityRemoved,
    AgendaActivityUpserted,
)
from contracts.topics import REACH_ADVICE, REACH_EVENTS, partner_feedback
from reach.domain import AMSTERDAM
from reach.service import Arrival, Policy, Reach
from reach.store import InMemoryReachUnitOfWork

START = datetime(2026, 3, 3, 19, 30, tzinfo=AMSTERDAM)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(START + timedelta(days=1))


@pytest.fixture
def reach(clock: Clock) -> Reach:
    return Reach(Policy(minimum_reports=2, pending_grace=timedelta(minutes=10)), clock)


def published(activity_id: str = "avond", start: datetime = START, **extra: Any) -> ActivityPublished:
    fields: dict[str, Any] = {
        "activity_id": activity_id,
        "title": f"Avond {activity_id}",
        "kind": "consultation",
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "neighbourhoods": ["BU05183620"],
        "target_groups": ["tenants"],
        "expected_attendance": 40,
    }
    return ActivityPublished.model_validate(fields | extra)


def on_agenda(organisation: str, activity: ActivityPublished) -> AgendaActivityUpserted:
    return AgendaActivityUpserted(organisation=organisation, activity=activity, occurrences=[])


def reported(activity_id: str = "avond", start: datetime = START, **extra: Any) -> ActivityReported:
    fields: dict[str, Any] = {
        "activity_id": activity_id,
        "occurrence_start": start,
        "attendance": 50,
        "reach_methods": ["door_to_door"],
        "follow_up": {"action": "Naar de architect.", "residents_hear_back_by": "2026-04-01"},
    }
    return ActivityReported.model_validate(fields | extra)


def arrival(organisation: str = "staedion", offset: int = 7) -> Arrival:
    return Arrival(organisation, f"event-{offset}", None, f"partner.{organisation}.reports", 0, offset)


def types(unit: InMemoryReachUnitOfWork, topic: str) -> list[str]:
    return [envelope.type for envelope in unit.envelopes(topic)]


async def test_a_report_waits_for_its_activity_and_is_accepted_when_it_appears(reach: Reach) -> None:
    unit = InMemoryReachUnitOfWork()
    await reach.take_report(unit, reported(), arrival())
    await unit.commit()
    assert await unit.reports.keys() == set()
    await reach.follow_agenda(unit, on_agenda("staedion", published()))
    await unit.commit()
    assert await unit.reports.keys() == {("staedion", "avond", "2026-03-03T18:30:00Z")}
    assert unit.tables.get("reach_pending_reports", {}) == {}


async def test_advice_is_published_when_it_changes_and_only_then(reach: Reach) -> None:
    unit = InMemoryReachUnitOfWork()
    await reach.follow_agenda(unit, on_agenda("staedion", published()))
    await reach.take_report(unit, reported(), arrival())
    await unit.commit()
    assert await reach.refresh_advice(unit) == 1
    await unit.commit()
    [advice] = unit.envelopes(REACH_ADVICE)
    assert advice.data.model_dump()["reports"] == 1
    await reach.take_report(unit, reported(), arrival(offset=8))  # the same report again
    await unit.commit()
    assert await reach.refresh_advice(unit) == 0


async def test_a_report_on_another_organisations_activity_is_refused_after_the_grace(
    reach: Reach, clock: Clock
) -> None:
    unit = InMemoryReachUnitOfWork()
    await reach.follow_agenda(unit, on_agenda("staedion", published()))
    await reach.take_report(unit, reported(), arrival("haag-wonen"))
    await unit.commit()
    assert await reach.settle_pending(unit) == 0
    clock.now += timedelta(minutes=11)
    assert await reach.settle_pending(unit) == 1
    await unit.commit()
    [refusal] = unit.envelopes(partner_feedback("haag-wonen"))
    data = refusal.data.model_dump()
    assert data["problems"][0]["field"] == "data.activity_id"
    assert data["rejected_event_id"] == "event-7"
    assert await unit.reports.keys() == set()


async def test_a_report_set_aside_while_its_activity_arrived_is_accepted_by_the_next_tick(
    reach: Reach,
) -> None:
    unit = InMemoryReachUnitOfWork()
    await reach.take_report(unit, reported(), arrival())
    await unit.commit()
    await unit.commit()  # the activity appears without seeing the waiting report (a concurrent transaction)
    unit.tables.setdefault("reach_activities", {})[("staedion", "avond")] = {
        "organisation": "staedion",
        "activity_id": "avond",
        "payload": published().model_dump(mode="json"),
        "withdrawn": False,
        "updated_at": START,
    }
    assert await reach.settle_pending(unit) == 1
    await unit.commit()
    assert await unit.reports.keys() == {("staedion", "avond", "2026-03-03T18:30:00Z")}


async def test_a_missing_report_is_reminded_of_once(reach: Reach, clock: Clock) -> None:
    unit = InMemoryReachUnitOfWork()
    await reach.follow_agenda(unit, on_agenda("staedion", published()))
    await unit.commit()
    assert await reach.remind(unit) == 0  # not due yet
    clock.now = START + timedelta(days=3, hours=3)
    assert await reach.remind(unit) == 1
    await unit.commit()
    assert await reach.remind(unit) == 0
    assert types(unit, REACH_EVENTS) == ["reach.report_due"]


async def test_a_reported_occurrence_is_not_reminded_of(reach: Reach, clock: Clock) -> None:
    unit = InMemoryReachUnitOfWork()
    await reach.follow_agenda(unit, on_agenda("staedion", published()))
    await reach.take_report(unit, reported(), arrival())
    await unit.commit()
    clock.now = START + timedelta(days=4)
    assert await reach.remind(unit) == 0


async def test_a_promise_past_its_date_is_flagged_once_and_a_kept_one_never(
    reach: Reach, clock: Clock
) -> None:
    unit = InMemoryReachUnitOfWork()
    await reach.follow_agenda(unit, on_agenda("staedion", published()))
    await reach.follow_agenda(unit, on_agenda("staedion", published("tweede", START + timedelta(hours=3))))
    await reach.take_report(unit, reported(), arrival())
    kept = {"on": "2026-03-20", "summary": "Het ontwerp is aangepast."}
    await reach.take_report(
        unit, reported("tweede", START + timedelta(hours=3), follow_up_done=kept), arrival()
    )
    await unit.commit()
    clock.now = datetime(2026, 4, 2, 9, tzinfo=UTC)
    assert await reach.flag_overdue_promises(unit) == 1
    await unit.commit()
    assert await reach.flag_overdue_promises(unit) == 0
    [overdue] = unit.envelopes(REACH_EVENTS)
    assert overdue.data.model_dump()["activity_id"] == "avond"


async def test_a_withdrawn_activity_keeps_its_reports_and_takes_no_new_ones(reach: Reach) -> None:
    unit = InMemoryReachUnitOfWork()
    await reach.follow_agenda(unit, on_agenda("staedion", published()))
    await reach.take_report(unit, reported(), arrival())
    await unit.commit()
    await reach.follow_agenda(unit, AgendaActivityRemoved(organisation="staedion", activity_id="avond"))
    await unit.commit()
    assert len(await unit.reports.reported()) == 1
    await reach.take_report(unit, reported(attendance=3), arrival(offset=9))
    await unit.commit()
    [refusal] = unit.envelopes(partner_feedback("staedion"))
    assert "withdrawn" in refusal.data.model_dump()["reason"]
    [(_, report)] = await unit.reports.reported()
    assert report.attendance == 50


async def test_the_due_reports_are_listed_per_organisation_and_leave_the_list_once_reported(
    reach: Reach, clock: Clock
) -> None:
    unit = InMemoryReachUnitOfWork()
    await reach.follow_agenda(unit, on_agenda("staedion", published()))
    await reach.follow_agenda(unit, on_agenda("haag-wonen", published("buren", START + timedelta(hours=1))))
    await unit.commit()
    assert await reach.due_reports(unit, "staedion") == []  # not due yet
    clock.now = START + timedelta(days=4)
    [due] = await reach.due_reports(unit, "staedion")
    assert (due.organisation, due.activity_id, due.occurrence_start) == ("staedion", "avond", START)
    assert due.due_at == START + timedelta(hours=2, days=3)
    assert [d.activity_id for d in await reach.due_reports(unit)] == ["avond", "buren"]
    await reach.take_report(unit, reported(), arrival())
    await unit.commit()
    assert await reach.due_reports(unit, "staedion") == []
    assert list(unit.envelopes(REACH_EVENTS)) == []  # listing announces nothing


async def test_the_overdue_promises_are_listed_until_the_follow_up_is_reported(
    reach: Reach, clock: Clock
) -> None:
    unit = InMemoryReachUnitOfWork()
    await reach.follow_agenda(unit, on_agenda("staedion", published()))
    await reach.take_report(unit, reported(), arrival())
    await unit.commit()
    assert await reach.overdue_promises(unit) == []
    clock.now = datetime(2026, 4, 2, 9, tzinfo=UTC)
    [overdue] = await reach.overdue_promises(unit)
    assert (overdue.organisation, overdue.activity_id, overdue.title) == ("staedion", "avond", "Avond avond")
    kept = {"on": "2026-04-01", "summary": "Het ontwerp is aangepast."}
    await reach.take_report(unit, reported(follow_up_done=kept), arrival())
    await unit.commit()
    assert await reach.overdue_promises(unit) == []
