"""The registered centres, followed from ``centres.events`` into memory: known venues and their facts."""

from __future__ import annotations

from collections.abc import Iterable

import structlog
from aiokafka import ConsumerRecord

from contracts import ContractError, decode_event
from contracts.centres import CENTRE_STATE_EVENTS, CentreRegistered, CentreUpdated
from contracts.topics import CENTRES_EVENTS
from scheduling.domain.venues import OpeningPeriod, Venue
from werkplaats.follower import TopicFollower
from werkplaats.kafka_security import Security

log = structlog.get_logger(__name__)

KNOWN_VENUES: dict[str, str] = {
    "allekanten": "Allekanten",
    "de-spruijt": "Buurtkamer De Spruijt",
    "wijkcentrum-moerwijk": "Wijkcentrum Moerwijk",
    "wijkcentrum-bouwlust": "Wijkcentrum Bouwlust",
}
"""Display names of the venues known in Zuidwest, for explanations people read."""


def venue_of(centre: CentreRegistered | CentreUpdated) -> Venue:
    """A centre's event as the scheduler's venue."""
    return Venue(
        venue_id=centre.centre_id,
        name=centre.name,
        capacities={room.room_id: room.capacity for room in centre.rooms},
        opening_hours=tuple(
            OpeningPeriod(int(period.weekday), period.opens, period.closes) for period in centre.opening_hours
        ),
    )


class VenueDirectory:
    """Every registered centre by id, read whole from ``centres.events`` at start, then followed."""

    def __init__(self, bootstrap_servers: str, *, security: Security = None) -> None:
        self._venues: dict[str, Venue] = {}
        self.ready = False
        self._follower = TopicFollower(
            bootstrap_servers, CENTRES_EVENTS, self.apply, client_id="scheduling-venues", security=security
        )

    def get(self, venue_id: str) -> Venue | None:
        """The registered centre ``venue_id``, if any."""
        return self._venues.get(venue_id)

    def knows(self, venue_id: str) -> bool | None:
        """Whether ``venue_id`` is a registered centre; None before the directory has read the topic."""
        return venue_id in self._venues if self.ready else None

    def names(self) -> dict[str, str]:
        """Display name by venue id."""
        return {venue_id: venue.name for venue_id, venue in self._venues.items()}

    def apply(self, records: Iterable[ConsumerRecord[bytes, bytes]]) -> None:
        """Take in the centre events of ``records``; other events on the topic are passed over."""
        for record in records:
            if record.value is None:
                continue
            try:
                event = decode_event(record.value, accept=CENTRE_STATE_EVENTS)
            except ContractError:
                continue  # bookings, allowances and the like: not the scheduler's concern
            assert isinstance(event.data, CentreRegistered | CentreUpdated)
            if event.data.active:
                self._venues[event.data.centre_id] = venue_of(event.data)
            else:
                self._venues.pop(event.data.centre_id, None)

    async def start(self) -> None:
        """Read the topic to its end, then follow it."""
        await self._follower.start()
        self.ready = True

    async def stop(self) -> None:
        """Stop following."""
        await self._follower.stop()
