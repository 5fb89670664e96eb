"""The five conflict rules as pure predicates, and the builders of the conflicts they find."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time, timedelta

from contracts import ConflictRule, TargetGroup
from contracts.areas import shared_codes, wijk_of
from scheduling.domain.activities import Activity
from scheduling.domain.calendar import Reason
from scheduling.domain.clock import Occurrence, evening_window, from_us, local, local_us, overlaps
from scheduling.domain.conflicts import Conflict, Member
from scheduling.domain.identity import occurrences_id, overload_id

PAIR_RULES = frozenset(
    {ConflictRule.NEIGHBOURHOOD_OVERLAP, ConflictRule.VENUE_DOUBLE_BOOKING, ConflictRule.SAME_EVENING}
)
ALL_RULES = frozenset(ConflictRule)
HIGH_AND_MEDIUM = ALL_RULES - {ConflictRule.UNFAVOURABLE_DATE}
DEFAULT_OVERLOAD_THRESHOLD = 3
MIDNIGHT = time(0, 0)


def rooms_clash(room_a: str | None, room_b: str | None) -> bool:
    """Tell whether rooms clash: the same room, or one booking without a room (it blocks every room)."""
    return room_a is None or room_b is None or room_a == room_b


def same_evening(a: Occurrence, b: Occurrence) -> bool:
    """Both start on the same local date at or after 17:00 and they do not overlap."""
    window = evening_window(a)
    return window is not None and window[0] <= b.start < window[1] and not overlaps(a, b)


def venue_clash(a: Activity, b: Activity) -> bool:
    """Tell whether two bookings clash: same venue id and clashing rooms (time is judged apart)."""
    return a.venue_id is not None and a.venue_id == b.venue_id and rooms_clash(a.room, b.room)


def counts_for(groups: frozenset[TargetGroup], group: TargetGroup) -> bool:
    """Whether an occurrence for ``groups`` counts for ``group`` (it names it, or all residents)."""
    return group in groups or TargetGroup.ALL_RESIDENTS in groups


def member(activity: Activity, occurrence: Occurrence) -> Member:
    """Return the conflict member for one occurrence of an activity."""
    return Member(
        activity.organisation, activity.activity_id, occurrence.starts_at, occurrence.ends_at, activity.kind
    )


def pair_conflict(
    rule: ConflictRule, a: Activity, occurrence_a: Occurrence, b: Activity, occurrence_b: Occurrence
) -> Conflict:
    """Return the conflict of ``rule`` between two occurrences; symmetric in its two sides."""
    members = tuple(sorted((member(a, occurrence_a), member(b, occurrence_b)), key=_member_order))
    if rule is ConflictRule.VENUE_DOUBLE_BOOKING:
        neighbourhoods = tuple(sorted(set(a.neighbourhoods) | set(b.neighbourhoods)))
    else:
        neighbourhoods = shared_codes(a.neighbourhoods, b.neighbourhoods)
    is_venue = rule is ConflictRule.VENUE_DOUBLE_BOOKING
    return Conflict(
        conflict_id=occurrences_id(
            rule, [(m.organisation, m.activity_id, m.occurrence_start) for m in members]
        ),
        rule=rule,
        members=members,
        neighbourhoods=neighbourhoods,
        starts_at=from_us(min(occurrence_a.start, occurrence_b.start)),
        ends_at=from_us(max(occurrence_a.end, occurrence_b.end)),
        venue_id=a.venue_id if is_venue else None,
        room=a.room if is_venue and a.room == b.room else None,
    )


def unfavourable_conflict(
    activity: Activity, occurrence: Occurrence, reasons: tuple[Reason, ...]
) -> Conflict:
    """Return the unfavourable-date conflict of one occurrence, naming every reason."""
    only = member(activity, occurrence)
    return Conflict(
        conflict_id=occurrences_id(
            ConflictRule.UNFAVOURABLE_DATE, [(only.organisation, only.activity_id, only.occurrence_start)]
        ),
        rule=ConflictRule.UNFAVOURABLE_DATE,
        members=(only,),
        neighbourhoods=activity.neighbourhoods,
        starts_at=occurrence.starts_at,
        ends_at=occurrence.ends_at,
        reasons=reasons,
    )


def iso_week_text(year: int, week: int) -> str:
    """Return an ISO week as ``2026-W48``."""
    return f"{year}-W{week:02d}"


def overload_conflict(
    wijk: str, group: TargetGroup, week: tuple[int, int], members: Iterable[tuple[Activity, Occurrence]]
) -> Conflict:
    """Return the overload of ``group`` in ``wijk`` in ISO ``week``, listing the occurrences that count."""
    text = iso_week_text(*week)
    monday = date.fromisocalendar(week[0], week[1], 1)
    return Conflict(
        conflict_id=overload_id(wijk, group, text),
        rule=ConflictRule.TARGET_GROUP_OVERLOAD,
        members=tuple(sorted((member(a, o) for a, o in members), key=_member_order)),
        neighbourhoods=(wijk,),
        starts_at=from_us(local_us(monday, MIDNIGHT)),
        ends_at=from_us(local_us(monday + timedelta(days=7), MIDNIGHT)),
        target_group=group,
        iso_week=text,
    )


def wijken_of(activity: Activity) -> frozenset[str]:
    """Return the wijken an activity's neighbourhoods lie in."""
    return frozenset(wijk_of(code) for code in activity.neighbourhoods)


def local_date(occurrence: Occurrence) -> date:
    """Return the Europe/Amsterdam date an occurrence starts on."""
    return local(occurrence.start).date()


def _member_order(m: Member) -> tuple[str, str, object]:
    return (m.organisation, m.activity_id, m.occurrence_start)
