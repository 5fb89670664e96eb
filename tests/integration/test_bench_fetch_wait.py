"""The fetch-wait benchmark at a tiny size: both ways of fetching read every record of one steady stream."""

from __future__ import annotations

from benchmarks.scheduling.fetch_wait import BATCHING, FIRST_BYTE, markdown, run


def test_both_consumers_read_the_same_steady_stream_and_report_their_first_hop(kafka_bootstrap: str) -> None:
    outcomes = run(kafka_bootstrap, rate=40, duration=0.5, cost=(0.001, 0.0005), ways=(BATCHING, FIRST_BYTE))
    assert [outcome.fetching for outcome in outcomes] == [BATCHING, FIRST_BYTE]
    for outcome in outcomes:
        assert len(outcome.latencies) == sum(outcome.batches) == 20
        assert all(0 < latency < 60 for latency in outcome.latencies)
        assert outcome.records_per_batch >= 1
    assert (BATCHING.min_bytes, BATCHING.max_wait_ms) == (64 * 1024, 10)
    assert (FIRST_BYTE.min_bytes, FIRST_BYTE.max_wait_ms) == (1, 10)
    table = markdown(outcomes, "python -m benchmarks.scheduling.fetch_wait --rate 40 --duration 0.5")
    assert "| 64 KiB or 10 ms (the intake's) | 20 |" in table
    assert "| first byte, or 10 ms | 20 |" in table
