"""The production-shape benchmark at a tiny size: services as processes, every figure measured."""

from __future__ import annotations

import os

import pytest

from benchmarks.hops import HOPS
from benchmarks.shape import Options, Spread, cold_start, markdown, run_benchmark


@pytest.mark.parametrize(
    ("kind", "detection"), [("sqlite", ("inline", "partitioned")), ("postgresql", ("inline",))]
)
async def test_the_shape_benchmark_measures_both_paths_and_bursts_through_processes(
    kafka_bootstrap: str, kind: str, detection: tuple[str, ...]
) -> None:
    admin = os.environ.get("WERKPLAATS_TEST_POSTGRES_URL", "")
    options = Options(
        rate=10, duration=1, burst=60, databases=(kind,), postgres_url=admin, detection=detection
    )
    results = await run_benchmark(kafka_bootstrap, options, report=lambda _: None)
    assert [result.detection for result in results] == list(detection)
    table = markdown(results, options)
    assert (
        f"`werkplaats bench shape --rate 10 --duration 1 --burst 60 --databases {kind} --detection" in table
    )
    for result in results:
        assert result.sent == 10
        assert result.detected.count == result.webhook.count == 10
        assert 0 < result.detected.p50_ms <= result.detected.p99_ms <= result.detected.max_ms
        assert 0 < result.webhook.p50_ms <= result.webhook.p99_ms
        assert result.steady_cpu_ms > 0
        assert 0 < result.steady_batches <= result.sent  # the intake's batches, each with a probe or more
        assert [b.schedulers for b in result.bursts] == [1, 2]
        assert all(0 < b.raw_s < b.scheduler_s for b in result.bursts)
        assert all(b.cpu_ms > 0 for b in result.bursts)
        assert f"| {kind} | {result.detection} | 10 | publish → signed webhook | 10 |" in table


async def test_the_cold_start_benchmark_catches_up_and_restarts_on_its_database(kafka_bootstrap: str) -> None:
    result = await cold_start(kafka_bootstrap, "sqlite", 40, "")
    assert result.activities == 40
    assert result.catch_up_s > 0
    assert result.restart_ready_s > 0
    assert 0 < result.restart_first_placed_s < 120
    assert result.markdown().startswith("| sqlite | 40 |")


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_the_shape_benchmark_splits_the_path_to_conflict_detected_into_hops_that_add_up(
    kafka_bootstrap: str, kind: str
) -> None:
    admin = os.environ.get("WERKPLAATS_TEST_POSTGRES_URL", "")
    options = Options(rate=20, duration=1, burst=0, databases=(kind,), postgres_url=admin, scale_out=False)
    [result] = await run_benchmark(kafka_bootstrap, options, report=lambda _: None)
    assert [hop.name for hop in result.path_hops] == list(HOPS)
    assert all(hop.count == result.detected.count == 20 for hop in result.path_hops)
    assert all(0 <= hop.p50_ms <= hop.p90_ms <= hop.p99_ms for hop in result.path_hops)
    assert all(min(hops) > -0.002 for hops in result.hop_durations)  # one clock; record stamps in ms
    totals = Spread.of([sum(hops) for hops in result.hop_durations])
    assert abs(totals.p50_ms - result.detected.p50_ms) < 5
    assert abs(totals.max_ms - result.detected.max_ms) < 5
    table = markdown([result], options)
    for hop in result.path_hops:
        assert f"| {kind} | inline | {hop.name} | 20 | {hop.p50_ms:,.1f} | {hop.p90_ms:,.1f} |" in table
