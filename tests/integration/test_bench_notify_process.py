"""The notifications-as-a-process benchmark at a tiny size: every conflict measured on both paths."""

from __future__ import annotations

import os

import pytest

from benchmarks.notifications_process import markdown, measure


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_the_notify_benchmark_measures_the_broker_and_the_webhook_path(
    kafka_bootstrap: str, kind: str
) -> None:
    admin = os.environ.get("WERKPLAATS_TEST_POSTGRES_URL", "")
    result = await measure(kafka_bootstrap, kind, rate=10, duration=1, postgres_url=admin)
    baseline, webhook = result.paths
    assert result.sent == baseline.received == webhook.received == 10
    assert 0 < baseline.p50_ms <= baseline.p99_ms <= baseline.max_ms
    assert 0 < webhook.p50_ms <= webhook.p99_ms <= webhook.max_ms
    assert webhook.p50_ms > baseline.p50_ms  # the webhook comes after the topic, never before
    assert result.cpu_ms > 0
    table = markdown([result], "werkplaats bench notify --rate 10 --duration 1")
    assert f"| {kind} | 10 | publish → signed webhook (notifications) | 10 |" in table
