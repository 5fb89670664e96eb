"""The scheduling benchmark runs at tiny sizes and reports sane numbers."""

from __future__ import annotations

from datetime import date

import pytest

from benchmarks.scheduling.agenda import run_agenda_benchmark
from benchmarks.scheduling.pipeline import LatencyResult, PipelineResult, ThroughputResult
from benchmarks.scheduling.synthetic import World, buurt_codes, meeting_codes
from benchmarks.scheduling.tables import agenda_markdown, pipeline_markdown
from scheduling.domain import wijk_of


def test_synthetic_codes_are_fresh_cbs_shaped_and_scale_with_size() -> None:
    world = World.for_size(10_000, date(2026, 1, 5))
    activities = list(world.agenda(2_000, seed=1))
    codes = {code for activity in activities for code in activity.neighbourhoods}
    assert world.wijken == 20
    assert all(code.startswith(("WK9", "BU9")) and len(code) in (8, 10) for code in codes)
    assert {wijk_of(code) for code in codes} <= {world.wijk(i) for i in range(world.wijken)}
    assert 0.05 < sum(a.recurrence is not None for a in activities) / len(activities) < 0.15


def test_a_wijk_meets_its_buurten_and_a_buurt_its_wijk() -> None:
    assert meeting_codes(("WK900001",)) == (*buurt_codes("WK900001"), "WK900001")
    assert meeting_codes(("BU90000102",)) == ("BU90000102", "WK900001")
    assert buurt_codes("WK900001")[0] == "BU90000101"


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_postgres_and_memory_find_the_same_conflicts_at_tiny_sizes(database_url: str) -> None:
    results = await run_agenda_benchmark(database_url, [200, 400], drafts=60)
    for result in results:
        assert result.agreeing == result.drafts == 60
        assert 0 < result.interval.p50_us <= result.interval.p99_us
        assert 0 < result.postgres.p50_us <= result.postgres.p99_us
        assert result.rows > 0
        assert result.occurrences >= result.activities
    report = agenda_markdown(results)
    assert "| 200 |" in report
    assert "| 400 |" in report
    assert "(over the sizes measured)" in report


def test_pipeline_tables_say_whether_the_aims_were_met() -> None:
    result = PipelineResult(
        LatencyResult(100, 30, 3000, 3000, 20.0, 80.0, 95.0), ThroughputResult(1000, 1.0, 1.5, 2.5), 10, 1.0
    )
    report = pipeline_markdown(result)
    assert "| 3,000 | 3,000 | 20.0 | 80.0 | 95.0 | met |" in report
    assert "**0.400**" in report
    assert "**not met**" in report
