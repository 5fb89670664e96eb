"""The production-shape benchmark's steady figures: the scheduler's CPU per probe and per intake batch."""

from __future__ import annotations

import math

from benchmarks.shape import Options, ShapeResult, Spread, markdown


def steady_result(cpu_ms_per_probe: float, sent: int, batches: float) -> ShapeResult:
    result = ShapeResult("sqlite", rate=100, duration_s=10, sent=sent, steady_batches=batches)
    result.steady_cpu_ms = cpu_ms_per_probe
    result.detected = result.webhook = Spread.of([0.05] * sent)
    return result


def test_a_batch_costs_the_cpu_of_the_probes_it_carried() -> None:
    result = steady_result(cpu_ms_per_probe=5.0, sent=1000, batches=400)
    assert result.steady_records_per_batch == 2.5
    assert result.steady_cpu_ms_per_batch == 12.5


def test_without_counted_batches_the_cost_per_batch_is_unknown() -> None:
    assert math.isnan(steady_result(cpu_ms_per_probe=5.0, sent=1000, batches=0).steady_cpu_ms_per_batch)


def test_the_table_shows_the_cpu_per_intake_batch_beside_the_cpu_per_probe() -> None:
    table = markdown([steady_result(cpu_ms_per_probe=6.0, sent=100, batches=50)], Options(burst=0))
    assert (
        "| scheduler CPU ms per probe | records per intake batch | scheduler CPU ms per intake batch |"
        in table
    )
    assert "| ≤ 100 ms: met | 6.00 | 2.0 | 12.0 |" in table
