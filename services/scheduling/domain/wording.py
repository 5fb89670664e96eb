"""Words for people, in Dutch and English, independent of the system locale."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from contracts import ActivityKind, TargetGroup
from scheduling.domain.clock import AMSTERDAM

DAYS = {
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
MONTHS = {
    "nl": (
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}
KINDS = {
    ActivityKind.CONSULTATION: ("inspraakavond", "consultation evening"),
    ActivityKind.INFORMATION_MEETING: ("informatiebijeenkomst", "information meeting"),
    ActivityKind.RESIDENTS_MEETING: ("bewonersbijeenkomst", "residents' meeting"),
    ActivityKind.WORKSHOP: ("workshop", "workshop"),
    ActivityKind.WALK: ("wijkschouw", "neighbourhood walk"),
    ActivityKind.OFFICE_HOURS: ("spreekuur", "office hours"),
    ActivityKind.SOCIAL: ("buurtactiviteit", "neighbourhood activity"),
    ActivityKind.SURVEY: ("enquête", "survey"),
}
GROUPS = {
    TargetGroup.ALL_RESIDENTS: ("alle bewoners", "all residents"),
    TargetGroup.TENANTS: ("huurders", "tenants"),
    TargetGroup.HOMEOWNERS: ("huiseigenaren", "homeowners"),
    TargetGroup.YOUTH: ("jongeren", "young people"),
    TargetGroup.SENIORS: ("ouderen", "older residents"),
    TargetGroup.PARENTS: ("ouders", "parents"),
    TargetGroup.ENTREPRENEURS: ("ondernemers", "entrepreneurs"),
    TargetGroup.NEWCOMERS: ("nieuwkomers", "newcomers"),
}
AND = {"nl": "en", "en": "and"}


def _index(language: str) -> int:
    return 0 if language == "nl" else 1


def long_date(moment: datetime, language: str) -> str:
    """``dinsdag 8 december 2026`` / ``Tuesday 8 December 2026`` in Europe/Amsterdam."""
    day = moment.astimezone(AMSTERDAM)
    return f"{DAYS[language][day.weekday()]} {day.day} {MONTHS[language][day.month - 1]} {day.year}"


def clock_time(moment: datetime) -> str:
    """``19:00`` in Europe/Amsterdam."""
    local = moment.astimezone(AMSTERDAM)
    return f"{local.hour:02d}:{local.minute:02d}"  # as strftime("%H:%M") gives it, at a tenth of the cost


def kind_name(kind: ActivityKind, language: str) -> str:
    """Return the name of an activity kind."""
    return KINDS[kind][_index(language)]


def group_name(group: TargetGroup, language: str) -> str:
    """Return the name of a target group."""
    return GROUPS[group][_index(language)]


def enumerate_words(words: Sequence[str], language: str) -> str:
    """Join words as ``a``, ``a en b``, ``a, b en c`` (or ``and``)."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {AND[language]} {words[-1]}"
