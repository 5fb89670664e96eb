"""Registered partner iCalendar feeds: storage, use cases, and the poller that publishes their changes.

Errors::

    ValueError
    └── FeedError             a feed that cannot be registered or found as asked
    RuntimeError
    └── FetchError            a calendar that could not be fetched (network, status, size)
"""

from scheduling.feeds.fetch import FetchError
from scheduling.feeds.poller import FeedPoller, PollOutcome
from scheduling.feeds.service import Changes, FeedError, add_feed, list_feeds, parse_interval, remove_feed

__all__ = [
    "Changes",
    "FeedError",
    "FeedPoller",
    "FetchError",
    "PollOutcome",
    "add_feed",
    "list_feeds",
    "parse_interval",
    "remove_feed",
]
