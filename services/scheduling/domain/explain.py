"""Plain explanations of conflicts for coordinators, in Dutch and English."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from contracts import ConflictRule, Explanation
from contracts.areas import Areas, load_areas
from scheduling.domain.conflicts import Conflict, Member
from scheduling.domain.wording import clock_time, enumerate_words, group_name, kind_name, long_date


@dataclass(frozen=True)
class Names:
    """How to name organisations, venues and neighbourhoods in sentences."""

    areas: Areas
    organisations: Mapping[str, str]
    venues: Mapping[str, str]

    def organisation(self, slug: str) -> str:
        """Return the display name of an organisation, else its slug."""
        return self.organisations.get(slug, slug)

    def venue(self, venue_id: str) -> str:
        """Return the display name of a venue, else its id."""
        return self.venues.get(venue_id, venue_id)

    def places(self, codes: tuple[str, ...], language: str) -> str:
        """Return the names of neighbourhoods, enumerated."""
        return enumerate_words([self.areas.name(code) for code in codes], language)


Sentence = Callable[[Conflict, Names, str], str]


def _names(
    areas: Areas | None, organisations: Mapping[str, str] | None, venues: Mapping[str, str] | None
) -> Names:
    return Names(areas or load_areas(), organisations or {}, venues or {})


def explain(
    conflict: Conflict,
    areas: Areas | None = None,
    organisations: Mapping[str, str] | None = None,
    venues: Mapping[str, str] | None = None,
) -> Explanation:
    """One sentence per language saying what collides, where and when."""
    names = _names(areas, organisations, venues)
    sentence = _DETECTED[conflict.rule]
    return Explanation(nl=sentence(conflict, names, "nl"), en=sentence(conflict, names, "en"))


def explain_resolved(
    conflict: Conflict,
    areas: Areas | None = None,
    organisations: Mapping[str, str] | None = None,
    venues: Mapping[str, str] | None = None,
) -> Explanation:
    """One sentence per language saying that a conflict no longer holds."""
    names = _names(areas, organisations, venues)
    sentence = _RESOLVED[conflict.rule]
    return Explanation(nl=sentence(conflict, names, "nl"), en=sentence(conflict, names, "en"))


def _in_time_order(conflict: Conflict) -> tuple[Member, Member]:
    first, second = sorted(
        conflict.members, key=lambda m: (m.occurrence_start, m.organisation, m.activity_id)
    )
    return first, second


def _span(member: Member, language: str) -> str:
    start, end = clock_time(member.occurrence_start), clock_time(member.occurrence_end)
    return f"van {start} tot {end}" if language == "nl" else f"from {start} to {end}"


def _overlap(conflict: Conflict, names: Names, language: str) -> str:
    a, b = _in_time_order(conflict)
    org_a, org_b = names.organisation(a.organisation), names.organisation(b.organisation)
    place, day = names.places(conflict.neighbourhoods, language), long_date(a.occurrence_start, language)
    same = a.kind == b.kind and (a.occurrence_start, a.occurrence_end) == (
        b.occurrence_start,
        b.occurrence_end,
    )
    if language == "nl":
        if same:
            return (
                f"{org_a} en {org_b} houden allebei een {kind_name(a.kind, 'nl')} in {place} op {day} "
                f"{_span(a, 'nl')}; bewoners kunnen niet bij beide zijn."
            )
        return (
            f"{org_a} houdt een {kind_name(a.kind, 'nl')} {_span(a, 'nl')} en {org_b} een "
            f"{kind_name(b.kind, 'nl')} {_span(b, 'nl')} in {place} op {day}; "
            "bewoners kunnen niet bij beide zijn."
        )
    if same:
        return (
            f"{org_a} and {org_b} both hold a {kind_name(a.kind, 'en')} in {place} on {day} "
            f"{_span(a, 'en')}; residents cannot attend both."
        )
    return (
        f"{org_a} holds a {kind_name(a.kind, 'en')} {_span(a, 'en')} and {org_b} a {kind_name(b.kind, 'en')} "
        f"{_span(b, 'en')} in {place} on {day}; residents cannot attend both."
    )


def _venue(conflict: Conflict, names: Names, language: str) -> str:
    venue = names.venue(conflict.venue_id) if conflict.venue_id else "?"
    room = conflict.room
    if room is None:
        return venue
    if room[:1].isdigit():  # a bare number or code: say it is a room
        room = f"zaal {room}" if language == "nl" else f"room {room}"
    return f"{room} van {venue}" if language == "nl" else f"{room} of {venue}"


def _double_booking(conflict: Conflict, names: Names, language: str) -> str:
    a, b = _in_time_order(conflict)
    org_a, org_b = names.organisation(a.organisation), names.organisation(b.organisation)
    venue, day = _venue(conflict, names, language), long_date(a.occurrence_start, language)
    if language == "nl":
        return (
            f"{org_a} en {org_b} hebben allebei {venue} geboekt op {day}, {_span(a, 'nl')} en "
            f"{_span(b, 'nl')}; de ruimte is dubbel geboekt."
        )
    return (
        f"{org_a} and {org_b} have both booked {venue} on {day}, {_span(a, 'en')} and {_span(b, 'en')}; "
        f"the room is double-booked."
    )


def _same_evening(conflict: Conflict, names: Names, language: str) -> str:
    a, b = _in_time_order(conflict)
    org_a, org_b = names.organisation(a.organisation), names.organisation(b.organisation)
    place, day = names.places(conflict.neighbourhoods, language), long_date(a.occurrence_start, language)
    at_a, at_b = clock_time(a.occurrence_start), clock_time(b.occurrence_start)
    if language == "nl":
        return (
            f"{org_a} ({kind_name(a.kind, 'nl')} om {at_a}) en {org_b} ({kind_name(b.kind, 'nl')} om {at_b}) "
            f"plannen allebei een avond in {place} op {day}; bewoners moeten kiezen."
        )
    return (
        f"{org_a} ({kind_name(a.kind, 'en')} at {at_a}) and {org_b} ({kind_name(b.kind, 'en')} at {at_b}) "
        f"both plan an evening in {place} on {day}; residents have to choose."
    )


def _week(conflict: Conflict, language: str) -> str:
    year, week = (conflict.iso_week or "0-W0").split("-W")
    return f"week {int(week)} van {year}" if language == "nl" else f"week {int(week)} of {year}"


def _overload(conflict: Conflict, names: Names, language: str) -> str:
    wijk, count = names.places(conflict.neighbourhoods, language), len(conflict.members)
    group = group_name(conflict.target_group, language) if conflict.target_group else "?"
    if language == "nl":
        return (
            f"In {wijk} staan in {_week(conflict, 'nl')} {count} participatiebijeenkomsten "
            f"voor {group} gepland; "
            f"dat is te veel voor één week."
        )
    return (
        f"In {wijk}, {count} participation meetings for {group} are planned in {_week(conflict, 'en')}; "
        f"that is too many for one week."
    )


def _unfavourable(conflict: Conflict, names: Names, language: str) -> str:
    (a,) = conflict.members
    org, kind = names.organisation(a.organisation), kind_name(a.kind, language)
    place, day = names.places(conflict.neighbourhoods, language), long_date(a.occurrence_start, language)
    if language == "nl":
        reasons = enumerate_words([reason.nl for reason in conflict.reasons], "nl")
        return f"{org} houdt een {kind} in {place} op {day} {_span(a, 'nl')}; dat valt op {reasons}."
    reasons = enumerate_words([reason.en for reason in conflict.reasons], "en")
    return f"{org} holds a {kind} in {place} on {day} {_span(a, 'en')}; that falls on {reasons}."


def _pair_resolved(conflict: Conflict, names: Names, language: str) -> str:
    a, b = _in_time_order(conflict)
    org_a, org_b = names.organisation(a.organisation), names.organisation(b.organisation)
    day = long_date(a.occurrence_start, language)
    if conflict.rule is ConflictRule.VENUE_DOUBLE_BOOKING:
        place = _venue(conflict, names, language)
    else:
        place = names.places(conflict.neighbourhoods, language)
    if language == "nl":
        return f"Opgelost: {org_a} en {org_b} zitten elkaar niet meer in de weg in {place} op {day}."
    return f"Resolved: {org_a} and {org_b} no longer clash in {place} on {day}."


def _overload_resolved(conflict: Conflict, names: Names, language: str) -> str:
    wijk = names.places(conflict.neighbourhoods, language)
    group = group_name(conflict.target_group, language) if conflict.target_group else "?"
    if language == "nl":
        week = _week(conflict, "nl")
        return f"Opgelost: in {wijk} staan in {week} niet meer te veel bijeenkomsten voor {group}."
    return f"Resolved: {wijk} no longer has too many meetings for {group} in {_week(conflict, 'en')}."


def _unfavourable_resolved(conflict: Conflict, names: Names, language: str) -> str:
    (a,) = conflict.members
    org, kind = names.organisation(a.organisation), kind_name(a.kind, language)
    day = long_date(a.occurrence_start, language)
    if language == "nl":
        return f"Opgelost: de {kind} van {org} op {day} valt niet meer op een ongunstige datum."
    return f"Resolved: the {kind} of {org} on {day} no longer falls on an unfavourable date."


def _where(conflict: Conflict, names: Names, language: str) -> str:
    return _venue(conflict, names, language)


def _room_capacity(conflict: Conflict, names: Names, language: str) -> str:
    (a,) = conflict.members
    org, kind = names.organisation(a.organisation), kind_name(a.kind, language)
    day = long_date(a.occurrence_start, language)
    attendance, capacity = conflict.facts
    place = _where(conflict, names, language)
    if language == "nl":
        return (
            f"{org} verwacht {attendance} mensen bij de {kind} op {day} in {place}, "
            f"maar daar passen er {capacity}; kies een grotere zaal."
        )
    return (
        f"{org} expects {attendance} people at the {kind} on {day} in {place}, "
        f"which holds {capacity}; choose a larger room."
    )


def _outside_opening_hours(conflict: Conflict, names: Names, language: str) -> str:
    (a,) = conflict.members
    org, kind = names.organisation(a.organisation), kind_name(a.kind, language)
    day, span = long_date(a.occurrence_start, language), _span(a, language)
    venue = names.venue(conflict.venue_id) if conflict.venue_id else "?"
    hours = enumerate_words(list(conflict.facts), language)
    if language == "nl":
        open_text = f"open van {hours}" if conflict.facts else "dan gesloten"
        return f"De {kind} van {org} op {day} {span} valt buiten de openingstijden van {venue} ({open_text})."
    open_text = f"open {hours}" if conflict.facts else "closed that day"
    return f"The {kind} of {org} on {day} {span} falls outside the opening hours of {venue} ({open_text})."


def _venue_fact_resolved(conflict: Conflict, names: Names, language: str) -> str:
    (a,) = conflict.members
    org, kind = names.organisation(a.organisation), kind_name(a.kind, language)
    day, venue = long_date(a.occurrence_start, language), _where(conflict, names, language)
    if language == "nl":
        return f"Opgelost: de {kind} van {org} op {day} past weer in {venue}."
    return f"Resolved: the {kind} of {org} on {day} fits {venue} again."


_DETECTED: dict[ConflictRule, Sentence] = {
    ConflictRule.NEIGHBOURHOOD_OVERLAP: _overlap,
    ConflictRule.VENUE_DOUBLE_BOOKING: _double_booking,
    ConflictRule.SAME_EVENING: _same_evening,
    ConflictRule.TARGET_GROUP_OVERLOAD: _overload,
    ConflictRule.UNFAVOURABLE_DATE: _unfavourable,
    ConflictRule.ROOM_CAPACITY: _room_capacity,
    ConflictRule.OUTSIDE_OPENING_HOURS: _outside_opening_hours,
}
_RESOLVED: dict[ConflictRule, Sentence] = {
    ConflictRule.NEIGHBOURHOOD_OVERLAP: _pair_resolved,
    ConflictRule.VENUE_DOUBLE_BOOKING: _pair_resolved,
    ConflictRule.SAME_EVENING: _pair_resolved,
    ConflictRule.TARGET_GROUP_OVERLOAD: _overload_resolved,
    ConflictRule.UNFAVOURABLE_DATE: _unfavourable_resolved,
    ConflictRule.ROOM_CAPACITY: _venue_fact_resolved,
    ConflictRule.OUTSIDE_OPENING_HOURS: _venue_fact_resolved,
}
