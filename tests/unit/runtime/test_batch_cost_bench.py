"""``python -m benchmarks.batch_cost``: every runtime operation measured against a bare round trip."""

from __future__ import annotations

import pytest

from benchmarks import batch_cost

OPERATIONS = [
    "bare round trip (prepared `SELECT 1`), the baseline",
    "consumer, one-record batch (inbox claim, effect, commit)",
    "committing one event to the outbox",
    "committing one event, then a relay pass over it",
    "idle relay pass",
]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_the_table_has_every_operation_with_its_cost_and_the_baseline_ratio(database_url: str) -> None:
    table = await batch_cost.run(database_url, repeats=20)
    rows = [line.strip("|").split(" | ") for line in table.splitlines() if line.startswith("| ")][1:]
    assert [row[0].strip() for row in rows] == OPERATIONS
    for name, wall, client, _server, ratio in rows:
        assert float(wall.replace(",", "")) > 0, name
        assert float(client.replace(",", "")) > 0, name
        assert float(ratio) > 0, name
    assert rows[0][4].strip() == "1.0", "the baseline is one bare round trip"
    assert "--repeats 20" in table


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_with_many_records_a_run_each_operation_is_reported_per_record(database_url: str) -> None:
    table = await batch_cost.run(database_url, repeats=5, records=50)
    rows = [line.strip("|").split(" | ") for line in table.splitlines() if line.startswith("| ")][1:]
    assert [row[0].strip() for row in rows] == [
        OPERATIONS[0],
        "consumer, batch of 50 records (inbox claim, effects, commit), per record",
        "committing 50 events to the outbox in one transaction, per event",
        "the same, then a relay pass over them, per event",
    ]
    for name, wall, client, _server, _ratio in rows:
        assert float(wall.replace(",", "")) > 0, name
        assert float(client.replace(",", "")) > 0, name
    assert "--repeats 5 --records 50" in table
