"""The runtime benchmark at a tiny size: every path moves every event once, the ratios are sane."""

from __future__ import annotations

import os

import pytest

from benchmarks.runtime import run_benchmark


async def test_the_runtime_benchmark_measures_each_path_against_the_raw_loop(kafka_bootstrap: str) -> None:
    result = await run_benchmark(kafka_bootstrap, events=300, rounds=1)
    assert result.raw_per_s > 0
    (sqlite,) = result.paths
    assert sqlite.database == "SQLite"
    assert sqlite.one_process > 0
    assert sqlite.separate is not None
    assert sqlite.separate > 0
    table = result.markdown()
    assert f"| **{result.ratio(sqlite.separate):.2f}** |" in table
    assert "| outbox → relay → Kafka → idempotent consumer, one process | SQLite |" in table
    assert "| the same, consumer in its own process (production shape) | SQLite |" in table


async def test_the_runtime_benchmark_runs_on_postgresql_in_scratch_databases(kafka_bootstrap: str) -> None:
    admin = os.environ.get("WERKPLAATS_TEST_POSTGRES_URL")
    if admin is None:
        pytest.skip("PostgreSQL tests need WERKPLAATS_TEST_POSTGRES_URL (scripts/test.sh sets it)")
    result = await run_benchmark(
        kafka_bootstrap, events=200, rounds=1, databases=["postgresql"], postgres_url=admin
    )
    (postgresql,) = result.paths
    assert postgresql.database == "PostgreSQL"
    assert postgresql.one_process > 0
    assert postgresql.separate is not None
    assert postgresql.separate > 0
    assert "| the same, consumer in its own process (production shape) | PostgreSQL |" in result.markdown()
