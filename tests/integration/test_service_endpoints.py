"""Every service answers ``/health`` and serves Prometheus ``/metrics``."""

from __future__ import annotations

from pathlib import Path

import httpx

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
