"""Every service answers ``/health``, serves Prometheus ``/metrics`` and its API, over a real socket."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import werkplaats.runtime
from scheduling.main import create_runtime
from scheduling.settings import SchedulingSettings
from scheduling_support import skip_history
from support.testing import wait_for
from werkplaats.services import registered
from werkplaats.unit_of_work import SqlUnitOfWork

BODY_LIMIT = 4096


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module", params=sorted(registered()))
def running_service(
    request: pytest.FixtureRequest, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """``werkplaats run <service>`` as its own process on a free loopback port: (name, base URL).

    One process per service serves every test of this module that asks for it: starting one takes seconds.
    """
    name: str = request.param
    group = f"{name}-{uuid.uuid4().hex[:10]}"
    tmp_path = tmp_path_factory.mktemp(name)
    if name == "scheduling":  # start at the end of earlier tests' partner topics on the shared broker
        asyncio.run(skip_history(kafka_bootstrap, group))
    port = free_port()
    prefix = name.upper()
    env = os.environ | {
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        f"{prefix}_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'service.db'}",
        f"{prefix}_CONSUMER_GROUP": group,
        f"{prefix}_MAX_BODY_BYTES": str(BODY_LIMIT),
    }
    werkplaats = str(Path(sys.executable).with_name("werkplaats"))
    command = [werkplaats, "run", name, "--host", "127.0.0.1", "--port", str(port)]
    log = tmp_path / f"{name}.log"
    process = subprocess.Popen(command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:
        yield name, f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        output = log.read_text()
        assert code in (0, -signal.SIGTERM), output  # uvicorn re-raises the signal once shut down
        assert '"event": "service_stopped"' in output, output


async def test_a_running_service_answers_health_and_metrics(
    running_service: tuple[str, str],
) -> None:
    name, base = running_service
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:

        async def healthy() -> bool:
            try:
                return (await client.get("/health")).status_code == 200
            except httpx.TransportError:
                return False

        await wait_for(healthy, timeout=60, interval=0.2)
        health = (await client.get("/health")).json()
        metrics = await client.get("/metrics")
    assert {key: health[key] for key in ("status", "service", "database", "kafka")} == {
        "status": "ok",
        "service": name,
        "database": "ok",
        "kafka": "ok",
    }
    assert isinstance(health["outbox_pending"], int)
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    assert f'werkplaats_service_info{{service="{name}"}} 1.0' in metrics.text
    assert f"werkplaats_outbox_pending {float(health['outbox_pending'])}" in metrics.text


async def test_health_counts_the_outbox_rows_waiting_and_fails_when_stopped(
    kafka_bootstrap: str, make_topic, unique, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(werkplaats.runtime, "READINESS_CACHE_S", 0.0)  # each call checks afresh
    topic = await make_topic(unique("health"), partitions=1)
    settings = SchedulingSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 's.db'}", consumer_group=unique("h")
    )
    await skip_history(kafka_bootstrap, settings.consumer_group or "")
    runtime = create_runtime(settings, bootstrap_servers=kafka_bootstrap)
    app = runtime.http_app(title="test")
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://scheduling")
    await runtime.start()
    try:
        await runtime.relay.stop()  # rows now wait until the test relays them
        async with runtime.database.unit_of_work(SqlUnitOfWork) as unit:
            for n in range(3):
                unit.publish_raw(topic, b"{}", key=str(n))
        waiting = await client.get("/health")
        assert waiting.status_code == 200
        assert waiting.json() == {
            "status": "ok",
            "service": "scheduling",
            "database": "ok",
            "kafka": "ok",
            "outbox_pending": 3,
            "outbox_parked": 0,
        }
        assert "werkplaats_outbox_pending 3.0" in (await client.get("/metrics")).text
        while await runtime.relay.relay_once():
            pass
        assert (await client.get("/health")).json()["outbox_pending"] == 0
    finally:
        await runtime.stop()
    stopped = await client.get("/health")
    assert stopped.status_code == 503
    assert stopped.json()["kafka"] == "unavailable"
    await client.aclose()


async def test_liveness_does_no_work_and_readiness_is_checked_once_for_many_probes(
    kafka_bootstrap: str, unique, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(werkplaats.runtime, "READINESS_CACHE_S", 600.0)  # however slow the machine
    settings = SchedulingSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 's.db'}", consumer_group=unique("h")
    )
    runtime = create_runtime(settings, bootstrap_servers=kafka_bootstrap)
    app = runtime.http_app(title="test")
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://scheduling")
    pings = 0
    ping = runtime.database.ping

    async def counted_ping() -> bool:
        nonlocal pings
        pings += 1
        return await ping()

    runtime.database.ping = counted_ping  # type: ignore[method-assign]
    await runtime.start()
    try:
        live = await client.get("/health/live")
        assert (live.status_code, live.json(), pings) == (200, {"status": "ok", "service": "scheduling"}, 0)
        for path in ["/health/ready", "/health"] * 10:
            assert (await client.get(path)).status_code == 200
        assert pings == 1
    finally:
        await runtime.stop()
        await client.aclose()


async def _serving(client: httpx.AsyncClient) -> bool:
    try:
        return (await client.get("/health")).status_code == 200
    except httpx.TransportError:
        return False


def body_route(name: str, schema: dict[str, Any]) -> str:
    """A route of the service that reads a request body: from its OpenAPI document, or the sign-in form."""
    if name == "dashboard":
        return "/aanmelden"
    for path, operations in sorted(schema["paths"].items()):
        if "post" in operations and "requestBody" in operations["post"]:
            return re.sub(r"\{[^}]+\}", "x", path)
    raise AssertionError(f"{name} documents no route that takes a body")


async def oversized() -> AsyncIterator[bytes]:
    """A body sent in chunks, with no declared length, twice the limit."""
    for _ in range(2 * BODY_LIMIT // 512):
        yield b" " * 512


async def test_a_running_service_serves_its_api_and_bounds_bodies_on_a_real_socket(
    running_service: tuple[str, str],
) -> None:
    name, base = running_service
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        await wait_for(lambda: _serving(client), timeout=60, interval=0.2)
        documented = await client.get("/openapi.json")
        schema = documented.json() if documented.status_code == 200 else {"paths": {}}
        route = body_route(name, schema)
        kind = "application/x-www-form-urlencoded" if name == "dashboard" else "application/json"
        headers = {"Content-Type": kind}
        anonymous = await client.post(route, headers=headers, content=b"{}")
        streamed = await client.post(route, headers=headers, content=oversized())
        declared = await client.post(route, headers=headers, content=b" " * 2 * BODY_LIMIT)
    if name != "dashboard":
        assert documented.status_code == 200
        assert anonymous.status_code in (401, 422), anonymous.text
    assert anonymous.status_code < 500
    for refused in (streamed, declared):
        assert refused.status_code == 413, (route, refused.text)
        assert f"at most {BODY_LIMIT} bytes" in refused.json()["detail"]
