"""iCalendar in and out: the agenda as an RFC 5545 feed, and partners' calendars read into activities."""

from scheduling.ical.export import calendar_of, uid_of
from scheduling.ical.imports import ImportResult, Problem, read_calendar
from scheduling.ical.mapping import FeedMapping, activity_id_of

__all__ = [
    "FeedMapping",
    "ImportResult",
    "Problem",
    "activity_id_of",
    "calendar_of",
    "read_calendar",
    "uid_of",
]
