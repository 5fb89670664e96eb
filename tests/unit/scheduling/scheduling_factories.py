"""Builders shared by the scheduling tests: activities, times and agendas in a few words."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from contracts import ActivityKind, TargetGroup
from scheduling.domain import AMSTERDAM, Activity, Agenda, UnfavourableCalendar

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
MOERWIJK = "WK051836"
MOERWIJK_OOST = "BU05183620"
MOERWIJK_WEST = "BU05183637"
MORGENSTOND = "WK051834"
MORGENSTOND_ZUID = "BU05183480"
CONSULTATION = ActivityKind.CONSULTATION
TENANTS = TargetGroup.TENANTS
ALL = TargetGroup.ALL_RESIDENTS


def at(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    """Europe/Amsterdam wall-clock time."""
    return datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM)


def activity(
    activity_id: str,
    start: datetime,
    hours: float = 2,
    *,
    org: str = "staedion",
    kind: ActivityKind = CONSULTATION,
    codes: Iterable[str] = (MOERWIJK_OOST,),
    groups: Iterable[TargetGroup] = (TENANTS,),
    venue: str | None = None,
    room: str | None = None,
    rrule: str | None = None,
) -> Activity:
    """An activity with sensible defaults: a consultation for tenants in Moerwijk-Oost."""
    return Activity(
        organisation=org,
        activity_id=activity_id,
        kind=kind,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        neighbourhoods=tuple(codes),
        target_groups=frozenset(groups),
        recurrence=rrule,
        venue_id=venue,
        room=room,
    )


def quiet_calendar() -> UnfavourableCalendar:
    """A calendar without any unfavourable date, so tests of other rules see only those rules."""
    return UnfavourableCalendar((), public_holidays=False)


def agenda(*activities: Activity, **options: object) -> Agenda:
    """An agenda with a quiet calendar holding ``activities`` (published in order at NOW)."""
    options.setdefault("calendar", quiet_calendar())
    result = Agenda(**options)  # type: ignore[arg-type]
    for item in activities:
        result.upsert(item, NOW)
    return result


def rules_of(target: Agenda) -> list[str]:
    """The rules of the open conflicts, sorted."""
    return sorted(conflict.rule.value for conflict in target.open_conflicts().values())
