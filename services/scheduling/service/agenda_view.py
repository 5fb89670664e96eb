"""The agenda view: the whole shared agenda in memory, followed from ``scheduling.agenda`` by every instance.

It answers the HTTP API's questions without a database: what is on the agenda, and which conflicts a
draft would take part in. Every instance reads all partitions of the compacted topic from the beginning
(no consumer group), then follows it. The reading happens in the background: the service consumes at
once, and only what needs the view waits until ``loading`` is over. A record is only kept (by its key,
the latest one wins) as it is read: the history is decoded and held once it has been read to its end,
each activity once however often the topic's uncompacted part holds it, and while following a record is
decoded and held when the API next asks, so a burst of events costs the view next to nothing unless
someone reads the agenda.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias

import structlog
from aiokafka import ConsumerRecord

from contracts import (
    ActivityPublished,
    AgendaActivityRemoved,
    AgendaActivityUpserted,
    ConflictDetected,
    ContractError,
    Occurrence,
    Severity,
    decode_event,
)
from contracts.topics import SCHEDULING_AGENDA
from scheduling.domain import (
    Activity,
    ActivityKey,
    Agenda,
    Areas,
    Conflict,
    UnfavourableCalendar,
    explain,
    owner_zone,
    suggest_alternatives,
    zones_of,
)
from scheduling.domain.clock import Occurrence as Span
from scheduling.domain.clock import to_us
from werkplaats.follower import FollowerState, TopicFollower
from werkplaats.kafka_security import Security

log = structlog.get_logger(__name__)

Record: TypeAlias = ConsumerRecord[bytes, bytes]

AGENDA_EVENTS = frozenset({AgendaActivityUpserted.event_type, AgendaActivityRemoved.event_type})
AgendaFactory = Callable[[str | None], Agenda]
"""A new agenda: unscoped for ``None``, else scoped to a zone (configured like the detector's)."""

CATCH_UP_SLICE = 200
"""Kept records decoded at a time when the API asks (the event loop runs between slices)."""
HISTORY_SLICE = 4
"""Kept records of the history decoded at a time: the service's consumers wait for one slice at most at
each of their awaits while the view loads beside them (as the follower's slices of the reading)."""

# Conflicts of a moved single occurrence lie within its ISO week or its evening: this reaches them all.
_BEFORE, _AFTER = timedelta(days=8), timedelta(days=22)


@dataclass(frozen=True)
class AgendaEntry:
    """One activity as the shared agenda holds it: organiser, what was published, its occurrences."""

    organisation: str
    activity: ActivityPublished
    occurrences: tuple[Occurrence, ...]
    venue_known: bool | None = None

    @property
    def spans(self) -> tuple[Occurrence, ...]:
        """The occurrences, or the first one as published when none lies ahead any more."""
        if self.occurrences:
            return self.occurrences
        return (Occurrence(starts_at=self.activity.starts_at, ends_at=self.activity.ends_at),)


class AgendaView:
    """Every activity on the shared agenda with an unscoped domain ``Agenda`` for dry runs."""

    def __init__(
        self,
        bootstrap_servers: str,
        new_agenda: AgendaFactory,
        areas: Areas,
        *,
        organisation_names: Callable[[], Mapping[str, str]] = dict,
        venue_names: Callable[[], Mapping[str, str]] = dict,
        clock: Callable[[], datetime] | None = None,
        security: Security = None,
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.organisation_names = organisation_names
        self.venue_names = venue_names
        self.security = security
        self.new_agenda = new_agenda
        self.areas = areas
        self.clock = clock or (lambda: datetime.now(UTC))
        self.agenda = new_agenda(None)
        self._entries: dict[ActivityKey, AgendaEntry] = {}
        self._kept: OrderedDict[bytes, Record] = OrderedDict()
        """Records read while following and not applied yet, by record key, in the order last written."""
        self._catching_up = asyncio.Lock()
        self._holding_history = False
        """Whether the history has been read and its kept records are still being decoded."""
        self._whole: asyncio.Future[None] | None = None
        """Done once the history is held; cancelled when the view stops first."""
        self._announcing: asyncio.Task[None] | None = None
        self.follower = TopicFollower(
            bootstrap_servers,
            SCHEDULING_AGENDA,
            self.apply,
            client_id="scheduling-agenda-view",
            security=security,
        )

    def use_calendar(self, calendar: UnfavourableCalendar) -> None:
        """Judge dates by ``calendar`` from now on."""
        self.agenda.calendar = calendar

    @property
    def entries(self) -> dict[ActivityKey, AgendaEntry]:
        """Every activity on the agenda by ``(organisation, activity_id)``, kept records applied first."""
        self._apply_kept(len(self._kept))
        return self._entries

    @property
    def size(self) -> int:
        """Activities read so far without applying kept records (those count once each, removals too)."""
        return len(self._entries) + len(self._kept)

    def get(self, key: ActivityKey) -> AgendaEntry | None:
        """The entry of ``(organisation, activity_id)``, if on the agenda."""
        return self.entries.get(key)

    def apply(self, records: Iterable[Record]) -> None:
        """Take in records of ``scheduling.agenda``: kept by key until the history is read or the API asks.

        A record without a key is applied at once (the latest record of a key is all the view needs); one
        without a value is skipped.
        """
        kept = self._kept
        for record in records:
            key = getattr(record, "key", None)
            if record.value is None:
                continue
            if key is None:
                self._apply_kept(len(kept))  # what came before it first, as read
                self._apply_one(record, self.clock())
                continue
            kept[key] = record
            kept.move_to_end(key)

    async def catch_up(self, slice_size: int = CATCH_UP_SLICE) -> None:
        """Apply the kept records in slices, letting the event loop run between them."""
        async with self._catching_up:
            while self._kept:
                self._apply_kept(slice_size)
                await asyncio.sleep(0)

    def _apply_kept(self, most: int) -> None:
        """Apply up to ``most`` kept records, oldest first."""
        if not self._kept:
            return
        now = self.clock()
        kept = self._kept
        for _ in range(min(most, len(kept))):
            self._apply_one(kept.popitem(last=False)[1], now)  # O(1), where a dict's first key is O(removed)

    def _apply_one(self, record: Record, now: datetime) -> None:
        """Decode one record and apply it; an unreadable one is logged and skipped."""
        assert record.value is not None
        try:
            event = decode_event(record.value, accept=AGENDA_EVENTS)
        except ContractError as error:
            log.warning("agenda_record_skipped", offset=record.offset, reason=error.reason)
            return
        if isinstance(event.data, AgendaActivityUpserted):
            self._upsert(event.data, now)
        elif isinstance(event.data, AgendaActivityRemoved):
            key = (event.data.organisation, event.data.activity_id)
            self.agenda.release(key)
            self._entries.pop(key, None)

    def _upsert(self, upserted: AgendaActivityUpserted, now: datetime) -> None:
        """Hold the activity for dry runs (its conflicts are the detector's to announce, not the view's)."""
        try:
            activity = Activity.from_published(upserted.organisation, upserted.activity)
            known = upserted.occurrences and not activity.is_series
            self.agenda.hold(activity, now, _ahead(upserted.occurrences, now) if known else None)
        except (ValueError, OverflowError) as error:
            log.warning(
                "agenda_activity_skipped", activity_id=upserted.activity.activity_id, error=str(error)
            )
            return
        self._entries[activity.key] = AgendaEntry(
            upserted.organisation, upserted.activity, tuple(upserted.occurrences), upserted.venue_known
        )

    def check(self, organisation: str, draft: ActivityPublished, now: datetime) -> list[ConflictDetected]:
        """Dry run: the conflicts ``draft`` of ``organisation`` would take part in, described as published.

        Raises ValueError (or OverflowError) when the draft cannot be scheduled as given.
        """
        activity = Activity.from_published(organisation, draft)
        self._apply_kept(len(self._kept))
        return [self._describe(activity, conflict, now) for conflict in self.agenda.check(activity, now)]

    def _describe(self, draft: Activity, conflict: Conflict, now: datetime) -> ConflictDetected:
        explanation = explain(conflict, self.areas, self.organisation_names(), self.venue_names())
        suggestions = self._suggest(draft, conflict, now) if conflict.severity is Severity.HIGH else []
        return conflict.to_contract(explanation, suggestions)

    def _suggest(self, draft: Activity, conflict: Conflict, now: datetime) -> list[datetime]:
        """Suggestions as the detector of the conflict's zone will make them, the draft published last."""
        zone = owner_zone(conflict)
        starts = [m.occurrence_start for m in conflict.members if m.key == draft.key] or [conflict.starts_at]
        window = (to_us(min(starts) - _BEFORE), to_us(max(starts) + _AFTER))
        scratch = self.new_agenda(zone)
        nearby = []
        for key in self._entries:
            held = self.agenda.get(key)
            if held is None or key == draft.key or zone not in zones_of(held.activity):
                continue
            if any(o.start < window[1] and o.end > window[0] for o in held.occurrences):
                nearby.append(held)
        for held in sorted(nearby, key=lambda h: h.sequence):
            scratch.upsert(held.activity, now)
        scratch.upsert(draft, now)
        return suggest_alternatives(scratch, conflict, now)

    @property
    def loading(self) -> bool:
        """Whether the view has started and does not yet hold the whole topic as read to its end."""
        reading = self.follower.state in (FollowerState.CONNECTING, FollowerState.LOADING)
        return reading or self._holding_history

    @property
    def state(self) -> FollowerState:
        """Where the view is: ``loading`` until the history is read and held, then the follower's state."""
        if self._holding_history and self.follower.state is FollowerState.FOLLOWING:
            return FollowerState.LOADING
        return self.follower.state

    def readiness(self) -> dict[str, Any]:
        """How the view is, for the readiness report: events are processed whatever it says."""
        return {"agenda_view": {"state": str(self.state), "activities": self.size}}

    async def start(self) -> None:
        """Start reading the topic in the background and return at once; ``loading`` until it is held."""
        self._holding_history = True
        self._whole = asyncio.get_running_loop().create_future()
        self.follower.begin()
        self._announcing = asyncio.create_task(self._hold_history(), name="agenda-view-loaded")

    async def wait_loaded(self) -> None:
        """Wait until the topic has been read to its end and what it held is on the view's agenda."""
        await self.follower.wait_loaded()
        if self._whole is not None:
            await asyncio.shield(self._whole)

    async def _hold_history(self) -> None:
        """Once the topic is read to its end, decode and hold what was kept of it, then announce it."""
        started = time.perf_counter()
        await self.follower.wait_loaded()
        read = time.perf_counter() - started
        await self.catch_up(HISTORY_SLICE)
        self._holding_history = False
        assert self._whole is not None
        self._whole.set_result(None)
        seconds = time.perf_counter() - started
        log.info(
            "agenda_view_loaded",
            activities=self.size,
            records=self.follower.records,
            read_seconds=round(read, 2),
            seconds=round(seconds, 2),
        )

    async def stop(self) -> None:
        """Stop reading, whether loading or following."""
        announcing, self._announcing = self._announcing, None
        if announcing is not None:
            announcing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await announcing
        await self.follower.stop()
        self._holding_history = False
        if self._whole is not None and not self._whole.done():
            self._whole.cancel()


def _ahead(occurrences: Iterable[Occurrence], now: datetime) -> tuple[Span, ...]:
    """The published occurrences of a single activity not ended at ``now``, as the domain holds them.

    A series is expanded again instead (its horizon has moved on since it was published), and so is a
    record without occurrences.
    """
    not_before = to_us(now)
    spans = (Span(to_us(o.starts_at), to_us(o.ends_at)) for o in occurrences)
    return tuple(span for span in spans if span.end > not_before)
