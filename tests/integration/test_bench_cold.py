"""``werkplaats bench cold --restore`` at a tiny size: an instance from a snapshot, every phase measured."""

from __future__ import annotations

import os

import pytest

from benchmarks.cold import from_snapshot, report


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_a_scheduler_restored_from_a_dump_places_everything_and_announces_no_conflict_twice(
    kafka_bootstrap: str, kind: str
) -> None:
    admin = os.environ.get("WERKPLAATS_TEST_POSTGRES_URL", "")
    result = await from_snapshot(kafka_bootstrap, kind, 40, 10, admin)
    phases = result.phases
    assert phases.dump_s > 0
    assert phases.restore_s > 0
    assert phases.restored_view_s > 0
    assert phases.restored_placed_s > 0
    assert phases.replay_placed_s > 0
    assert 0 < phases.restart_placed_s < 120
    assert result.conflicts.announced > 0  # the synthetic plans are dense enough to clash
    assert result.conflicts.announced_twice == 0
    assert result.conflicts.same_open
    table = report([result], 40, 10, kind)
    assert f"`werkplaats bench cold --restore --activities 40 --later 10 --databases {kind}`" in table
    assert f"| {kind} | 40 + 10 |" in table
