"""The agenda view loading in the background: what waits for it (503, Retry-After) and what it holds."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from aiokafka import TopicPartition

from benchmarks.scheduling.synthetic import World
from contracts import (
    ActivityPublished,
    AgendaActivityUpserted,
    OrganisationRole,
    OrganisationUpdated,
    encode_event,
    new_event,
)
from contracts.topics import SCHEDULING_AGENDA
from scheduling import api
from scheduling.domain import Agenda, load_areas
from scheduling.service.agenda_view import AgendaView
from scheduling.settings import SchedulingSettings
from support.fake_consumer import FakeConsumer
from werkplaats.auth import Authenticator
from werkplaats.organisations import OrganisationDirectory, issue_key
from werkplaats.runtime import ServiceRuntime

START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)


def evening(activity_id: str, start: datetime, hours: float = 2) -> ActivityPublished:
    return ActivityPublished.model_validate(
        {
            "activity_id": activity_id,
            "title": "Inspraakavond",
            "kind": "consultation",
            "starts_at": start,
            "ends_at": start + timedelta(hours=hours),
            "neighbourhoods": ["WK051836"],
            "target_groups": ["tenants"],
        }
    )


def upserted(activity_id: str) -> bytes:
    data = AgendaActivityUpserted(organisation="org-a", activity=evening(activity_id, START), occurrences=[])
    return encode_event(new_event(data, source="scheduling"))


def draft() -> dict[str, Any]:
    return dict(evening("concept", START + timedelta(minutes=30), 1).model_dump(mode="json"))


class Loading:
    """The API over a view whose reading of ``scheduling.agenda`` is held up until ``release``."""

    def __init__(self) -> None:
        self.consumer = FakeConsumer(history=2, hold="load", value=upserted("avond"))
        self.consumer.topic, self.consumer.partition = SCHEDULING_AGENDA, TopicPartition(SCHEDULING_AGENDA, 0)
        directory = OrganisationDirectory("unused:9092")
        issued = issue_key()
        self.key = issued.secret
        organisation = OrganisationUpdated(
            slug="org-a", name="A", role=OrganisationRole.PARTNER, keys=[issued.record]
        )
        directory.apply(
            [SimpleNamespace(value=encode_event(new_event(organisation, source="test")), offset=0)]
        )
        settings = SchedulingSettings(database_url="sqlite+aiosqlite:///:memory:")
        self.runtime = ServiceRuntime("scheduling", settings, bootstrap_servers="unused:9092")
        self.view = AgendaView("unused:9092", lambda zone: Agenda(owner_zone=zone), load_areas())
        self.view.follower.new_consumer = lambda: self.consumer  # type: ignore[assignment,return-value]
        self.runtime.readiness_notes.append(self.view.readiness)
        context = api.ApiContext(
            runtime=self.runtime,
            view=self.view,
            auth=Authenticator(directory, requests_per_minute=600),
            horizon=timedelta(days=365),
        )
        app = self.runtime.http_app(*api.routers(context), title="test")
        api.install(app)
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
        self.headers = {"Authorization": f"Bearer {self.key}"}

    async def release(self) -> None:
        self.consumer.gate.set()
        await asyncio.wait_for(self.view.wait_loaded(), 5)


@pytest.fixture
async def loading() -> AsyncIterator[Loading]:
    made = Loading()
    await made.view.start()
    await asyncio.wait_for(made.consumer.reached.wait(), 5)
    yield made
    await made.view.stop()
    await made.client.aclose()


async def test_the_agenda_answers_503_with_retry_after_while_the_view_loads(loading: Loading) -> None:
    for path in ("/v1/agenda", "/v1/agenda.ics"):
        response = await loading.client.get(path, headers=loading.headers)
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert "still loading" in response.json()["detail"]


async def test_a_dry_run_answers_503_while_the_view_loads(loading: Loading) -> None:
    response = await loading.client.post("/v1/activities/check", json=draft(), headers=loading.headers)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"


async def test_readiness_says_the_view_is_loading_then_following(loading: Loading) -> None:
    assert loading.view.loading
    assert loading.view.readiness() == {"agenda_view": {"state": "loading", "activities": 0}}
    report = (await loading.client.get("/health/ready")).json()
    assert report["agenda_view"]["state"] == "loading"
    await loading.release()
    assert not loading.view.loading
    assert loading.view.readiness() == {"agenda_view": {"state": "following", "activities": 1}}


async def test_once_loaded_the_agenda_and_dry_runs_answer(loading: Loading) -> None:
    await loading.release()
    agenda = await loading.client.get("/v1/agenda", headers=loading.headers)
    assert agenda.status_code == 200
    assert [item["activity"]["activity_id"] for item in agenda.json()["items"]] == ["avond"]
    checked = await loading.client.post("/v1/activities/check", json=draft(), headers=loading.headers)
    assert checked.status_code == 200
    assert "neighbourhood_overlap" in {c["rule"] for c in checked.json()["conflicts"]}


def test_a_view_never_started_answers_from_what_it_was_given() -> None:
    view = AgendaView("unused:9092", lambda zone: Agenda(owner_zone=zone), load_areas())
    assert not view.loading
    assert view.readiness()["agenda_view"]["state"] == "idle"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_an_agenda_of_held_activities_checks_drafts_as_one_that_detected_all(seed: int) -> None:
    now = datetime.now(UTC)
    world = World.for_size(600, now.date())
    rng = random.Random(seed)
    activities = [world.activity(rng, f"a{i}", organisation=f"org-{i % 3}") for i in range(600)]
    detecting, holding = Agenda(), Agenda()
    for activity in activities:
        detecting.upsert(activity, now)
        holding.hold(activity, now)
    for gone in activities[::7]:
        detecting.withdraw(gone.key)
        holding.release(gone.key)
    assert not holding.open_conflicts()
    for draft_activity in world.drafts(60, seed):
        expected = [c.conflict_id for c in detecting.check(draft_activity, now)]
        assert [c.conflict_id for c in holding.check(draft_activity, now)] == expected
