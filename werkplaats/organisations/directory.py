"""A service's view of the organisations: the compacted topic read whole, then followed."""

from __future__ import annotations

import hmac
from collections.abc import Iterable

import structlog
from aiokafka import ConsumerRecord

from contracts import ContractError, OrganisationUpdated, decode_event
from contracts.topics import ORGANISATIONS
from werkplaats.follower import TopicFollower
from werkplaats.kafka_security import Security
from werkplaats.organisations.keys import hash_key, key_id_of

log = structlog.get_logger(__name__)


class OrganisationDirectory:
    """Every organisation by slug, kept current from the ``organisations`` topic."""

    def __init__(self, bootstrap_servers: str, *, security: Security = None) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.security = security
        self._organisations: dict[str, OrganisationUpdated] = {}
        self._follower = TopicFollower(
            bootstrap_servers, ORGANISATIONS, self.apply, client_id="organisations", security=security
        )

    def get(self, slug: str) -> OrganisationUpdated | None:
        """The organisation with ``slug``, if registered."""
        return self._organisations.get(slug)

    def all(self) -> list[OrganisationUpdated]:
        """Every organisation, by slug."""
        return [self._organisations[slug] for slug in sorted(self._organisations)]

    def names(self) -> dict[str, str]:
        """Display name by slug."""
        return {slug: organisation.name for slug, organisation in self._organisations.items()}

    def is_revoked(self, slug: str) -> bool:
        """Whether the organisation was revoked as a whole (an unknown one is not)."""
        organisation = self._organisations.get(slug)
        return organisation is not None and organisation.revoked_at is not None

    def authenticate(self, secret: str) -> OrganisationUpdated | None:
        """The organisation a valid, unrevoked key belongs to; None for any other string."""
        key_id = key_id_of(secret)
        if key_id is None:
            return None
        digest = hash_key(secret)
        for organisation in self._organisations.values():
            for record in organisation.keys:
                if (
                    record.key_id == key_id
                    and record.revoked_at is None
                    and organisation.revoked_at is None
                    and hmac.compare_digest(record.sha256, digest)
                ):
                    return organisation
        return None

    def apply(self, records: Iterable[ConsumerRecord[bytes, bytes]]) -> None:
        """Take in records of the topic; unreadable ones are logged and skipped."""
        for record in records:
            if record.value is None:
                continue
            try:
                event = decode_event(record.value, accept=frozenset({OrganisationUpdated.event_type}))
            except ContractError as error:
                log.warning("organisation_record_skipped", offset=record.offset, reason=error.reason)
                continue
            assert isinstance(event.data, OrganisationUpdated)
            self._organisations[event.data.slug] = event.data

    async def start(self) -> None:
        """Read the topic to its end, then follow it in the background."""
        await self._follower.start()

    async def stop(self) -> None:
        """Stop following."""
        await self._follower.stop()


async def read_organisations(bootstrap_servers: str, *, security: Security = None) -> OrganisationDirectory:
    """The organisations as they stand now (read once, not followed)."""
    directory = OrganisationDirectory(bootstrap_servers, security=security)
    await directory.start()
    await directory.stop()
    return directory
