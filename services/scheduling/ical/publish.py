"""Publishing an imported calendar straight onto the organisation's partner topic (the CLI's path)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from contracts import ActivityPublished, ActivityWithdrawn, encode_event, new_event
from contracts.topics import partner_activities, partner_topics
from scheduling.ical.imports import ImportResult
from werkplaats.broker import create_producer
from werkplaats.organisations import UnknownOrganisationError, read_organisations
from werkplaats.topics_admin import ensure_topics


async def check_organisation(bootstrap: str, org: str) -> None:
    """Raise ``UnknownOrganisationError`` unless ``org`` is registered."""
    if (await read_organisations(bootstrap)).get(org) is None:
        raise UnknownOrganisationError(
            f"no organisation {org!r} in the registry; add it with `werkplaats orgs add`"
        )


async def publish_import(
    bootstrap: str, org: str, result: ImportResult, *, progress: Callable[[int], None] = lambda _: None
) -> int:
    """Publish the activities and withdrawals of ``result`` as ``org``, keyed by activity id; how many."""
    events: list[ActivityPublished | ActivityWithdrawn] = [*result.activities, *result.withdrawals]
    await ensure_topics(bootstrap, partner_topics(org))
    producer = create_producer(bootstrap, client_id="werkplaats-import-ics")
    await producer.start()
    try:
        topic, pending = partner_activities(org), []
        for data in events:
            envelope = encode_event(new_event(data, source=org))
            sent = await producer.send(topic, envelope, key=data.activity_id.encode())
            sent.add_done_callback(lambda _: progress(1))
            pending.append(sent)
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return len(events)
