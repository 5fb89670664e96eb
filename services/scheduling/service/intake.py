"""Taking in partner activities: store, publish the agenda, and place each change in its zones."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from contracts import (
    ActivityPublished,
    ActivityWithdrawn,
    AgendaActivityRemoved,
    AgendaActivityUpserted,
    ContractError,
    Occurrence,
    new_event,
)
from contracts.topics import SCHEDULING_AGENDA
from scheduling import NAME
from scheduling.domain import (
    Activity,
    InvalidActivityError,
    check_series,
    expand,
    payload_hash,
    zones_of,
)
from scheduling.domain.errors import SchedulingError
from scheduling.service.placements import (
    Expansion,
    Place,
    PlacedActivity,
    Placement,
    zones_of_payload,
    zones_of_published,
)
from scheduling.store import ActivityKey, SchedulingUnitOfWork
from werkplaats.errors import PermanentError

log = structlog.get_logger(__name__)


def agenda_key(organisation: str, activity_id: str) -> str:
    """The ``scheduling.agenda`` record key."""
    return f"{organisation}/{activity_id}"


class UnschedulableSeriesError(SchedulingError, ContractError, PermanentError):
    """A series whose exceptions do not fit it (a cancelled or moved occurrence it does not have)."""


def checked(organisation: str, published: ActivityPublished) -> Activity:
    """The domain view of ``published``; ``UnschedulableSeriesError`` when its exceptions do not fit it."""
    activity = Activity.from_published(organisation, published)
    try:
        check_series(activity)
    except InvalidActivityError as error:
        field = f"data.{error.field}" if error.field else "data"
        reason = f"the series cannot be scheduled: {field}: {error}"
        raise UnschedulableSeriesError(reason, [(field, str(error))]) from None
    return activity


PartnerChange = tuple[str, ActivityPublished | ActivityWithdrawn]
"""An organisation and what it published or withdrew."""


class Intake:
    """Applies ``activity.published`` and ``activity.withdrawn`` of one organisation to the agenda.

    A transaction's activities are loaded once (``prefetch``) and written once, just before it commits.
    Each change goes to ``place`` once per zone it touches: the zone detector itself (inline detection,
    in the same transaction) or ``scheduling.placements`` (partitioned detection).
    """

    def __init__(
        self,
        *,
        horizon: timedelta,
        place: Place,
        venue_known: Callable[[str], bool | None] | None = None,
    ) -> None:
        self.horizon = horizon
        self.venue_known = venue_known or (lambda _: None)
        """Whether a venue id names a registered centre (None: not known yet)."""
        self.place = place

    async def prefetch(self, unit: SchedulingUnitOfWork, keys: Iterable[ActivityKey]) -> None:
        """Load the stored state of ``keys`` at once, for the events of one transaction."""
        await unit.load_activities(keys)

    async def zones_touched(self, unit: SchedulingUnitOfWork, changes: Iterable[PartnerChange]) -> set[str]:
        """The zones ``changes`` place or leave: of each stored version and of each new one (prefetched)."""
        zones: set[str] = set()
        for organisation, data in changes:
            stored = await unit.activities.get((organisation, data.activity_id))
            if stored is not None:
                zones |= zones_of_payload(stored[0])
            if isinstance(data, ActivityPublished):
                zones |= zones_of_published(data)
        return zones

    async def settle(self, unit: SchedulingUnitOfWork, key: ActivityKey, event_id: str) -> None:
        """Forget the API's staged version of ``key`` once this very event is taken in (not a newer one)."""
        await unit.staged.settle(key, event_id)

    async def publish(
        self,
        unit: SchedulingUnitOfWork,
        organisation: str,
        published: ActivityPublished,
        *,
        correlation_id: str,
    ) -> bool:
        """Create or fully replace an activity; False when it is unchanged (nothing happens then)."""
        key = (organisation, published.activity_id)
        activity = checked(organisation, published)
        payload = published.model_dump(mode="json")
        fingerprint = payload_hash(payload)
        stored = await unit.activities.get(key)
        if stored is not None and stored[1] == fingerprint:
            log.info("activity_unchanged", organisation=organisation, activity_id=published.activity_id)
            return False
        left = zones_of_payload(stored[0]) if stored is not None else set()
        sequence = time.time_ns() // 1000
        now = datetime.now(UTC)
        unit.activities.put(_row(organisation, published, payload, fingerprint, sequence, now))
        expanded = expand(activity, now, self.horizon)
        occurrences = [Occurrence(starts_at=o.starts_at, ends_at=o.ends_at) for o in expanded]
        known = self.venue_known(activity.venue_id) if activity.venue_id is not None else None
        upserted = AgendaActivityUpserted(
            organisation=organisation, activity=published, occurrences=occurrences, venue_known=known
        )
        unit.publish(
            SCHEDULING_AGENDA,
            new_event(upserted, source=NAME, correlation_id=correlation_id),
            key=agenda_key(organisation, published.activity_id),
        )
        expansion = Expansion(now, self.horizon, expanded)
        placed, held = zones_of(activity), PlacedActivity(activity, published, payload, expansion)
        for zone in sorted(left | placed):
            placement = Placement(zone, key, sequence, held if zone in placed else None)
            await self.place(unit, placement, correlation_id=correlation_id)
        log.info("activity_published", organisation=organisation, activity_id=published.activity_id)
        return True

    async def withdraw(
        self,
        unit: SchedulingUnitOfWork,
        organisation: str,
        withdrawn: ActivityWithdrawn,
        *,
        correlation_id: str,
    ) -> bool:
        """Remove an activity; False when it was not on the agenda."""
        key = (organisation, withdrawn.activity_id)
        stored = await unit.activities.get(key)
        if stored is None:
            log.info(
                "withdrawal_of_unknown_activity", organisation=organisation, activity_id=withdrawn.activity_id
            )
            return False
        unit.activities.remove(key)
        removed = AgendaActivityRemoved(
            organisation=organisation, activity_id=withdrawn.activity_id, reason=withdrawn.reason
        )
        unit.publish(
            SCHEDULING_AGENDA,
            new_event(removed, source=NAME, correlation_id=correlation_id),
            key=agenda_key(organisation, withdrawn.activity_id),
        )
        sequence = time.time_ns() // 1000
        for zone in sorted(zones_of_payload(stored[0])):
            await self.place(unit, Placement(zone, key, sequence, None), correlation_id=correlation_id)
        log.info("activity_withdrawn", organisation=organisation, activity_id=withdrawn.activity_id)
        return True


def _row(
    organisation: str,
    published: ActivityPublished,
    payload: dict[str, Any],
    fingerprint: str,
    sequence: int,
    now: datetime,
) -> dict[str, Any]:
    return {
        "organisation": organisation,
        "activity_id": published.activity_id,
        "payload": payload,
        "content_hash": fingerprint,
        "sequence": sequence,
        "starts_at": published.starts_at,
        "updated_at": now,
    }
