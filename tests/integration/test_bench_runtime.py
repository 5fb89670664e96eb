"""The runtime benchmark at a tiny size: every path moves every event once, the ratios are sane."""

from __future__ import annotations

from benchmarks.runtime import run_benchmark


async def test_the_runtime_benchmark_measures_each_path_against_the_raw_loop(kafka_bootstrap: str) -> None:
    result = await run_benchmark(kafka_bootstrap, events=300, rounds=1)
    assert result.raw_per_s > 0
    assert result.werkplaats_per_s > 0
    assert result.separate_per_s is not None
    assert result.separate_per_s > 0
    assert result.separate_ratio == result.separate_per_s / result.raw_per_s
    table = result.markdown()
    assert "| **ratio, one process** |" in table
    assert "| **ratio, consumer in its own process** |" in table
