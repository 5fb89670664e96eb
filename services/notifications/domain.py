"""Pure rules of notifications: who gets what, holding back flapping conflicts, digests and retries."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from contracts import Channel, RecipientKind, Severity
from contracts.areas import meets, wijk_of

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DETECTED = "conflict.detected"
RESOLVED = "conflict.resolved"
ACKNOWLEDGED = "conflict.acknowledged"
DIGEST = "digest"
REPORT_DUE = "reach.report_due"
PROMISE_OVERDUE = "reach.promise_overdue"
EVENT_TYPES = (DETECTED, RESOLVED, ACKNOWLEDGED)
REACH_EVENT_TYPES = (REPORT_DUE, PROMISE_OVERDUE)
NO_WIJK = "-"
"""The digest group of items that name no neighbourhood (reach reminders and flags)."""

_RANK = {Severity.LOW: 0, Severity.MEDIUM: 1, Severity.HIGH: 2}


class NotificationsError(Exception):
    """Root of the notifications service's own errors."""


class Mode(StrEnum):
    """When a subscriber hears: at once, or in a daily digest."""

    IMMEDIATE = "immediate"
    DIGEST = "digest"


@dataclass(frozen=True)
class Subscription:
    """Who (an e-mail address or a webhook), what (filters) and how (immediately or a daily digest)."""

    subscription_id: str
    email: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    event_types: frozenset[str] = frozenset(EVENT_TYPES[:2])
    min_severity: Severity = Severity.LOW
    neighbourhoods: frozenset[str] = frozenset()
    organisations: frozenset[str] = frozenset()
    mode: Mode = Mode.IMMEDIATE
    digest_at: time | None = None


@dataclass(frozen=True)
class OrganisationContact:
    """How an organisation involved in a conflict is reached: its webhook if registered, else its e-mail."""

    slug: str
    email: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None


@dataclass(frozen=True)
class ConflictFacts:
    """What the notification rules need to know about a conflict."""

    conflict_id: str
    severity: Severity
    neighbourhoods: tuple[str, ...]
    organisations: tuple[str, ...]


@dataclass(frozen=True)
class Recipient:
    """One destination of one announcement."""

    kind: RecipientKind
    ref: str
    channel: Channel
    address: str
    digest_subscription: str | None = None
    """Set when the recipient collects this in a digest instead of hearing at once."""
    secret: str | None = field(default=None, repr=False, compare=False)
    """The webhook's signing secret as read with the decision (never stored with a delivery)."""


def covers(subscribed: Iterable[str], concerned: Iterable[str]) -> bool:
    """Whether subscribed neighbourhoods meet concerned ones (a wijk covers its buurten, both ways)."""
    wanted = tuple(subscribed)
    return any(meets(code, want) for code in concerned for want in wanted)


def matches(subscription: Subscription, facts: ConflictFacts, event_type: str) -> bool:
    """Whether ``subscription`` wants to hear about ``event_type`` of this conflict."""
    if event_type not in subscription.event_types:
        return False
    if _RANK[facts.severity] < _RANK[subscription.min_severity]:
        return False
    if subscription.neighbourhoods and not covers(subscription.neighbourhoods, facts.neighbourhoods):
        return False
    return not subscription.organisations or bool(subscription.organisations & set(facts.organisations))


def subscriber_recipient(subscription: Subscription) -> Recipient:
    """The destination of a subscription."""
    digest = subscription.subscription_id if subscription.mode is Mode.DIGEST else None
    ref = f"subscription:{subscription.subscription_id}"
    if subscription.webhook_url:
        return Recipient(
            RecipientKind.SUBSCRIPTION,
            ref,
            Channel.WEBHOOK,
            subscription.webhook_url,
            digest,
            secret=subscription.webhook_secret,
        )
    return Recipient(RecipientKind.SUBSCRIPTION, ref, Channel.EMAIL, subscription.email or "", digest)


def organisation_recipient(contact: OrganisationContact) -> Recipient | None:
    """How an involved organisation is told, or None when it has no address."""
    ref = f"organisation:{contact.slug}"
    if contact.webhook_url:
        return Recipient(
            RecipientKind.ORGANISATION,
            ref,
            Channel.WEBHOOK,
            contact.webhook_url,
            secret=contact.webhook_secret,
        )
    if contact.email:
        return Recipient(RecipientKind.ORGANISATION, ref, Channel.EMAIL, contact.email)
    return None


def recipients_for(
    facts: ConflictFacts,
    event_type: str,
    subscriptions: Iterable[Subscription],
    contacts: dict[str, OrganisationContact],
) -> list[Recipient]:
    """Everyone to tell about ``event_type`` of a conflict: matching subscribers and the organisations."""
    found = [subscriber_recipient(s) for s in subscriptions if matches(s, facts, event_type)]
    if event_type in (DETECTED, RESOLVED):
        for slug in dict.fromkeys(facts.organisations):
            recipient = organisation_recipient(contacts.get(slug, OrganisationContact(slug)))
            if recipient is not None:
                found.append(recipient)
    return found


# --- flapping ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Announcement:
    """Tell the recipients a conflict's state: number ``seq`` of its announcements."""

    seq: int
    event_type: str
    follow_up: bool


@dataclass(frozen=True)
class ConflictState:
    """What the recipients were last told about a conflict, and what is true now."""

    announced: str | None = None
    actual: str | None = None
    seq: int = 0
    quiet_until: datetime | None = None
    follow_up_due: datetime | None = None


def observe(
    state: ConflictState, event_type: str, now: datetime, quiet: timedelta
) -> tuple[ConflictState, Announcement | None]:
    """Take in a detected or resolved event: announce at once, or hold it back for one follow-up.

    The first detection is announced at once. Within the quiet period after an announcement, changes
    are not sent; if the state at its end differs from the one announced, one follow-up tells it.
    """
    state = dataclasses.replace(state, actual=event_type)
    if state.announced is None and event_type != DETECTED:
        return state, None
    if state.quiet_until is None or now >= state.quiet_until:
        if state.announced == event_type:
            return dataclasses.replace(state, follow_up_due=None), None
        return _announce(state, now, quiet, follow_up=False)
    if state.announced == event_type:
        return dataclasses.replace(state, follow_up_due=None), None
    return dataclasses.replace(state, follow_up_due=state.quiet_until), None


def follow_up(
    state: ConflictState, now: datetime, quiet: timedelta
) -> tuple[ConflictState, Announcement | None]:
    """At the end of the quiet period: announce the current state if it differs from the one told."""
    if state.follow_up_due is None or now < state.follow_up_due:
        return state, None
    if state.actual is None or state.actual == state.announced:
        return dataclasses.replace(state, follow_up_due=None), None
    return _announce(state, now, quiet, follow_up=True)


def _announce(
    state: ConflictState, now: datetime, quiet: timedelta, *, follow_up: bool
) -> tuple[ConflictState, Announcement]:
    assert state.actual is not None
    seq = state.seq + 1
    new = ConflictState(state.actual, state.actual, seq, now + quiet, None)
    return new, Announcement(seq, state.actual, follow_up)


# --- digests -----------------------------------------------------------------------------------------


def last_digest_moment(at: time, now: datetime) -> datetime:
    """The latest moment (UTC) at or before ``now`` when a digest at ``at`` (Amsterdam time) was due.

    As in RFC 5545, a time the clocks skip counts with the offset before the gap (02:30 on the day
    summer time starts is 03:30 summer time) and a time that occurs twice counts once, the first time.
    """
    instant = now.astimezone(UTC)  # datetimes sharing a zone compare by wall clock, so compare in UTC
    today = now.astimezone(AMSTERDAM).date()
    due = _utc_moment(today, at)
    if due > instant:
        due = _utc_moment(today - timedelta(days=1), at)
    return due


def _utc_moment(day: date, at: time) -> datetime:
    """``at`` (Amsterdam wall clock, first occurrence) on ``day``, in UTC."""
    return datetime.combine(day, at, tzinfo=AMSTERDAM).astimezone(UTC)


@dataclass(frozen=True)
class DigestItem:
    """One announcement collected for a digest: of a conflict, or a reach alert about an activity."""

    conflict_id: str | None
    event_type: str
    severity: Severity
    neighbourhoods: tuple[str, ...]
    explanation_nl: str
    explanation_en: str
    starts_at: datetime
    activity: str | None = None
    """``organisation/activity_id`` of a reach alert."""


@dataclass(frozen=True)
class DigestGroup:
    """The items of one wijk and one severity, in time order."""

    wijk: str
    severity: Severity
    items: tuple[DigestItem, ...] = field(default_factory=tuple)


def group_digest(items: Sequence[DigestItem]) -> list[DigestGroup]:
    """Group items by wijk (of their first neighbourhood), then severity high → low, items by start.

    Items that name no neighbourhood (reach reminders) form one group of their own, first.
    """
    groups: dict[tuple[str, Severity], list[DigestItem]] = {}
    unplaced = [item for item in items if not item.neighbourhoods]
    if unplaced:  # one group for items that name no neighbourhood, at the highest severity among them
        groups[(NO_WIJK, max((i.severity for i in unplaced), key=_RANK.__getitem__))] = unplaced
    for item in items:
        if item.neighbourhoods:
            groups.setdefault((wijk_of(item.neighbourhoods[0]), item.severity), []).append(item)
    ordered = sorted(groups, key=lambda key: (key[0], -_RANK[key[1]]))
    return [
        DigestGroup(wijk, severity, tuple(sorted(groups[(wijk, severity)], key=lambda i: i.starts_at)))
        for wijk, severity in ordered
    ]


def digest_day(moment: datetime) -> date:
    """The Amsterdam date a digest moment belongs to."""
    return moment.astimezone(AMSTERDAM).date()


# --- retries -----------------------------------------------------------------------------------------


def retry_delay(attempt: int, base_s: float, cap_s: float, rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter: between half and all of ``base · 2^(attempt-1)``, capped."""
    ceiling = min(cap_s, base_s * 2 ** max(0, attempt - 1))
    jitter: float = (rng or random).random()
    return float(ceiling * (0.5 + 0.5 * jitter))
