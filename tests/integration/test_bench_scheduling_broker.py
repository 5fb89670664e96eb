"""The scheduling benchmark's broker part runs end to end at a tiny scale."""

from __future__ import annotations

from benchmarks.scheduling.pipeline import run_pipeline


async def test_the_pipeline_benchmark_measures_latency_and_throughput(kafka_bootstrap: str) -> None:
    result = await run_pipeline(kafka_bootstrap, rate=20, duration=2, burst=200)
    assert result.latency.sent == result.latency.received == 40
    assert 0 < result.latency.p50_ms <= result.latency.p99_ms <= result.latency.max_ms
    assert 0 < result.throughput.raw_s < result.throughput.scheduler_s
    assert 0 < result.throughput.intake_s <= result.throughput.scheduler_s
