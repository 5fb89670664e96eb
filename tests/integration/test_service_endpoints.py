"""Every service answers ``/health`` and serves Prometheus ``/metrics``."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

import werkplaats.runtime
from scheduling.main import create_runtime
from scheduling.settings import SchedulingSettings


async def test_health_and_metrics_of_a_running_service(kafka_bootstrap: str, unique, tmp_path: Path) -> None:
    settings = SchedulingSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 's.db'}", consumer_group=unique("h")
    )
    runtime = create_runtime(settings, bootstrap_servers=kafka_bootstrap)
    app = runtime.http_app(title="test")
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://scheduling")
    await runtime.start()
    try:
        health = await client.get("/health")
        assert health.status_code == 200
        assert health.json() | {"outbox_pending": 0} == {
            "status": "ok",
            "service": "scheduling",
            "database": "ok",
            "kafka": "ok",
            "outbox_pending": 0,
        }
        metrics = await client.get("/metrics")
        assert metrics.status_code == 200
        assert "werkplaats_outbox_pending" in metrics.text
        assert 'werkplaats_service_info{service="scheduling"} 1.0' in metrics.text
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
