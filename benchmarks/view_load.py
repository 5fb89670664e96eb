"""``python -m benchmarks.view_load``: the agenda view's load, holding activities against detecting them.

The same ``agenda.activity_upserted`` records (synthetic, as the scheduler publishes them) are read by an
``AgendaView`` that holds each activity for dry runs (as it does now) and by one that upserts each into a
detecting agenda (as it did), in one process and one run: records per second and the ratio.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from benchmarks.report import machine
from benchmarks.scheduling.pipeline import published
from benchmarks.scheduling.synthetic import World
from contracts import AgendaActivityUpserted, Occurrence, encode_event, new_event
from scheduling.domain import Activity, Agenda, expand, load_areas
from scheduling.domain.clock import from_us
from scheduling.service.agenda_view import AgendaView

BATCH = 500


def records(count: int, now: datetime) -> list[Any]:
    """``count`` upserted activities of one organisation, encoded as on ``scheduling.agenda``."""
    world = World.for_size(count, now.date())
    rng = random.Random(count)
    found = []
    for index in range(count):
        activity = world.activity(rng, f"v{index}", organisation="bench-view")
        occurrences = [
            Occurrence(starts_at=from_us(o.start), ends_at=from_us(o.end)) for o in expand(activity, now)
        ]
        data = AgendaActivityUpserted(
            organisation="bench-view", activity=published(activity), occurrences=occurrences
        )
        found.append(SimpleNamespace(value=encode_event(new_event(data, source="scheduling")), offset=index))
    return found


class DetectingAgenda(Agenda):
    """The view's agenda as it was: every activity upserted, its conflicts detected and kept."""

    def hold(self, activity: Activity, now: datetime, occurrences: object = None) -> None:
        """Upsert instead of holding (expanding again, as it did)."""
        self.upsert(activity, now)

    def release(self, key: tuple[str, str]) -> None:
        """Withdraw instead of releasing."""
        self.withdraw(key)


def load_seconds(agenda: type[Agenda], batch: list[Any]) -> float:
    """Seconds an ``AgendaView`` over ``agenda`` takes to read ``batch``, in batches as from Kafka."""
    areas = load_areas()
    view = AgendaView("unused:9092", lambda zone: agenda(owner_zone=zone), areas)
    started = time.perf_counter()
    for start in range(0, len(batch), BATCH):
        view.apply(batch[start : start + BATCH])
    return time.perf_counter() - started


def main() -> None:
    """Measure and print a table row."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=5000)
    count = parser.parse_args().records
    batch = records(count, datetime.now(UTC))
    load_seconds(Agenda, batch[:200])  # warm up: calendars and caches
    detecting = load_seconds(DetectingAgenda, batch)
    holding = load_seconds(Agenda, batch)
    print(f"Command: `python -m benchmarks.view_load --records {count}`; machine: {machine()}\n")
    print("| records | detecting (before) records/s | holding (now) records/s | ratio |")
    print("|---:|---:|---:|---:|")
    print(
        f"| {count:,} | {count / detecting:,.0f} | {count / holding:,.0f} | **{detecting / holding:.1f}** |"
    )


if __name__ == "__main__":
    main()
