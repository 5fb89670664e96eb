"""Every service answers ``/health`` and serves Prometheus ``/metrics``, over a real socket."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import werkplaats.runtime
from scheduling.main import create_runtime
from scheduling.settings import SchedulingSettings
from scheduling_support import skip_history
from support.testing import wait_for
from werkplaats.services import registered
from werkplaats.unit_of_work import SqlUnitOfWork


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(params=sorted(registered()))
def running_service(
    request: pytest.FixtureRequest, kafka_bootstrap: str, unique, tmp_path: Path
) -> Iterator[tuple[str, str]]:
    """``werkplaats run <service>`` as its own process on a free loopback port: (name, base URL)."""
    name: str = request.param
    group = unique(name)
    if name == "scheduling":  # start at the end of earlier tests' partner topics on the shared broker
        asyncio.run(skip_history(kafka_bootstrap, group))
    port = free_port()
    prefix = name.upper()
    env = os.environ | {
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        f"{prefix}_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'service.db'}",
        f"{prefix}_CONSUMER_GROUP": group,
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
