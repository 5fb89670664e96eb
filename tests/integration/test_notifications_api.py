"""The notifications HTTP API: operations keys only, 422 naming the field, and the resumable live feed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from contracts import OrganisationRole
from notifications.main import create_app
from notifications.settings import NotificationsSettings
from support.testing import loopback_only, wait_for
from test_notifications_support import SECRET, ConflictPublisher, detected, fresh_wijk
from werkplaats.organisations import add_organisation


@pytest.fixture
async def api(
    kafka_bootstrap: str, unique: Callable[[str], str], tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, str, str]]:
    operations = await add_organisation(
        kafka_bootstrap, unique("ops"), name="Werkplaats", role=OrganisationRole.OPERATIONS
    )
    partner = await add_organisation(
        kafka_bootstrap, unique("haag"), name="Haag Wonen", role=OrganisationRole.PARTNER
    )
    settings = NotificationsSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'n.db'}", consumer_group=unique("notif")
    )
    app = create_app(settings, bootstrap_servers=kafka_bootstrap)
    runtime = app.state.runtime
    await runtime.start()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://notifications")
    try:
        yield client, operations.secret, partner.secret
    finally:
        await client.aclose()
        await runtime.stop()


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_a_partner_key_may_not_subscribe(api: tuple[httpx.AsyncClient, str, str]) -> None:
    client, _, partner = api
    response = await client.post("/v1/subscriptions", json={"email": "a@b.nl"}, headers=bearer(partner))
    assert response.status_code == 403
    assert (await client.get("/v1/subscriptions")).status_code == 401


async def test_bad_subscription_input_gets_a_422_naming_the_field(
    api: tuple[httpx.AsyncClient, str, str],
) -> None:
    client, operations, _ = api
    cases = {
        "min_severity": {"email": "a@b.nl", "min_severity": "urgent"},
        "neighbourhoods.0": {"email": "a@b.nl", "neighbourhoods": ["Moerwijk"]},
        "webhook.url": {"webhook": {"url": "not a url", "secret": SECRET}},
        "webhook.secret": {"webhook": {"url": "https://x.example/h", "secret": "short"}},
        "email": {"email": "not-an-address"},
        "digest_at": {"email": "a@b.nl", "delivery": "digest", "digest_at": "25:00"},
    }
    for field, body in cases.items():
        response = await client.post("/v1/subscriptions", json=body, headers=bearer(operations))
        assert response.status_code == 422, body
        assert field in [p["field"] for p in response.json()["problems"]], response.json()
    both = await client.post(
        "/v1/subscriptions",
        json={"email": "a@b.nl", "webhook": {"url": "https://x.example/h", "secret": SECRET}},
        headers=bearer(operations),
    )
    assert both.status_code == 422
    assert "`email` or `webhook`" in both.json()["detail"]


async def test_operations_subscribe_list_and_remove_without_seeing_secrets(
    api: tuple[httpx.AsyncClient, str, str],
) -> None:
    client, operations, _ = api
    body = {"webhook": {"url": "https://hooks.example/w", "secret": SECRET}, "min_severity": "medium"}
    created = await client.post("/v1/subscriptions", json=body, headers=bearer(operations))
    assert created.status_code == 201
    subscription_id = created.json()["subscription_id"]
    listing = await client.get("/v1/subscriptions", headers=bearer(operations))
    assert [s["subscription_id"] for s in listing.json()] == [subscription_id]
    assert SECRET not in listing.text
    assert (
        await client.delete(f"/v1/subscriptions/{subscription_id}", headers=bearer(operations))
    ).status_code == 204
    assert (
        await client.delete(f"/v1/subscriptions/{subscription_id}", headers=bearer(operations))
    ).status_code == 404
    hook = {"url": "https://hooks.example/org", "secret": SECRET}
    put = await client.put("/v1/organisations/haag-wonen/webhook", json=hook, headers=bearer(operations))
    assert put.status_code == 204
    hooks = await client.get("/v1/organisations/webhooks", headers=bearer(operations))
    assert hooks.json() == {"haag-wonen": "https://hooks.example/org"}


async def test_the_live_feed_numbers_events_and_resumes_after_last_event_id(
    kafka_bootstrap: str, unique: Callable[[str], str], api: tuple[httpx.AsyncClient, str, str]
) -> None:
    client, operations, partner = api
    assert (await client.get("/v1/feed", headers=bearer(partner))).status_code == 403
    _, buurten = fresh_wijk()
    conflicts = [unique("c") for _ in range(3)]

    async def feed(**headers: str) -> list[tuple[int, str]]:
        response = await client.get("/v1/feed?follow=false", headers=bearer(operations) | headers)
        assert response.headers["content-type"].startswith("text/event-stream")
        frames = [f for f in response.text.split("\n\n") if f.startswith("id: ")]
        return [(int(f.split("\n")[0][4:]), f) for f in frames]

    async with ConflictPublisher(kafka_bootstrap) as publisher:
        await publisher.probe(lambda: _has_frames(feed))
        for conflict_id in conflicts:
            await publisher.send(detected(conflict_id, [unique("org")], buurten[0]))
    await wait_for(lambda: _mentions(feed, conflicts), timeout=30, interval=0.2)
    frames = await feed()
    numbers = [n for n, _ in frames]
    assert numbers == sorted(numbers)
    # the conflicts' keys spread them over partitions, so the feed may hold them in any order
    numbered = {n: c for n, f in frames for c in conflicts if c in f}
    assert sorted(numbered.values()) == sorted(conflicts)
    first, *rest = sorted(numbered)
    resumed = await feed(**{"Last-Event-ID": str(first)})
    resumed_numbers = [n for n, _ in resumed]
    later = [n for n, _ in await feed()]  # a late probe marker may have been added since `frames`
    assert set(numbers) <= set(later)
    assert resumed_numbers == [n for n in later if first < n <= resumed_numbers[-1]]
    resumed_text = "".join(f for _, f in resumed)
    assert numbered[first] not in resumed_text
    assert all(numbered[n] in resumed_text for n in rest)


async def _has_frames(feed: Callable[..., object]) -> bool:
    return bool(await feed())  # type: ignore[misc]


async def _mentions(feed: Callable[..., object], texts: list[str]) -> bool:
    whole = "".join(f for _, f in await feed())  # type: ignore[misc]
    return all(text in whole for text in texts)


async def test_webhooks_to_internal_addresses_are_refused_naming_the_url(
    api: tuple[httpx.AsyncClient, str, str],
) -> None:
    client, operations, _ = api
    with loopback_only() as reached_beyond:
        await _refuse_internal_webhooks(client, operations)
    assert reached_beyond == []  # refused by their address alone, never connected to


async def _refuse_internal_webhooks(client: httpx.AsyncClient, operations: str) -> None:
    for url in ("http://169.254.169.254/latest/meta-data/", "http://10.0.0.8/hook", "http://[::1]:9/h"):
        subscribed = await client.post(
            "/v1/subscriptions", json={"webhook": {"url": url, "secret": SECRET}}, headers=bearer(operations)
        )
        assert subscribed.status_code == 422, url
        assert [p["field"] for p in subscribed.json()["problems"]] == ["webhook.url"]
        hook = {"url": url, "secret": SECRET}
        put = await client.put("/v1/organisations/haag-wonen/webhook", json=hook, headers=bearer(operations))
        assert put.status_code == 422, url
        assert [p["field"] for p in put.json()["problems"]] == ["url"]
    assert (await client.get("/v1/subscriptions", headers=bearer(operations))).json() == []
