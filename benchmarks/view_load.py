"""``python -m benchmarks.view_load``: the agenda view's cost per record, as it was and as it is.

The same ``agenda.activity_upserted`` records (synthetic, as the scheduler publishes them) are read by an
``AgendaView`` that upserts each into a detecting agenda (as it did first), by one that decodes and holds
each at once (as it did while following until records were kept), and by one following as it does now:
records kept by key on the event path, applied when the API asks. One process, one run; CPU per record,
with the garbage collector set as a service process sets it after start-up (``werkplaats.collector``).

``--versions V`` publishes each activity V times (as a topic's uncompacted part holds an activity changed
since its last compaction) and adds the view's load of that history: every record decoded as it is read
(as it loaded before) against records kept by key and each activity decoded once the history is read.
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
from werkplaats import collector

BATCH = 500


def records(count: int, now: datetime, versions: int = 1) -> list[Any]:
    """``count`` upserted activities of one organisation, encoded and keyed as on ``scheduling.agenda``.

    With ``versions`` above 1, each activity is published that many times (each version a new draw), the
    versions of all activities interleaved as they were published.
    """
    world = World.for_size(count, now.date())
    rng = random.Random(count)
    found = []
    for position in range(count * versions):
        index = position % count
        activity = world.activity(rng, f"v{index}", organisation="bench-view")
        occurrences = [
            Occurrence(starts_at=from_us(o.start), ends_at=from_us(o.end)) for o in expand(activity, now)
        ]
        data = AgendaActivityUpserted(
            organisation="bench-view", activity=published(activity), occurrences=occurrences
        )
        value = encode_event(new_event(data, source="scheduling"))
        found.append(SimpleNamespace(key=f"bench-view/v{index}".encode(), value=value, offset=position))
    return found


class DetectingAgenda(Agenda):
    """The view's agenda as it was: every activity upserted, its conflicts detected and kept."""

    def hold(self, activity: Activity, now: datetime, occurrences: object = None) -> None:
        """Upsert instead of holding (expanding again, as it did)."""
        self.upsert(activity, now)

    def release(self, key: tuple[str, str]) -> None:
        """Withdraw instead of releasing."""
        self.withdraw(key)


def unkeyed(batch: list[Any]) -> list[Any]:
    """The same records without keys: the view applies those at once, as it applied every record before."""
    return [SimpleNamespace(key=None, value=r.value, offset=r.offset) for r in batch]


def new_view(agenda: type[Agenda]) -> AgendaView:
    """A view over ``agenda`` (not started: it follows, as after loading)."""
    return AgendaView("unused:9092", lambda zone: agenda(owner_zone=zone), load_areas())


def apply_seconds(view: AgendaView, batch: list[Any]) -> float:
    """CPU seconds ``view`` takes to read ``batch`` on the event path, in batches as from Kafka."""
    started = time.process_time()
    for start in range(0, len(batch), BATCH):
        view.apply(batch[start : start + BATCH])
    return time.process_time() - started


def asked_seconds(view: AgendaView) -> float:
    """CPU seconds until ``view`` has applied what it kept (the first API request pays it)."""
    started = time.process_time()
    view.entries  # noqa: B018 - applying the kept records is the point
    return time.process_time() - started


def main() -> None:
    """Measure and print a table row."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--versions", type=int, default=1, help="Records per activity for the load table.")
    arguments = parser.parse_args()
    count, versions = arguments.records, arguments.versions
    batch = records(count, datetime.now(UTC))
    apply_seconds(new_view(Agenda), unkeyed(batch[:200]))  # warm up: calendars and caches
    collector.settle_after_start_up()  # as the service's runtime does before its views load
    detecting = apply_seconds(new_view(DetectingAgenda), unkeyed(batch))
    at_once = apply_seconds(new_view(Agenda), unkeyed(batch))
    following = new_view(Agenda)
    kept = apply_seconds(following, batch)
    asked = asked_seconds(following)
    assert len(following.entries) == count
    per = 1e6 / count
    command = f"python -m benchmarks.view_load --records {count}"
    command += f" --versions {versions}" if versions > 1 else ""
    print(f"Command: `{command}`; machine: {machine()}\n")
    print(
        "| records | detecting (first) µs/record | decoded and held at once (before) µs/record "
        "| kept on the event path (now) µs/record | ratio | applied when asked µs/record |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {count:,} | {detecting * per:,.0f} | {at_once * per:,.0f} | {kept * per:,.1f} "
        f"| **{at_once / kept:,.0f}** | {asked * per:,.0f} |"
    )
    if versions > 1:
        print_load(count, versions)


def print_load(count: int, versions: int) -> None:
    """Print the view's load of a history holding each of ``count`` activities ``versions`` times."""
    history = records(count, datetime.now(UTC), versions)
    as_read = apply_seconds(new_view(Agenda), unkeyed(history))
    loading = new_view(Agenda)
    held_once = apply_seconds(loading, history) + asked_seconds(loading)
    assert len(loading.entries) == count
    print(f"\nLoad of a history with {versions} records per activity (`--versions {versions}`):\n")
    print(
        "| records | activities | every record decoded as read (before) s | kept, each activity decoded "
        "once read (now) s | ratio |"
    )
    print("|---:|---:|---:|---:|---:|")
    print(
        f"| {len(history):,} | {count:,} | {as_read:.2f} | {held_once:.2f} | **{as_read / held_once:.1f}** |"
    )


if __name__ == "__main__":
    main()
