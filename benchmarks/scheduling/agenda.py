"""Cost of one conflict check against agenda size: the in-memory ``Agenda.check`` against PostgreSQL."""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from benchmarks.report import percentile
from benchmarks.scheduling.postgres import Found, PostgresAgenda, activity_text
from benchmarks.scheduling.synthetic import World
from contracts import ConflictRule
from scheduling.domain import Activity, Agenda, Conflict, HeldActivity
from scheduling.domain.clock import to_us

NOW = datetime(2026, 1, 5, 12, tzinfo=UTC)
INTERVAL_RULES = frozenset(
    {ConflictRule.NEIGHBOURHOOD_OVERLAP, ConflictRule.VENUE_DOUBLE_BOOKING, ConflictRule.SAME_EVENING}
)
WARM_UP = 50
PROGRESS_EVERY = 100_000


@dataclass(frozen=True)
class Latency:
    """p50 and p99 of a set of timings, in microseconds."""

    p50_us: float
    p99_us: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Latency:
        """Summarise timings given in seconds."""
        return cls(percentile(seconds, 0.50) * 1e6, percentile(seconds, 0.99) * 1e6)


@dataclass(frozen=True)
class SizeResult:
    """Everything measured at one agenda size."""

    activities: int
    wijken: int
    occurrences: int
    rows: int
    build_s: float
    copy_s: float
    index_s: float
    peak_rss_mb: float
    interval: Latency
    all_rules: Latency
    postgres: Latency
    conflicts_per_draft: float
    all_conflicts_per_draft: float
    agreeing: int
    drafts: int

    @property
    def ratio_p50(self) -> float:
        """How many times faster the in-memory interval check is than PostgreSQL, at p50."""
        return self.postgres.p50_us / self.interval.p50_us

    @property
    def ratio_p99(self) -> float:
        """The same ratio at p99."""
        return self.postgres.p99_us / self.interval.p99_us


def progress(message: str) -> None:
    """Report progress on stderr (stdout carries only the tables)."""
    print(message, file=sys.stderr, flush=True)


def build_agenda(activities: Iterable[Activity]) -> tuple[Agenda, list[Activity], float]:
    """Upsert every activity into a fresh agenda, as the service would; the agenda, activities, seconds."""
    agenda, held = Agenda(), []
    started = time.perf_counter()
    for count, activity in enumerate(activities, 1):
        agenda.upsert(activity, NOW)
        held.append(activity)
        if count % PROGRESS_EVERY == 0:
            progress(f"  upserted {count:,} activities ({time.perf_counter() - started:.0f} s)")
    return agenda, held, time.perf_counter() - started


def held_of(agenda: Agenda, activities: Iterable[Activity]) -> list[HeldActivity]:
    """Return the held activities (with the very occurrences the agenda expanded)."""
    held = []
    for activity in activities:
        item = agenda.get(activity.key)
        assert item is not None
        held.append(item)
    return held


def found_in(conflicts: Iterable[Conflict], draft: Activity) -> set[Found]:
    """Return the pair conflicts of ``draft`` in the shape the PostgreSQL check returns."""
    found: set[Found] = set()
    for conflict in conflicts:
        if conflict.rule in INTERVAL_RULES:
            mine = next(m for m in conflict.members if m.key == draft.key)
            other = next(m for m in conflict.members if m.key != draft.key)
            found.add(
                (
                    conflict.rule.value,
                    to_us(mine.occurrence_start),
                    f"{other.organisation}/{other.activity_id}",
                    to_us(other.occurrence_start),
                )
            )
    return found


def time_memory(
    agenda: Agenda, drafts: Sequence[Activity], rules: frozenset[ConflictRule]
) -> tuple[list[float], list[list[Conflict]]]:
    """Time ``agenda.check`` of each draft; the seconds and the conflicts found."""
    for draft in drafts[:WARM_UP]:
        agenda.check(draft, NOW, rules=rules)
    seconds, found = [], []
    for draft in drafts:
        started = time.perf_counter()
        conflicts = agenda.check(draft, NOW, rules=rules)
        seconds.append(time.perf_counter() - started)
        found.append(conflicts)
    return seconds, found


async def time_postgres(
    database: PostgresAgenda, agenda: Agenda, drafts: Sequence[Activity]
) -> tuple[list[float], list[set[Found]]]:
    """Time the PostgreSQL check of each draft (expanding it included); the seconds and what it found."""
    for draft in drafts[:WARM_UP]:
        await database.check(draft, agenda.occurrences_of(draft, NOW))
    seconds, found = [], []
    for draft in drafts:
        started = time.perf_counter()
        rows = await database.check(draft, agenda.occurrences_of(draft, NOW))
        seconds.append(time.perf_counter() - started)
        found.append(rows)
    return seconds, found


async def measure_size(size: int, drafts: int, database: PostgresAgenda) -> SizeResult:
    """Build both agendas of ``size`` activities and time the same ``drafts`` checks on each."""
    world = World.for_size(size, NOW.date())
    progress(f"size {size:,}: {world.wijken:,} wijken; building the in-memory agenda ...")
    agenda, activities, build_s = build_agenda(world.agenda(size, seed=size))
    held = held_of(agenda, activities)
    del activities
    progress(f"  built in {build_s:.1f} s; loading PostgreSQL ...")
    copy_s, index_s = await database.load(held)
    checks = world.drafts(drafts, seed=size + 1)
    progress(f"  loaded (COPY {copy_s:.1f} s, indexes {index_s:.1f} s); timing {drafts:,} checks ...")
    interval_s, interval_found = time_memory(agenda, checks, INTERVAL_RULES)
    all_s, all_found = time_memory(agenda, checks, frozenset(ConflictRule))
    postgres_s, postgres_found = await time_postgres(database, agenda, checks)
    agreeing = sum(
        found_in(conflicts, draft) == rows
        for draft, conflicts, rows in zip(checks, interval_found, postgres_found, strict=True)
    )
    return SizeResult(
        activities=size,
        wijken=world.wijken,
        occurrences=sum(len(item.occurrences) for item in held),
        rows=await database.rows(),
        build_s=build_s,
        copy_s=copy_s,
        index_s=index_s,
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        interval=Latency.of(interval_s),
        all_rules=Latency.of(all_s),
        postgres=Latency.of(postgres_s),
        conflicts_per_draft=sum(map(len, interval_found)) / len(checks),
        all_conflicts_per_draft=sum(map(len, all_found)) / len(checks),
        agreeing=agreeing,
        drafts=len(checks),
    )


async def run_agenda_benchmark(database_url: str, sizes: Sequence[int], drafts: int) -> list[SizeResult]:
    """Measure each size in turn against the PostgreSQL database at ``database_url`` (tables replaced)."""
    results = []
    async with PostgresAgenda.connect(database_url) as database:
        for size in sizes:
            results.append(await measure_size(size, drafts, database))
    return results


__all__ = ["INTERVAL_RULES", "Latency", "SizeResult", "activity_text", "run_agenda_benchmark"]
