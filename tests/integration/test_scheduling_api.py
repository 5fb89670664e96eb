"""The scheduling HTTP API on a real broker: organisations act only in their own name; dry runs tell true."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest

from contracts import OrganisationRole
from contracts.topics import SCHEDULING_CONFLICTS
from scheduling.main import create_app
from scheduling.settings import SchedulingSettings
from scheduling_support import Area, activity, at, fresh_area, quiet_evening, skip_history
from support.testing import read_topic, wait_for
from werkplaats.organisations import add_organisation
from werkplaats.runtime import ServiceRuntime


@dataclass
class Api:
    client: httpx.AsyncClient
    runtime: ServiceRuntime
    slugs: dict[str, str]
    keys: dict[str, str]
    area: Area

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}"}

    async def put(self, who: str, activity_id: str, body: dict[str, Any]) -> httpx.Response:
        return await self.client.put(f"/v1/activities/{activity_id}", json=body, headers=self.auth(who))

    async def agenda(self, who: str, **params: Any) -> list[dict[str, Any]]:
        response = await self.client.get("/v1/agenda", params=params, headers=self.auth(who))
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    async def ours(self, who: str) -> dict[tuple[str, str], dict[str, Any]]:
        items = await self.agenda(who, neighbourhood=self.area.wijk, limit=1000)
        return {(item["organisation"], item["activity"]["activity_id"]): item for item in items}


def body(activity_id: str, start: Any, hours: float, codes: list[str], **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = activity(activity_id, start, hours, codes, **extra).model_dump(mode="json")
    del data["activity_id"]
    return data


@pytest.fixture
async def api(kafka_bootstrap: str, database_url: str) -> AsyncIterator[Api]:
    run = uuid.uuid4().hex[:6]
    slugs = {"a": f"api-a-{run}", "b": f"api-b-{run}", "ops": f"api-ops-{run}"}
    keys = {}
    for who, slug in slugs.items():
        role = OrganisationRole.OPERATIONS if who == "ops" else OrganisationRole.PARTNER
        keys[who] = (await add_organisation(kafka_bootstrap, slug, name=slug, role=role)).secret
    settings = SchedulingSettings(
        database_url=database_url, consumer_group=f"api-{run}", outbox_idle_poll_s=0.2
    )
    await skip_history(kafka_bootstrap, f"api-{run}")
    app = create_app(settings, bootstrap_servers=kafka_bootstrap)
    runtime: ServiceRuntime = app.state.runtime
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://scheduling")
    await runtime.start()
    await app.state.service.view.wait_loaded()  # the agenda is read in the background
    try:
        yield Api(client, runtime, slugs, keys, fresh_area())
    finally:
        await runtime.stop()
        await client.aclose()


async def test_another_organisation_can_neither_replace_withdraw_nor_see_private_fields(api: Api) -> None:
    day, wijk, buurten = quiet_evening(), api.area.wijk, api.area.buurten
    a, b = api.slugs["a"], api.slugs["b"]
    mine = body("herinrichting", at(day, 19), 2, [buurten[0]], expected_attendance=60)
    assert (await api.put("a", "herinrichting", mine)).status_code == 202
    assert (await api.put("a", "alleen-a", body("alleen-a", at(day, 10), 1, [wijk]))).status_code == 202
    theirs = body("herinrichting", at(day, 19, 30), 2, [wijk], title="Overgenomen?", expected_attendance=5)
    assert (await api.put("b", "herinrichting", theirs | {"organiser": a})).status_code == 202

    async def all_on_agenda() -> bool:
        return len(await api.ours("ops")) == 3

    await wait_for(all_on_agenda, timeout=60, interval=0.2)
    as_ops = await api.ours("ops")
    assert as_ops[(a, "herinrichting")]["activity"]["title"] == "Bewonersavond herinrichting"
    assert as_ops[(b, "herinrichting")]["activity"]["title"] == "Overgenomen?"
    assert as_ops[(a, "herinrichting")]["activity"]["expected_attendance"] == 60
    as_b = await api.ours("b")
    assert as_b[(a, "herinrichting")]["activity"]["expected_attendance"] is None
    assert as_b[(b, "herinrichting")]["activity"]["expected_attendance"] == 5
    assert (await api.ours("a"))[(a, "herinrichting")]["activity"]["expected_attendance"] == 60

    refused = await api.client.delete("/v1/activities/alleen-a", headers=api.auth("b"))
    assert refused.status_code == 404
    withdrawn = await api.client.delete(
        "/v1/activities/herinrichting", params={"reason": "dubbel"}, headers=api.auth("b")
    )
    assert withdrawn.status_code == 202
    assert uuid.UUID(withdrawn.json()["event_id"])

    async def only_bs_withdrawn() -> bool:
        return set(await api.ours("ops")) == {(a, "herinrichting"), (a, "alleen-a")}

    await wait_for(only_bs_withdrawn, timeout=60, interval=0.2)


async def test_operations_acknowledge_and_partners_may_not(api: Api) -> None:
    day, wijk = quiet_evening(), api.area.wijk
    await api.put("a", "wijkschouw", body("wijkschouw", at(day, 19), 2, [wijk], kind="walk"))
    await api.put("b", "bewonersavond", body("bewonersavond", at(day, 20), 2, [api.area.buurten[1]]))
    params = {"neighbourhood": wijk, "organisation": api.slugs["a"]}

    async def listed() -> list[dict[str, Any]]:
        response = await api.client.get("/v1/conflicts", params=params, headers=api.auth("ops"))
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    await wait_for(listed, timeout=60, interval=0.2)
    [record] = await listed()
    conflict_id = record["conflict"]["conflict_id"]
    assert (record["status"], record["conflict"]["rule"]) == ("open", "neighbourhood_overlap")
    as_a = await api.client.get("/v1/conflicts", params={"neighbourhood": wijk}, headers=api.auth("a"))
    assert [item["conflict"]["conflict_id"] for item in as_a.json()["items"]] == [conflict_id]

    path = f"/v1/conflicts/{conflict_id}/acknowledge"
    reason = {"reason": "Afgestemd: andere straten."}
    assert (await api.client.post(path, json=reason, headers=api.auth("a"))).status_code == 403
    assert (await api.client.post(path, json=reason)).status_code == 401
    wrong_key = {"Authorization": "Bearer wp_0000000_nope"}
    assert (await api.client.post(path, json=reason, headers=wrong_key)).status_code == 401
    accepted = await api.client.post(path, json=reason, headers=api.auth("ops"))
    assert accepted.status_code == 200, accepted.text
    assert accepted.json() == {
        "conflict_id": conflict_id,
        "reason": reason["reason"],
        "acknowledged_by": api.slugs["ops"],
    }
    [record] = await listed()
    assert record["status"] == "acknowledged"
    assert record["acknowledgement"]["by"] == api.slugs["ops"]
    unknown = await api.client.post(
        "/v1/conflicts/nbo-000000000000000000000000/acknowledge", json=reason, headers=api.auth("ops")
    )
    assert unknown.status_code == 404


async def test_dry_run_returns_exactly_the_conflicts_the_publication_then_produces(api: Api) -> None:
    day, wijk, buurten = quiet_evening(), api.area.wijk, api.area.buurten
    await api.put("a", "x", body("x", at(day, 19), 2, [buurten[0]]))
    await api.put("a", "z", body("z", at(day, 21, 30), 1, [buurten[1]], kind="workshop"))
    await api.put("a", "w", body("w", at(day + timedelta(days=1), 19), 2, [buurten[2]]))

    async def a_on_agenda() -> bool:
        return len(await api.ours("a")) == 3

    await wait_for(a_on_agenda, timeout=60, interval=0.2)
    draft = body("y", at(day, 20), 2, [wijk])
    checked = await api.client.post(
        "/v1/activities/check", json=draft | {"activity_id": "y"}, headers=api.auth("b")
    )
    assert checked.status_code == 200, checked.text
    predicted = {c["conflict_id"]: c for c in checked.json()["conflicts"]}
    assert sorted(c["rule"] for c in predicted.values()) == [
        "neighbourhood_overlap",
        "neighbourhood_overlap",
        "target_group_overload",
    ]
    assert all(c["explanation"]["nl"] and c["explanation"]["en"] for c in predicted.values())
    assert all(c["suggestions"] for c in predicted.values() if c["severity"] == "high")
    assert len(await api.ours("b")) == 3  # nothing was published

    assert (await api.put("b", "y", draft)).status_code == 202
    b = api.slugs["b"]

    async def detected() -> dict[str, dict[str, Any]]:
        found = {}
        for record in await read_topic(api.runtime.bootstrap_servers, SCHEDULING_CONFLICTS, timeout=30):
            event = json.loads(record.value)
            data = event["data"]
            if event["type"] == "conflict.detected" and any(
                (m["organisation"], m["activity_id"]) == (b, "y") for m in data["activities"]
            ):
                found[data["conflict_id"]] = data
        return found

    async def all_detected() -> bool:
        return len(await detected()) >= len(predicted)

    await wait_for(all_detected, timeout=60, interval=0.5)
    published = await detected()
    assert set(published) == set(predicted)
    for conflict_id, data in published.items():
        assert data == predicted[conflict_id]
