"""Micro-benchmark (not a test): cost of ``Agenda.check`` and memory per activity at growing sizes.

Run: ``.venv/bin/python tests/unit/scheduling/scheduling_benchmark.py [--threshold N] [--trace] 1000 100000``

Activities are spread over the four wijken of Zuidwest (with 100 synthetic buurt codes each, which the
domain handles like any unknown CBS code) and over the coming year.
"""

from __future__ import annotations

import random
import resource
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path[:0] = [
    str(Path(__file__).resolve().parents[3] / "services"),
    str(Path(__file__).resolve().parents[3]),
]

from contracts import ActivityKind, TargetGroup  # noqa: E402
from scheduling.domain import Activity, Agenda, UnfavourableCalendar  # noqa: E402

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
WIJKEN = ["WK051833", "WK051834", "WK051835", "WK051836"]
KINDS = list(ActivityKind)
GROUPS = list(TargetGroup)


def random_activity(rng: random.Random, index: int, buurten_per_wijk: int, venues: int) -> Activity:
    """One activity somewhere in Zuidwest in the coming year, mostly at one buurt, sometimes a wijk."""
    wijk = rng.choice(WIJKEN)
    code = wijk if rng.random() < 0.002 else f"BU{wijk[2:]}{rng.randrange(buurten_per_wijk):02d}"
    start = NOW + timedelta(
        days=rng.randrange(365), hours=rng.choice(range(-3, 11)), minutes=rng.choice((0, 30))
    )
    venue = f"centre-{rng.randrange(venues)}" if rng.random() < 0.3 else None
    return Activity(
        organisation=f"org-{rng.randrange(50)}",
        activity_id=f"a{index}",
        kind=rng.choice(KINDS),
        starts_at=start,
        ends_at=start + timedelta(minutes=rng.choice((60, 90, 120))),
        neighbourhoods=(code,),
        target_groups=frozenset(rng.sample(GROUPS, rng.choice((1, 1, 2)))),
        recurrence="FREQ=WEEKLY;COUNT=4" if rng.random() < 0.02 else None,
        venue_id=venue,
        room=rng.choice((None, "A", "B", "C")) if venue else None,
    )


def build(n: int, threshold: int, buurten_per_wijk: int = 100) -> Agenda:
    """An agenda holding ``n`` random activities (published one by one, as the service would)."""
    rng = random.Random(n)
    agenda = Agenda(calendar=UnfavourableCalendar((), public_holidays=False), overload_threshold=threshold)
    for index in range(n):
        agenda.upsert(random_activity(rng, index, buurten_per_wijk, venues=max(10, n // 500)), NOW)
    return agenda


def measure(n: int, threshold: int, trace: bool) -> None:
    """Print build time, memory per activity and the mean cost of ``check`` for 200 drafts."""
    if trace:
        tracemalloc.start()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    started = time.perf_counter()
    agenda = build(n, threshold)
    built = time.perf_counter() - started
    if trace:
        current, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    else:
        current = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - rss_before
    rng = random.Random(7)
    drafts = [random_activity(rng, 10**9 + i, 100, venues=max(10, n // 500)) for i in range(200)]
    started = time.perf_counter()
    found = sum(len(agenda.check(draft, NOW)) for draft in drafts)
    per_check = (time.perf_counter() - started) / len(drafts)
    print(
        f"n={n:>9,} threshold={threshold} build={built:7.1f}s memory={current / n:6.0f} B/activity "
        f"open={len(agenda.open_conflicts()):>9,} check={per_check * 1e6:8.0f} us "
        f"({found / len(drafts):.1f} conflicts/draft) "
        f"maxrss={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB"
    )


def main(argv: list[str]) -> None:
    """Measure each size given on the command line."""
    threshold, trace, sizes = 3, False, []
    arguments = iter(argv)
    for argument in arguments:
        if argument == "--threshold":
            threshold = int(next(arguments))
        elif argument == "--trace":
            trace = True
        else:
            sizes.append(int(argument))
    for size in sizes or [1000, 100_000]:
        measure(size, threshold, trace)


if __name__ == "__main__":
    main(sys.argv[1:])
