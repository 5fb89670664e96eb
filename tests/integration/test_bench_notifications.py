"""The notifications benchmark at a tiny size: every warning arrives and the numbers are sane."""

from __future__ import annotations

import pytest

from benchmarks.notifications import run_benchmark


async def test_the_benchmark_measures_publish_to_webhook_and_splits_it_into_hops(
    kafka_bootstrap: str,
) -> None:
    result = await run_benchmark(kafka_bootstrap, rate=20, duration=2)
    assert result.sent == 40
    assert result.received == 40
    assert 0 < result.p50_ms <= result.p99_ms <= result.max_ms < 30_000
    assert [hop.name.split(" (")[0] for hop in result.hops] == [
        "partner publish → placement",
        "placement → conflict.detected",
        "conflict.detected → notification decided",
        "decided → webhook received",
    ]
    assert all(0 <= hop.p50_ms <= hop.p99_ms for hop in result.hops)
    assert sum(hop.share for hop in result.hops) == pytest.approx(1.0)
    assert sum(hop.p50_ms for hop in result.hops) <= 2 * result.p99_ms
    table = result.markdown()
    assert "`werkplaats bench notifications --rate 20 --duration 2`" in table
    assert "| end to end |" in table
    assert result.machine in table
