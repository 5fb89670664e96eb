"""Budget thresholds and subsidy reminders go out once; coaching notes stay with coach and coordinator."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from centres_support import MARKER, Centres, centre_body, events_of, running_centres, wait_for_events
from contracts.topics import CENTRES_EVENTS
from support.testing import read_topic


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 9, 10, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def centres(  # type: ignore[no-untyped-def]
    kafka_bootstrap: str, unique: Callable[[str], str], database_url: str, tmp_path: Path, clock: Clock
):
    async with running_centres(
        kafka_bootstrap, unique, database_url, tmp_path, clock=clock, tick_s=3600
    ) as service:
        yield service


async def test_each_budget_threshold_is_published_once(
    centres: Centres, unique: Callable[[str], str]
) -> None:
    centre_id = unique("c")
    await centres.client.put(
        f"/v1/centres/{centre_id}", json=centre_body("mooi-welzijn"), headers=centres.staff()
    )
    line = {"kind": "expense", "category": "energie", "budgeted": "1000.00"}
    put = await centres.client.put(
        f"/v1/centres/{centre_id}/budgets/2026/lines/energie",
        json=line,
        headers=centres.coordinator(centre_id),
    )
    assert put.status_code == 204
    for actual_id, amount in (
        ("a1", "850.00"),
        ("a2", "60.00"),
        ("a2", "60.00"),
        ("a3", "20.00"),
        ("a4", "100.00"),
    ):
        body = {"line_id": "energie", "amount": amount, "booked_on": "2026-09-01"}
        response = await centres.client.put(
            f"/v1/centres/{centre_id}/budgets/2026/actuals/{actual_id}",
            json=body,
            headers=centres.coordinator(centre_id),
        )
        assert response.status_code == 204, response.text
    reached = await wait_for_events(centres.bootstrap, centre_id, "budget.threshold_reached", 2)
    assert sorted(e["data"]["threshold_percent"] for e in reached) == [90, 100]
    overview = await centres.client.get(f"/v1/centres/{centre_id}/budgets/2026", headers=centres.staff())
    assert overview.json()["lines"][0]["actual"] == "1030.00"
    fraction_of_a_cent = {"line_id": "energie", "amount": "1.234", "booked_on": "2026-09-01"}
    refused = await centres.client.put(
        f"/v1/centres/{centre_id}/budgets/2026/actuals/a5", json=fraction_of_a_cent, headers=centres.staff()
    )
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "amount"]


async def test_a_subsidy_reminder_goes_out_once_per_step(
    centres: Centres, clock: Clock, unique: Callable[[str], str]
) -> None:
    centre_id = unique("c")
    await centres.client.put(
        f"/v1/centres/{centre_id}", json=centre_body("mooi-welzijn"), headers=centres.staff()
    )
    application = {
        "regulation": "Activiteiten voor en door 55-plussers",
        "amount_requested": "500.00",
        "deadline": "2026-09-30",
    }
    created = await centres.client.put(
        f"/v1/centres/{centre_id}/subsidies/s1-{centre_id}",
        json=application,
        headers=centres.coordinator(centre_id),
    )
    assert created.status_code == 200, created.text
    ticker = centres.app.state.service.ticker
    assert await ticker.tick() == 0  # 20 days ahead: nothing yet
    clock.now += timedelta(days=7)  # 13 days ahead: the 14-day reminder
    assert await ticker.tick() == 1
    assert await ticker.tick() == 0
    clock.now += timedelta(days=9)  # 4 days ahead: the 7-day reminder
    assert await ticker.tick() == 1
    reminders = await wait_for_events(centres.bootstrap, centre_id, "subsidy.deadline_approaching", 2)
    assert [e["data"]["days_left"] for e in reminders] == [13, 4]
    submitted = await centres.client.post(
        f"/v1/subsidies/s1-{centre_id}/status", json={"status": "submitted"}, headers=centres.staff()
    )
    assert submitted.json()["status"] == "submitted"
    clock.now += timedelta(days=3)
    assert await ticker.tick() == 0  # submitted: no more reminders
    skipped = await centres.client.post(
        f"/v1/subsidies/s1-{centre_id}/status", json={"status": "draft"}, headers=centres.staff()
    )
    assert skipped.status_code == 422
    assert skipped.json()["detail"][0]["loc"] == ["body", "status"]


async def test_coaching_notes_are_for_coach_and_coordinator_and_never_on_a_topic(
    centres: Centres, unique: Callable[[str], str]
) -> None:
    centre_id = unique("c")
    await centres.client.put(
        f"/v1/centres/{centre_id}", json=centre_body("mooi-welzijn"), headers=centres.staff()
    )
    people = {}
    for role in ("coordinator", "coach"):
        body = {
            "role": role,
            "name": f"{MARKER} {role}",
            "centre_id": centre_id if role == "coordinator" else None,
        }
        people[role] = (await centres.client.post("/v1/people", json=body, headers=centres.staff())).json()[
            "id"
        ]
    trajectory = {
        "centre_id": centre_id,
        "coordinator_id": people["coordinator"],
        "coach_id": people["coach"],
        "topics": ["marketing", "budget"],
        "goals": [{"goal_id": "bereik", "description": "Meer bezoekers uit Moerwijk-Zuid"}],
        "started_on": "2026-09-01",
    }
    tid = unique("t")
    assert (
        await centres.client.put(f"/v1/coaching/trajectories/{tid}", json=trajectory, headers=centres.staff())
    ).status_code == 204
    session = {
        "topic": "marketing",
        "held_on": "2026-09-08",
        "duration_minutes": 90,
        "scores": {"bereik": 40},
        "notes": MARKER,
    }
    logged = await centres.client.put(
        f"/v1/coaching/trajectories/{tid}/sessions/s1", json=session, headers=centres.coach(people["coach"])
    )
    assert logged.status_code == 204, logged.text
    as_coordinator = await centres.client.get(
        f"/v1/coaching/trajectories/{tid}", headers=centres.coordinator(centre_id, people["coordinator"])
    )
    assert as_coordinator.json()["sessions"][0]["notes"] == MARKER
    assert as_coordinator.json()["progress"] == 40
    as_staff = await centres.client.get(f"/v1/coaching/trajectories/{tid}", headers=centres.staff())
    assert "notes" not in as_staff.json()["sessions"][0]
    stranger = await centres.client.get(
        f"/v1/coaching/trajectories/{tid}", headers=centres.coach("cch-000000000000")
    )
    assert stranger.status_code == 404
    [event] = await wait_for_events(centres.bootstrap, centre_id, "coaching.session_logged", 1)
    assert event["data"]["duration_minutes"] == 90
    records = await read_topic(centres.bootstrap, CENTRES_EVENTS, timeout=30)
    assert all(MARKER.encode() not in record.value for record in records)
    assert len(await events_of(centres.bootstrap, centre_id)) >= 3
