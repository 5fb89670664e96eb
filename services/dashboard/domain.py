"""The dashboard's rules: roles and what each may see, wijken, agenda periods and filters. No I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import cache

from contracts.areas import Areas, load_areas, wijk_of

ZUIDWEST = ("WK051836", "WK051834", "WK051833", "WK051835")
"""The wijken the dashboard offers, in the order people look for them."""
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


class Role(StrEnum):
    """What a person does in the Werkplaats."""

    OPERATIONS = "operations"
    COMMUNITY_BUILDER = "community_builder"
    COORDINATOR = "coordinator"


@dataclass(frozen=True)
class Person:
    """The signed-in person, as pages see them."""

    account_id: str
    username: str
    display_name: str
    role: Role
    centre_id: str | None
    organisation: str | None = None
    """The organisation they plan and report activities for (its slug), if any."""

    @property
    def is_operations(self) -> bool:
        """Whether they may act for operations (acknowledge conflicts)."""
        return self.role is Role.OPERATIONS

    def may_see_centre(self, centre_id: str) -> bool:
        """Coordinators see only their own centre; the others see every centre."""
        return self.role is not Role.COORDINATOR or self.centre_id == centre_id

    def may_see_conflict_at(self, venues: Iterable[str]) -> bool:
        """Coordinators see the conflicts at their centre; the others see every conflict."""
        return self.role is not Role.COORDINATOR or (self.centre_id or "") in set(venues)


@cache
def areas() -> Areas:
    """The wijken and buurten with their names (``contracts.areas``)."""
    return load_areas()


def wijken() -> dict[str, str]:
    """The Zuidwest wijken by code, with their names."""
    return {code: areas().name(code) for code in ZUIDWEST}


def buurten() -> dict[str, str]:
    """The buurten of the Zuidwest wijken by code, with their names."""
    return {code: areas().name(code) for wijk in ZUIDWEST for code in areas().buurten_of(wijk)}


def wijken_of(codes: Iterable[str]) -> list[str]:
    """The wijken of wijk or buurt ``codes``, sorted and without repeats."""
    return sorted({wijk_of(code) for code in codes})


@dataclass(frozen=True)
class Period:
    """A week (Monday to Sunday) or a calendar month."""

    view: str
    first: date
    after_last: date

    @classmethod
    def around(cls, view: str, day: date) -> Period:
        """The week or month (``maand``) containing ``day``."""
        if view == "maand":
            first = day.replace(day=1)
            return cls("maand", first, (first + timedelta(days=32)).replace(day=1))
        monday = day - timedelta(days=day.weekday())
        return cls("week", monday, monday + timedelta(days=7))

    def previous(self) -> date:
        """A day of the period before."""
        return self.first - timedelta(days=1)

    def days(self) -> list[date]:
        """Every day of the period."""
        return [self.first + timedelta(days=n) for n in range((self.after_last - self.first).days)]

    def weeks(self) -> list[list[date | None]]:
        """The period as calendar rows of seven days, Monday first (None outside the period)."""
        rows: list[list[date | None]] = []
        row: list[date | None] = [None] * self.first.weekday()
        for day in self.days():
            row.append(day)
            if len(row) == 7:
                rows.append(row)
                row = []
        if row:
            rows.append(row + [None] * (7 - len(row)))
        return rows


@dataclass(frozen=True)
class AgendaFilter:
    """Which part of the agenda to show: one wijk, optionally one organisation, kind and target group."""

    wijk: str
    organisation: str | None = None
    kind: str | None = None
    group: str | None = None

    def query(self) -> dict[str, str]:
        """The filter as (Dutch) query parameters."""
        values = {
            "wijk": self.wijk,
            "organisatie": self.organisation,
            "soort": self.kind,
            "groep": self.group,
        }
        return {name: value for name, value in values.items() if value}

    def admits(self, organisation: str, kind: str, wijken: Iterable[str], groups: Iterable[str]) -> bool:
        """Whether an activity with these properties passes; ``all_residents`` counts for every group."""
        if self.wijk not in set(wijken):
            return False
        if self.organisation and organisation != self.organisation:
            return False
        if self.kind and kind != self.kind:
            return False
        targeted = set(groups)
        return not self.group or self.group in targeted or "all_residents" in targeted
