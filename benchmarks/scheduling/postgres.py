"""The same conflict check done in PostgreSQL: ``tstzrange`` bookings with GiST (``btree_gist``) indexes.

Each participation occurrence is stored once per neighbourhood code it names, next to its range, under a
GiST index on ``(code, during)``; a draft asks for the codes it meets (a buurt meets its wijk, a wijk its
buurten). Venue bookings get their own table and GiST index on ``(venue, during)``. Parameters are cast
explicitly, so a driver never sends a type the index cannot use.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from asyncpg.types import Range  # type: ignore[import-untyped]

from benchmarks.scheduling.synthetic import meeting_codes
from scheduling.domain import Activity, HeldActivity
from scheduling.domain.clock import Occurrence, evening_window, from_us, to_us

Found = tuple[str, int, str, int]
"""``(rule, draft occurrence start, other activity "org/id", other occurrence start)``, starts in µs."""

SCHEMA = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
DROP TABLE IF EXISTS area_bookings, venue_bookings;
CREATE TABLE area_bookings (code text NOT NULL, during tstzrange NOT NULL, activity text NOT NULL);
CREATE TABLE venue_bookings (
    venue text NOT NULL, room text, during tstzrange NOT NULL, activity text NOT NULL
);
"""
INDEXES = """
CREATE INDEX area_bookings_gist ON area_bookings USING gist (code, during);
CREATE INDEX venue_bookings_gist ON venue_bookings USING gist (venue, during);
ANALYZE area_bookings;
ANALYZE venue_bookings;
"""
CHECK = """
WITH draft AS (
    SELECT * FROM unnest($1::timestamptz[], $2::timestamptz[], $3::timestamptz[], $4::timestamptz[])
        AS d(s, e, evening_start, evening_end)
), codes AS (
    SELECT unnest($5::text[]) AS code
)
SELECT DISTINCT 'neighbourhood_overlap', d.s, b.activity, lower(b.during)
FROM draft d CROSS JOIN codes c
JOIN area_bookings b ON b.code = c.code AND b.during && tstzrange(d.s, d.e)
WHERE b.activity <> $8::text
UNION ALL
SELECT DISTINCT 'same_evening', d.s, b.activity, lower(b.during)
FROM draft d CROSS JOIN codes c
JOIN area_bookings b ON b.code = c.code AND b.during && tstzrange(d.evening_start, d.evening_end)
WHERE d.evening_start IS NOT NULL AND lower(b.during) >= d.evening_start
    AND NOT b.during && tstzrange(d.s, d.e) AND b.activity <> $8::text
UNION ALL
SELECT DISTINCT 'venue_double_booking', d.s, v.activity, lower(v.during)
FROM draft d
JOIN venue_bookings v ON v.venue = $6::text AND v.during && tstzrange(d.s, d.e)
WHERE (v.room IS NULL OR $7::text IS NULL OR v.room = $7::text) AND v.activity <> $8::text
"""


def plain_dsn(url: str) -> str:
    """Return a libpq-style URL for asyncpg (drops SQLAlchemy's ``+asyncpg``)."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


@asynccontextmanager
async def scratch_database(admin_url: str) -> AsyncIterator[str]:
    """Create a fresh database next to ``admin_url``'s, yield its URL, and drop it afterwards."""
    admin = plain_dsn(admin_url)
    name = f"bench_scheduling_{uuid.uuid4().hex[:10]}"
    connection = await asyncpg.connect(admin)
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    try:
        yield f"{admin.rpartition('/')[0]}/{name}"
    finally:
        connection = await asyncpg.connect(admin)
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()


def activity_text(activity: Activity) -> str:
    """Return an activity's key as stored: ``org/id``."""
    return f"{activity.organisation}/{activity.activity_id}"


def area_rows(held: Iterable[HeldActivity]) -> Iterator[tuple[str, Range, str]]:
    """Yield one row per participation occurrence and code it names."""
    for item in held:
        if item.activity.is_participation:
            key = activity_text(item.activity)
            for occurrence in item.occurrences:
                during = _range(occurrence)
                for code in item.activity.neighbourhoods:
                    yield code, during, key


def venue_rows(held: Iterable[HeldActivity]) -> Iterator[tuple[str, str | None, Range, str]]:
    """Yield one row per occurrence booked at a venue."""
    for item in held:
        venue = item.activity.venue_id
        if venue is not None:
            key = activity_text(item.activity)
            for occurrence in item.occurrences:
                yield venue, item.activity.room, _range(occurrence), key


def _range(occurrence: Occurrence) -> Range:
    return Range(from_us(occurrence.start), from_us(occurrence.end))


class PostgresAgenda:
    """The bookings of one agenda in PostgreSQL, loaded by COPY and checked with one prepared query."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self._check: Any = None

    @classmethod
    @asynccontextmanager
    async def connect(cls, url: str) -> AsyncIterator[PostgresAgenda]:
        """Connect to ``url`` (an empty database of ours) and yield the agenda's tables there."""
        connection = await asyncpg.connect(plain_dsn(url))
        try:
            yield cls(connection)
        finally:
            await connection.close()

    async def load(self, held: Sequence[HeldActivity]) -> tuple[float, float]:
        """(Re)create the tables, COPY the bookings in, build the indexes; seconds for COPY and indexes."""
        await self.connection.execute(SCHEMA)
        started = time.perf_counter()
        await self.connection.copy_records_to_table(
            "area_bookings", records=area_rows(held), columns=["code", "during", "activity"]
        )
        await self.connection.copy_records_to_table(
            "venue_bookings", records=venue_rows(held), columns=["venue", "room", "during", "activity"]
        )
        copied = time.perf_counter()
        await self.connection.execute(INDEXES)
        self._check = await self.connection.prepare(CHECK)
        return copied - started, time.perf_counter() - copied

    async def rows(self) -> int:
        """Return the number of booking rows held."""
        count = await self.connection.fetchval(
            "SELECT (SELECT count(*) FROM area_bookings) + (SELECT count(*) FROM venue_bookings)"
        )
        return int(count)

    async def check(self, draft: Activity, occurrences: Sequence[Occurrence]) -> set[Found]:
        """Return the overlaps, same evenings and venue double bookings ``draft`` would take part in."""
        windows = [evening_window(occurrence) for occurrence in occurrences]
        codes = list(meeting_codes(draft.neighbourhoods)) if draft.is_participation else []
        records = await self._check.fetch(
            [from_us(o.start) for o in occurrences],
            [from_us(o.end) for o in occurrences],
            [from_us(w[0]) if w else None for w in windows],
            [from_us(w[1]) if w else None for w in windows],
            codes,
            draft.venue_id,
            draft.room,
            activity_text(draft),
        )
        return {
            (rule, to_us(start), other, to_us(other_start)) for rule, start, other, other_start in records
        }
