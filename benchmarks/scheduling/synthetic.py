"""Synthetic agendas of realistic density: many fresh wijken (``WK9ddddd``), venues with rooms, series."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from contracts import ActivityKind, TargetGroup
from contracts.activities import PARTICIPATION_KINDS
from scheduling.domain import AMSTERDAM, Activity, wijk_of

ACTIVITIES_PER_WIJK = 500
BUURTEN_PER_WIJK = 4
VENUES_PER_WIJK = 5
RECURRING_SHARE = 0.10
VENUE_SHARE = 0.30
KINDS = tuple(ActivityKind)
PARTICIPATION = tuple(sorted(PARTICIPATION_KINDS))
GROUPS = tuple(TargetGroup)
ROOMS = (None, "A", "B", "C")


def wijk_code(number: int) -> str:
    """Return the synthetic wijk code of ``number``: ``WK9`` and five digits (no real municipality)."""
    return f"WK9{number:05d}"


def buurt_codes(wijk: str) -> tuple[str, ...]:
    """Return the four buurt codes of a synthetic wijk (``BU9ddddd01`` to ``04``)."""
    return tuple(f"BU{wijk[2:]}{n:02d}" for n in range(1, BUURTEN_PER_WIJK + 1))


def meeting_codes(codes: tuple[str, ...]) -> tuple[str, ...]:
    """Return every code that meets one of ``codes``: a buurt meets its wijk, a wijk meets its buurten."""
    found: set[str] = set()
    for code in codes:
        found.add(code)
        found.update(buurt_codes(code) if code.startswith("WK") else (wijk_of(code),))
    return tuple(sorted(found))


@dataclass(frozen=True)
class World:
    """Where and when synthetic activities happen: ``wijken`` fresh wijken from ``first_wijk``, a year on."""

    wijken: int
    start: date
    first_wijk: int = 0

    @classmethod
    def for_size(cls, activities: int, start: date, first_wijk: int = 0) -> World:
        """Return a world with about one wijk per 500 activities."""
        return cls(max(1, activities // ACTIVITIES_PER_WIJK), start, first_wijk)

    def wijk(self, index: int) -> str:
        """Return the code of the ``index``-th wijk of this world."""
        return wijk_code(self.first_wijk + index)

    def activity(
        self,
        rng: random.Random,
        activity_id: str,
        *,
        organisation: str | None = None,
        kinds: tuple[ActivityKind, ...] = KINDS,
        venue_share: float = VENUE_SHARE,
    ) -> Activity:
        """Return a random activity: mostly one buurt, sometimes two or the whole wijk; 10% weekly series."""
        wijk_index = rng.randrange(self.wijken)
        starts_at = self._start(rng)
        venue = self._venue(rng, wijk_index) if rng.random() < venue_share else None
        return Activity(
            organisation=organisation or f"org-{rng.randrange(50)}",
            activity_id=activity_id,
            kind=rng.choice(kinds),
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=rng.choice((60, 90, 120, 180))),
            neighbourhoods=self._codes(rng, self.wijk(wijk_index)),
            target_groups=frozenset(rng.sample(GROUPS, rng.choice((1, 1, 2)))),
            recurrence=f"FREQ=WEEKLY;COUNT={rng.randint(2, 10)}" if rng.random() < RECURRING_SHARE else None,
            venue_id=venue[0] if venue else None,
            room=venue[1] if venue else None,
        )

    def agenda(self, size: int, seed: int) -> Iterator[Activity]:
        """Yield ``size`` random activities of mixed kinds."""
        rng = random.Random(seed)
        return (self.activity(rng, f"a{index}") for index in range(size))

    def drafts(self, count: int, seed: int) -> list[Activity]:
        """Return ``count`` random participation drafts (the check's real work) of a new organisation."""
        rng = random.Random(seed)
        return [
            self.activity(rng, f"draft{index}", organisation="draft-org", kinds=PARTICIPATION)
            for index in range(count)
        ]

    def _start(self, rng: random.Random) -> datetime:
        day = self.start + timedelta(days=rng.randrange(1, 365))
        return datetime.combine(day, time(rng.randrange(9, 22), rng.choice((0, 30))), tzinfo=AMSTERDAM)

    def _venue(self, rng: random.Random, wijk_index: int) -> tuple[str, str | None]:
        number = (self.first_wijk + wijk_index) * VENUES_PER_WIJK + rng.randrange(VENUES_PER_WIJK)
        has_rooms = number % 2 == 0
        return f"venue-{number}", rng.choice(ROOMS) if has_rooms else None

    def _codes(self, rng: random.Random, wijk: str) -> tuple[str, ...]:
        draw = rng.random()
        if draw < 0.05:
            return (wijk,)
        buurten = buurt_codes(wijk)
        return tuple(rng.sample(buurten, 2)) if draw < 0.10 else (rng.choice(buurten),)
