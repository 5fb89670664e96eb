"""Intake on both databases: fair assignment, overdue raised once, reassignment, the operations calendar."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from initiatives_support import Clock, events_of, form, running
from support.testing import wait_for

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
BUILDERS = [
    {"id": "cb-a", "pseudonym": "A", "wijken": ["WK051836"]},
    {"id": "cb-b", "pseudonym": "B", "wijken": ["WK051836", "WK051833"]},
    {"id": "cb-c", "pseudonym": "C", "wijken": ["WK051833"]},
]


async def test_concurrent_submissions_never_give_a_builder_two_more_than_another(
    kafka_bootstrap: str, database_url: str, unique: Callable[[str], str]
) -> None:
    async with running(
        kafka_bootstrap, database_url, unique("ini"), builders=BUILDERS, submissions_per_minute=1000
    ) as service:

        async def submit(n: int) -> str:
            answer = await service.client.post("/v1/submissions", json=form(title=f"Initiatief {n}"))
            assert answer.status_code == 201, answer.text
            return str(answer.json()["initiative_id"])

        await asyncio.gather(*(submit(n) for n in range(30)))
        builders = (await service.client.get("/v1/builders", headers=service.staff)).json()
        load = {b["id"]: b["open"] for b in builders}
        assert load["cb-c"] == 0
        assert sum(load.values()) == 30
        assert abs(load["cb-a"] - load["cb-b"]) <= 1


async def test_a_missed_first_contact_is_raised_once_however_often_deadlines_are_kept(
    kafka_bootstrap: str, database_url: str, unique: Callable[[str], str]
) -> None:
    monday = datetime(2026, 4, 2, 10, 0, tzinfo=AMSTERDAM)  # Maundy Thursday: Easter is skipped
    clock = Clock(monday)
    async with running(kafka_bootstrap, database_url, unique("ini"), clock=clock) as service:
        late = (await service.client.post("/v1/submissions", json=form())).json()
        called = (await service.client.post("/v1/submissions", json=form(title="Op tijd gebeld"))).json()
        assert late["first_contact_due"] == "2026-04-13"
        builder = (
            await service.client.get(f"/v1/initiatives/{called['initiative_id']}", headers=service.staff)
        ).json()["builder_id"]
        contact = {"kind": "first_contact", "hours": 0.5, "by": builder, "on": "2026-04-07"}
        await service.client.post(
            f"/v1/initiatives/{called['initiative_id']}/support", json=contact, headers=service.staff
        )

        clock.now = datetime(2026, 4, 13, 23, 59, tzinfo=AMSTERDAM)
        assert await service.service.keeper.tick() == (0, 0)
        clock.now = datetime(2026, 4, 14, 0, 1, tzinfo=AMSTERDAM)
        results = await asyncio.gather(*(service.service.keeper.tick() for _ in range(4)))
        assert sum(overdue for overdue, _ in results) == 1
        assert await service.service.keeper.tick() == (0, 0)

        ids = {late["initiative_id"], called["initiative_id"]}

        async def published() -> bool:
            return "initiative.overdue" in [e.type for e in await events_of(kafka_bootstrap, ids)]

        await wait_for(published)
        overdue = {
            e.event_id: e for e in await events_of(kafka_bootstrap, ids) if e.type == "initiative.overdue"
        }
        assert [e.data.initiative_id for e in overdue.values()] == [late["initiative_id"]]
        listed = (await service.client.get("/v1/initiatives", headers=service.staff)).json()
        assert {row["initiative_id"]: row["overdue"] for row in listed} == {
            late["initiative_id"]: True,
            called["initiative_id"]: False,
        }


async def test_a_closed_day_moves_the_deadline_and_reassignment_keeps_it(
    kafka_bootstrap: str, database_url: str, unique: Callable[[str], str]
) -> None:
    clock = Clock(datetime(2026, 12, 22, 9, 0, tzinfo=AMSTERDAM))
    async with running(kafka_bootstrap, database_url, unique("ini"), clock=clock) as service:
        for day in ("2026-12-28", "2026-12-29", "2026-12-30", "2026-12-31"):
            closed = await service.client.put(
                f"/v1/closed-days/{day}", json={"reason": "kerstsluiting"}, headers=service.staff
            )
            assert closed.status_code == 204
        receipt = (await service.client.post("/v1/submissions", json=form())).json()
        assert receipt["first_contact_due"] == "2027-01-06"  # 23, 24, then 4, 5, 6 January
        reference = receipt["initiative_id"]
        moved = await service.client.post(
            f"/v1/initiatives/{reference}/assignment",
            json={"builder_id": "cb-bouwlust", "by": "werkplaats"},
            headers=service.staff,
        )
        assert moved.status_code == 204
        unknown = await service.client.post(
            f"/v1/initiatives/{reference}/assignment",
            json={"builder_id": "cb-nobody", "by": "werkplaats"},
            headers=service.staff,
        )
        assert unknown.status_code == 422
        assert unknown.json()["problems"][0]["field"] == "builder_id"

        async def both() -> bool:
            return (
                Counter(e.type for e in await events_of(kafka_bootstrap, {reference}))["initiative.assigned"]
                >= 2
            )

        await wait_for(both)
        assigned = [
            e.data for e in await events_of(kafka_bootstrap, {reference}) if e.type == "initiative.assigned"
        ]
        assert assigned[-1].builder_id == "cb-bouwlust"
        assert assigned[-1].previous_builder_id == assigned[0].builder_id
        assert {a.first_contact_due.isoformat() for a in assigned} == {"2027-01-06"}
