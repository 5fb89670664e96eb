"""Deterministic conflict ids: a short SHA-256 of the rule and what the conflict joins."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime

from contracts import ConflictRule, TargetGroup

PREFIXES: dict[ConflictRule, str] = {
    ConflictRule.NEIGHBOURHOOD_OVERLAP: "nbo",
    ConflictRule.VENUE_DOUBLE_BOOKING: "vdb",
    ConflictRule.SAME_EVENING: "sev",
    ConflictRule.TARGET_GROUP_OVERLOAD: "tgo",
    ConflictRule.UNFAVOURABLE_DATE: "unf",
    ConflictRule.ROOM_CAPACITY: "cap",
    ConflictRule.OUTSIDE_OPENING_HOURS: "opn",
}
OccurrenceRef = tuple[str, str, datetime]
"""``(organisation, activity_id, occurrence_start)``."""


def _digest(rule: ConflictRule, parts: Iterable[str]) -> str:
    text = "\x1f".join((rule.value, *parts))
    return f"{PREFIXES[rule]}-{hashlib.sha256(text.encode()).hexdigest()[:24]}"


def utc_text(moment: datetime) -> str:
    """Return a moment as a fixed-format UTC text, the same in every process."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def occurrences_id(rule: ConflictRule, refs: Iterable[OccurrenceRef]) -> str:
    """Return the id of a conflict joining occurrences (pair rules, unfavourable date)."""
    parts = sorted(f"{org}\x1e{activity_id}\x1e{utc_text(start)}" for org, activity_id, start in refs)
    return _digest(rule, parts)


def overload_id(wijk: str, group: TargetGroup, iso_week: str) -> str:
    """Return the id of the target-group overload of ``group`` in ``wijk`` in ``iso_week``."""
    return _digest(ConflictRule.TARGET_GROUP_OVERLOAD, (wijk, group.value, iso_week))
