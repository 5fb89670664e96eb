"""Alternative start times for the most recently published activity of a high-severity conflict."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from itertools import islice

from contracts import ConflictRule, Severity
from scheduling.domain.activities import Activity
from scheduling.domain.agenda import Agenda
from scheduling.domain.clock import AMSTERDAM, Occurrence, to_us
from scheduling.domain.conflicts import Conflict, Member
from scheduling.domain.rules import HIGH_AND_MEDIUM

DEFAULT_WINDOW = timedelta(days=14)


def most_recent_member(agenda: Agenda, conflict: Conflict) -> Member | None:
    """Return the member whose activity the agenda saw published last (None if it holds none)."""
    held = [(agenda.get(member.key), member) for member in conflict.members]
    known = [(entry.sequence, member) for entry, member in held if entry is not None]
    return max(known, key=lambda pair: pair[0])[1] if known else None


def suggest_alternatives(
    agenda: Agenda, conflict: Conflict, now: datetime, *, limit: int = 3, window: timedelta = DEFAULT_WINDOW
) -> list[datetime]:
    """Return up to ``limit`` alternative start times for the most recently published member.

    Same wall-clock time and duration, within ``window`` after the occurrence, after ``now``, causing no high
    or medium conflict on the agenda; dates that are not unfavourable are preferred.
    """
    if conflict.severity is not Severity.HIGH:
        return []
    mover = most_recent_member(agenda, conflict)
    entry = agenda.get(mover.key) if mover else None
    if mover is None or entry is None:
        return []
    ranked = _ranked(agenda, mover, _candidates(mover, now, window))
    free = (start for start in ranked if _is_free(agenda, entry.activity, mover, start, now))
    return sorted(islice(free, limit))  # the best ``limit`` free starts: only as many checks as it takes


def _ranked(agenda: Agenda, mover: Member, candidates: list[datetime]) -> Iterator[datetime]:
    """The candidates (in time order) whose date is not unfavourable first, then the others, in time order.

    Lazily: a date is judged only when the candidates before it did not give enough free starts.
    """
    unfavourable = []
    for start in candidates:
        if _unfavourable(agenda, mover, start):
            unfavourable.append(start)
        else:
            yield start
    yield from unfavourable


def _candidates(mover: Member, now: datetime, window: timedelta) -> list[datetime]:
    original = mover.occurrence_start.astimezone(AMSTERDAM)
    starts = (
        datetime.combine(original.date() + timedelta(days=days), original.time(), tzinfo=AMSTERDAM)
        for days in range(1, window.days + 1)
    )
    return [start for start in starts if start > now]


def _draft(activity: Activity, mover: Member, start: datetime) -> Activity:
    """The moved occurrence as a single activity of its own (one copy: each runs the checks of a new one)."""
    return replace(
        activity,
        activity_id=f"{activity.activity_id}:alternative" if activity.is_series else activity.activity_id,
        starts_at=start,
        ends_at=start + (mover.occurrence_end - mover.occurrence_start),
        recurrence=None,
        exdates=(),
        rdates=(),
        overrides=(),
    )


def _is_free(agenda: Agenda, activity: Activity, mover: Member, start: datetime, now: datetime) -> bool:
    draft = _draft(activity, mover, start)
    found = agenda.draft_conflicts(draft, now, rules=HIGH_AND_MEDIUM)
    return not any(_blocks(agenda, conflict, mover) for conflict in found)  # the first that blocks ends it


def _blocks(agenda: Agenda, conflict: Conflict, mover: Member) -> bool:
    """Whether a conflict stands once the moved occurrence has left its original place."""
    if mover not in conflict.members:
        return True
    if conflict.rule is ConflictRule.TARGET_GROUP_OVERLOAD:
        return len(conflict.members) - 1 > agenda.overload_threshold
    return False


def _unfavourable(agenda: Agenda, mover: Member, start: datetime) -> bool:
    end = start + (mover.occurrence_end - mover.occurrence_start)
    return bool(agenda.calendar.reasons(Occurrence(to_us(start), to_us(end))))
