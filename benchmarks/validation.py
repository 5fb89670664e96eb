"""Validating a recurring activity three times (intake, placement, agenda view), rule rebuilt or cached.

Run with ``python -m benchmarks.validation [activities]``.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta

from contracts import (
    ActivityKind,
    ActivityPublished,
    TargetGroup,
    decode_event,
    encode_event,
    new_event,
    recurrence,
)
from scheduling.domain import AMSTERDAM

HOPS = 3
"""Where the scheduler decodes one activity: the partner topic, its placement, the agenda view."""


def recurring_events(count: int) -> list[bytes]:
    """``count`` encoded ``activity.published`` events of weekly series, each with its own start."""
    start = datetime(2027, 3, 2, 19, 0, tzinfo=AMSTERDAM)
    return [
        encode_event(
            new_event(
                ActivityPublished(
                    activity_id=f"a{i}",
                    title="Inspraakavond",
                    kind=ActivityKind.CONSULTATION,
                    starts_at=start + timedelta(days=7 * i),
                    ends_at=start + timedelta(days=7 * i, hours=2),
                    recurrence="FREQ=WEEKLY;BYDAY=TU;COUNT=10",
                    neighbourhoods=["BU05180101"],
                    target_groups=[TargetGroup.TENANTS],
                ),
                source="bench",
            )
        )
        for i in range(count)
    ]


def microseconds_per_activity(events: list[bytes], *, cached: bool) -> float:
    """Mean µs to decode each event ``HOPS`` times; the rule checked at every decode unless ``cached``.

    The cache starts empty, so each activity's first decode checks its rule either way.
    """
    recurrence.problem.cache_clear()
    started = time.perf_counter()
    for event in events:
        for _ in range(HOPS):
            if not cached:
                recurrence.problem.cache_clear()
            decode_event(event)
    return (time.perf_counter() - started) / len(events) * 1e6


def main() -> None:
    """Print both figures and their ratio."""
    events = recurring_events(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
    rebuilt = min(microseconds_per_activity(events, cached=False) for _ in range(3))
    cached = min(microseconds_per_activity(events, cached=True) for _ in range(3))
    print(
        f"recurring activity decoded {HOPS} times: rule checked each time {rebuilt:,.0f} µs, "
        f"once {cached:,.0f} µs; {rebuilt / cached:.2f}x"
    )


if __name__ == "__main__":
    main()
