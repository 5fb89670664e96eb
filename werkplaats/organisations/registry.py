"""Changing the registry: add an organisation, rotate or revoke its keys (operators' use cases)."""

from __future__ import annotations

from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer

from contracts import OrganisationRole, OrganisationUpdated, encode_event, new_event
from contracts.topics import ORGANISATIONS, all_service_topics, partner_topics
from werkplaats.errors import WerkplaatsError
from werkplaats.kafka_security import Security, client_options
from werkplaats.organisations.directory import read_organisations
from werkplaats.organisations.keys import IssuedKey, issue_key
from werkplaats.topics_admin import ensure_topics


class RegistryError(WerkplaatsError, ValueError):
    """A change to the registry that cannot be made."""


class OrganisationExistsError(RegistryError):
    """The slug is taken."""


class UnknownOrganisationError(RegistryError):
    """No organisation has that slug."""


class UnknownKeyError(RegistryError):
    """The organisation has no such (unrevoked) key."""


async def add_organisation(
    bootstrap: str,
    slug: str,
    *,
    name: str,
    role: OrganisationRole,
    contact_email: str | None = None,
    security: Security = None,
) -> IssuedKey:
    """Register an organisation with one key (and, for partners, its topics); the key is returned once."""
    registry_topic = [spec for spec in all_service_topics() if spec.name == ORGANISATIONS]
    await ensure_topics(bootstrap, registry_topic, security=security)
    directory = await read_organisations(bootstrap, security=security)
    if directory.get(slug) is not None:
        raise OrganisationExistsError(f"organisation {slug!r} exists; rotate its key instead")
    issued = issue_key()
    organisation = OrganisationUpdated(
        slug=slug, name=name, role=role, contact_email=contact_email, keys=[issued.record]
    )
    await ensure_topics(bootstrap, partner_topics(slug), security=security)
    await _publish(bootstrap, organisation, security=security)
    return issued


async def add_missing_organisations(
    bootstrap: str, names: dict[str, str], *, role: OrganisationRole, security: Security = None
) -> list[str]:
    """Register those of ``names`` (slug: name) not registered yet, each with a key nobody sees; their slugs.

    One read of the registry and one producer for all: the cheap way to set up demo organisations.
    """
    registry_topic = [spec for spec in all_service_topics() if spec.name == ORGANISATIONS]
    await ensure_topics(bootstrap, registry_topic, security=security)
    directory = await read_organisations(bootstrap, security=security)
    missing = [slug for slug in names if directory.get(slug) is None]
    if missing:
        await ensure_topics(
            bootstrap, [spec for slug in missing for spec in partner_topics(slug)], security=security
        )
        organisations = [
            OrganisationUpdated(slug=slug, name=names[slug], role=role, keys=[issue_key().record])
            for slug in missing
        ]
        await _publish(bootstrap, *organisations, security=security)
    return missing


async def rotate_key(
    bootstrap: str, slug: str, *, revoke_others: bool, security: Security = None
) -> IssuedKey:
    """Give an organisation a new key; with ``revoke_others`` its earlier keys stop working at once."""
    organisation = await _existing(bootstrap, slug, security)
    issued = issue_key()
    now = datetime.now(UTC)
    keys = [
        record.model_copy(update={"revoked_at": now})
        if revoke_others and record.revoked_at is None
        else record
        for record in organisation.keys
    ]
    await _publish(
        bootstrap, organisation.model_copy(update={"keys": [*keys, issued.record]}), security=security
    )
    return issued


async def revoke_key(bootstrap: str, slug: str, key_id: str, *, security: Security = None) -> None:
    """Revoke one key of an organisation."""
    organisation = await _existing(bootstrap, slug, security)
    if not any(record.key_id == key_id and record.revoked_at is None for record in organisation.keys):
        raise UnknownKeyError(f"{slug} has no active key {key_id}")
    now = datetime.now(UTC)
    keys = [
        record.model_copy(update={"revoked_at": now}) if record.key_id == key_id else record
        for record in organisation.keys
    ]
    await _publish(bootstrap, organisation.model_copy(update={"keys": keys}), security=security)


async def revoke_organisation(bootstrap: str, slug: str, *, security: Security = None) -> None:
    """Revoke an organisation: every key, and the organisation itself (services stop acting for it)."""
    organisation = await _existing(bootstrap, slug, security)
    now = datetime.now(UTC)
    keys = [
        record.model_copy(update={"revoked_at": record.revoked_at or now}) for record in organisation.keys
    ]
    revoked = organisation.model_copy(update={"keys": keys, "revoked_at": now})
    await _publish(bootstrap, revoked, security=security)


async def _existing(bootstrap: str, slug: str, security: Security) -> OrganisationUpdated:
    organisation = (await read_organisations(bootstrap, security=security)).get(slug)
    if organisation is None:
        raise UnknownOrganisationError(f"no organisation {slug!r}")
    return organisation


async def _publish(bootstrap: str, *organisations: OrganisationUpdated, security: Security) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, **client_options(security)
    )
    await producer.start()
    try:
        for organisation in organisations:
            event = new_event(organisation, source="werkplaats")
            await producer.send_and_wait(ORGANISATIONS, encode_event(event), key=organisation.slug.encode())
    finally:
        await producer.stop()
