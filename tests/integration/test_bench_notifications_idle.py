"""The idle-notifications benchmark at a tiny size: a real notifications process, its CPU read from /proc."""

from __future__ import annotations

import math

from benchmarks.notifications_idle import idle_cpu_ms_per_s


async def test_the_idle_benchmark_reads_the_cpu_of_a_running_notifications_process(
    kafka_bootstrap: str,
) -> None:
    used = await idle_cpu_ms_per_s(kafka_bootstrap, settle_s=0.5, window_s=1.0)
    assert math.isfinite(used)
    assert 0 < used < 2000  # at most both cores for the whole second
