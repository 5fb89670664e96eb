"""Helpers for reach tests on a real broker: a scheduler and a reach service, partners reporting."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from contracts import ActivityReported, encode_event, new_event
from contracts.reach import report_key
from contracts.topics import PARTNER_REPORTS_PATTERN, SCHEDULING_AGENDA, partner_reports
from scheduling_support import Partners


async def skip_reach_history(bootstrap: str, group: str) -> None:
    """Start the reach groups at the end of the agenda and of every partner's reports."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        topics = await consumer.topics()
        await consumer._client.force_metadata_update()
        reports = [t for t in topics if re.match(PARTNER_REPORTS_PATTERN, t)]
        for suffix, names in (("agenda", [SCHEDULING_AGENDA]), ("reports", reports)):
            partitions = [TopicPartition(t, p) for t in names for p in consumer.partitions_for_topic(t) or ()]
            if not partitions:
                continue
            ends = await consumer.end_offsets(partitions)
            committer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=f"{group}-{suffix}")
            await committer.start()
            try:
                committer.assign(partitions)
                await committer.commit(ends)
            finally:
                await committer.stop()
    finally:
        await consumer.stop()


def report(
    activity_id: str, start: datetime, attendance: int, methods: list[str], **extra: Any
) -> ActivityReported:
    fields: dict[str, Any] = {
        "activity_id": activity_id,
        "occurrence_start": start,
        "attendance": attendance,
        "reach_methods": methods,
        "follow_up": {
            "action": "De inbreng gaat naar het projectteam.",
            "residents_hear_back_by": "2099-01-01",
        },
    }
    return ActivityReported.model_validate(fields | extra)


async def send_report(
    partners: Partners, name: str, reported: ActivityReported, *, event_id: Any = None
) -> str:
    """Publish a report on the partner's reports topic; the event id."""
    event = new_event(reported, source=partners.slugs[name], event_id=event_id)
    await partners.producer.send_and_wait(
        partner_reports(partners.slugs[name]), encode_event(event), key=report_key(reported).encode()
    )
    return str(event.event_id)
