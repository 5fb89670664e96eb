"""The runtime benchmark at a tiny size: every path moves every event once, the ratios are sane.

The steady mode too: each event published alone, every one handled, latency and CPU reported.
"""

from __future__ import annotations

import os

import pytest

from benchmarks.runtime import Measured, run_benchmark
from benchmarks.runtime_steady import SteadyMeasured, run_steady


def measured(path: Measured | None) -> bool:
    return path is not None and path.per_s > 0 and path.cpu_us > 0


async def test_the_runtime_benchmark_measures_each_path_against_the_raw_loop(kafka_bootstrap: str) -> None:
    result = await run_benchmark(kafka_bootstrap, events=300, rounds=1)
    assert measured(result.raw)
    (sqlite,) = result.paths
    assert sqlite.database == "SQLite"
    assert measured(sqlite.one_process)
    assert measured(sqlite.separate)
    assert sqlite.separate is not None
    table = result.markdown()
    assert "| outbox → relay → Kafka → idempotent consumer, one process | SQLite |" in table
    assert (
        f"| the same, consumer in its own process (production shape) | SQLite | "
        f"{sqlite.separate.per_s:,.0f} | **{result.ratio(sqlite.separate):.2f}** |"
    ) in table


async def test_the_runtime_benchmark_runs_on_postgresql_in_scratch_databases(kafka_bootstrap: str) -> None:
    admin = os.environ.get("WERKPLAATS_TEST_POSTGRES_URL")
    if admin is None:
        pytest.skip("PostgreSQL tests need WERKPLAATS_TEST_POSTGRES_URL (scripts/test.sh sets it)")
    result = await run_benchmark(
        kafka_bootstrap, events=200, rounds=1, databases=["postgresql"], postgres_url=admin
    )
    (postgresql,) = result.paths
    assert postgresql.database == "PostgreSQL"
    assert measured(postgresql.one_process)
    assert measured(postgresql.separate)
    assert "| the same, consumer in its own process (production shape) | PostgreSQL |" in result.markdown()


def steady(path: SteadyMeasured, events: int) -> bool:
    return path.events == events and 0 < path.p50_ms <= path.p99_ms and path.cpu_us > 0


async def test_the_steady_runtime_benchmark_handles_one_record_per_batch_against_the_raw_loop(
    kafka_bootstrap: str,
) -> None:
    result = await run_steady(kafka_bootstrap, rate=40, duration=1)
    assert steady(result.raw, 40)
    assert result.raw.consumer_cpu_us is None
    ((database, path),) = result.paths
    assert database == "SQLite"
    assert steady(path, 40)
    assert path.consumer_cpu_us is not None
    assert 0 < path.consumer_cpu_us < path.cpu_us
    assert (
        f"| outbox → relay → Kafka → idempotent consumer in its own process | SQLite | {path.cells()} |"
        in result.markdown()
    )


async def test_the_steady_runtime_benchmark_runs_on_postgresql(kafka_bootstrap: str) -> None:
    admin = os.environ.get("WERKPLAATS_TEST_POSTGRES_URL")
    if admin is None:
        pytest.skip("PostgreSQL tests need WERKPLAATS_TEST_POSTGRES_URL (scripts/test.sh sets it)")
    result = await run_steady(
        kafka_bootstrap, rate=40, duration=1, databases=["postgresql"], postgres_url=admin
    )
    ((database, path),) = result.paths
    assert database == "PostgreSQL"
    assert steady(path, 40)
