"""Pure conflict detection of the shared agenda: activities in, conflicts (with a diff) out; no I/O.

Errors::

    SchedulingError               root of the scheduling service's errors (also ValueError below)
    └── InvalidActivityError      an activity that cannot be scheduled as given (times, recurrence)
"""

from contracts.areas import Areas, load_areas, meets, shared_codes, shared_wijken, wijk_of
from scheduling.domain.activities import (
    Activity,
    ActivityKey,
    InvalidActivityError,
    Override,
    content_hash,
    payload_hash,
)
from scheduling.domain.agenda import Agenda, HeldActivity
from scheduling.domain.calendar import CalendarEntry, Reason, UnfavourableCalendar, load_calendar
from scheduling.domain.clock import AMSTERDAM, Occurrence
from scheduling.domain.conflicts import Conflict, ConflictChanges, Member
from scheduling.domain.errors import SchedulingError
from scheduling.domain.explain import explain, explain_resolved
from scheduling.domain.occurrences import DEFAULT_HORIZON, MAX_OCCURRENCES, check_series, expand
from scheduling.domain.rules import DEFAULT_OVERLOAD_THRESHOLD
from scheduling.domain.suggestions import most_recent_member, suggest_alternatives
from scheduling.domain.zones import owner_zone, rules_of_zone, zones_of, zones_to_notify

__all__ = [
    "AMSTERDAM",
    "DEFAULT_HORIZON",
    "DEFAULT_OVERLOAD_THRESHOLD",
    "MAX_OCCURRENCES",
    "Activity",
    "ActivityKey",
    "Agenda",
    "Areas",
    "CalendarEntry",
    "Conflict",
    "ConflictChanges",
    "HeldActivity",
    "InvalidActivityError",
    "Member",
    "Occurrence",
    "Override",
    "Reason",
    "SchedulingError",
    "UnfavourableCalendar",
    "check_series",
    "content_hash",
    "expand",
    "explain",
    "explain_resolved",
    "load_areas",
    "load_calendar",
    "meets",
    "most_recent_member",
    "owner_zone",
    "payload_hash",
    "rules_of_zone",
    "shared_codes",
    "shared_wijken",
    "suggest_alternatives",
    "wijk_of",
    "zones_of",
    "zones_to_notify",
]
