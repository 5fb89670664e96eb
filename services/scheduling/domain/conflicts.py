"""Conflicts as the domain holds them, and how they map onto the ``scheduling.conflicts`` contracts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from contracts import (
    RULE_SEVERITY,
    ActivityKind,
    ConflictDetected,
    ConflictingActivity,
    ConflictResolved,
    ConflictRule,
    Explanation,
    Severity,
    TargetGroup,
)
from scheduling.domain.activities import ActivityKey
from scheduling.domain.calendar import Reason


@dataclass(frozen=True, slots=True)
class Member:
    """One occurrence of an activity taking part in a conflict."""

    organisation: str
    activity_id: str
    occurrence_start: datetime
    occurrence_end: datetime
    kind: ActivityKind

    @property
    def key(self) -> ActivityKey:
        """The activity's identity."""
        return (self.organisation, self.activity_id)


@dataclass(frozen=True, slots=True)
class Conflict:
    """A detected conflict: the rule, the occurrences it joins and where and when it is."""

    conflict_id: str
    rule: ConflictRule
    members: tuple[Member, ...]
    neighbourhoods: tuple[str, ...]
    starts_at: datetime
    ends_at: datetime
    venue_id: str | None = None
    room: str | None = None
    target_group: TargetGroup | None = None
    iso_week: str | None = None
    reasons: tuple[Reason, ...] = ()
    facts: tuple[str, ...] = ()
    """What the venue rules compared, for the explanation: attendance and capacity, or opening hours."""

    @property
    def severity(self) -> Severity:
        """The rule's severity."""
        return RULE_SEVERITY[self.rule]

    @property
    def keys(self) -> frozenset[ActivityKey]:
        """The activities the conflict involves."""
        return frozenset(member.key for member in self.members)

    def involves(self, key: ActivityKey) -> bool:
        """Whether the activity ``key`` takes part in the conflict."""
        return any(member.key == key for member in self.members)

    def to_contract(self, explanation: Explanation, suggestions: Sequence[datetime] = ()) -> ConflictDetected:
        """Return the ``conflict.detected`` payload of this conflict."""
        return ConflictDetected(
            conflict_id=self.conflict_id,
            rule=self.rule,
            severity=self.severity,
            activities=[
                ConflictingActivity(
                    organisation=member.organisation,
                    activity_id=member.activity_id,
                    occurrence_start=member.occurrence_start,
                )
                for member in self.members
            ],
            neighbourhoods=list(self.neighbourhoods),
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            explanation=explanation,
            suggestions=list(suggestions),
            target_group=self.target_group,
            iso_week=self.iso_week,
            reasons=[reason.id for reason in self.reasons],
        )

    def to_resolved_contract(self, explanation: Explanation) -> ConflictResolved:
        """Return the ``conflict.resolved`` payload of this conflict."""
        return ConflictResolved(conflict_id=self.conflict_id, rule=self.rule, explanation=explanation)


@dataclass(frozen=True)
class ConflictChanges:
    """What one change to the agenda did to the open conflicts."""

    detected: list[Conflict] = field(default_factory=list)
    resolved: list[Conflict] = field(default_factory=list)
    changed: list[Conflict] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.detected or self.resolved or self.changed)


def diff(before: dict[str, Conflict], after: dict[str, Conflict]) -> ConflictChanges:
    """Compare two states by id: conflicts detected, resolved and changed (same id, new content)."""
    return ConflictChanges(
        detected=[after[cid] for cid in sorted(after.keys() - before.keys())],
        resolved=[before[cid] for cid in sorted(before.keys() - after.keys())],
        changed=[after[cid] for cid in sorted(after.keys() & before.keys()) if after[cid] != before[cid]],
    )
