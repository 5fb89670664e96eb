"""Kafka topic names and their declarations: the one place topics are defined."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ORG_SLUG_PATTERN = r"[a-z0-9-]{2,40}"
_ORG_SLUG = re.compile(rf"^{ORG_SLUG_PATTERN}$")

SCHEDULING_AGENDA = "scheduling.agenda"
SCHEDULING_CONFLICTS = "scheduling.conflicts"
SCHEDULING_PLACEMENTS = "scheduling.placements"
INITIATIVES_EVENTS = "initiatives.events"
CENTRES_EVENTS = "centres.events"
NOTIFICATIONS_DELIVERIES = "notifications.deliveries"
ORGANISATIONS = "organisations"
REACH_EVENTS = "reach.events"
REACH_ADVICE = "reach.advice"

PARTNER_ACTIVITIES_PATTERN = r"^partner\.[a-z0-9-]+\.activities$"
"""Every partner's activities topic (a subscription pattern; slugs are checked when read)."""
PARTNER_REPORTS_PATTERN = r"^partner\.[a-z0-9-]+\.reports$"
"""Every partner's outcome reports topic (a subscription pattern)."""
DLQ_SUFFIX = ".dlq"

DAY_MS = 24 * 60 * 60 * 1000


class InvalidOrganisationError(ValueError):
    """An organisation slug does not match ``[a-z0-9-]{2,40}``."""


def check_org_slug(org: str) -> str:
    """Return ``org`` when it is a valid organisation slug, else raise."""
    if not _ORG_SLUG.match(org):
        raise InvalidOrganisationError(f"organisation slug {org!r} must match [a-z0-9-]{{2,40}}")
    return org


def partner_activities(org: str) -> str:
    """The topic on which organisation ``org`` publishes its activities."""
    return f"partner.{check_org_slug(org)}.activities"


def partner_feedback(org: str) -> str:
    """The topic on which organisation ``org`` learns why a message was rejected."""
    return f"partner.{check_org_slug(org)}.feedback"


def partner_reports(org: str) -> str:
    """The topic on which organisation ``org`` reports how its activities went."""
    return f"partner.{check_org_slug(org)}.reports"


def organisation_of(topic: str) -> str | None:
    """The organisation slug in a partner topic name, or ``None`` for other topics."""
    match = re.match(rf"^partner\.({ORG_SLUG_PATTERN})\.(activities|feedback|reports)$", topic)
    return match.group(1) if match else None


def dead_letter(topic: str) -> str:
    """The dead-letter topic of ``topic``."""
    return topic + DLQ_SUFFIX


@dataclass(frozen=True)
class TopicSpec:
    """How a topic is created: partitions and the broker-side configuration."""

    name: str
    partitions: int
    config: dict[str, str] = field(default_factory=dict)
    description: str = ""


def _compacted() -> dict[str, str]:
    return {"cleanup.policy": "compact", "min.compaction.lag.ms": str(60 * 60 * 1000)}


def _retained(days: int) -> dict[str, str]:
    return {"cleanup.policy": "delete", "retention.ms": str(days * DAY_MS)}


SERVICE_TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec(SCHEDULING_AGENDA, 6, _compacted(), "The normalised shared agenda, keyed org/activity_id."),
    TopicSpec(
        SCHEDULING_CONFLICTS,
        6,
        _retained(400),
        "Conflict lifecycle events, keyed conflict_id; kept whole, not compacted: details survive.",
    ),
    TopicSpec(
        SCHEDULING_PLACEMENTS,
        12,
        _retained(7),
        "Internal: agenda changes repartitioned by wijk or venue, so conflicting plans meet.",
    ),
    TopicSpec(
        ORGANISATIONS,
        1,
        {"cleanup.policy": "compact", "min.compaction.lag.ms": "0"},
        "The organisations, their roles and their API key hashes, keyed slug (last state wins).",
    ),
    TopicSpec(INITIATIVES_EVENTS, 6, _retained(365), "Initiative lifecycle events (no personal data)."),
    TopicSpec(
        CENTRES_EVENTS, 6, _retained(365), "Centre, room booking, coaching, subsidy and allowance events."
    ),
    TopicSpec(NOTIFICATIONS_DELIVERIES, 6, _retained(90), "Outcome of every notification delivery."),
    TopicSpec(
        REACH_EVENTS, 3, _retained(400), "Reports due and promises to residents overdue, keyed org/activity."
    ),
    TopicSpec(
        REACH_ADVICE, 3, _compacted(), "Reach advice per wijk, target group and kind, keyed wijk/group/kind."
    ),
)


def dead_letter_spec(topic: str) -> TopicSpec:
    """The declaration of the dead-letter topic of ``topic``."""
    return TopicSpec(
        dead_letter(topic), 1, _retained(30), f"Messages from {topic} that could not be processed."
    )


def partner_topics(org: str) -> tuple[TopicSpec, ...]:
    """The topics an organisation needs: its activities, its feedback and their dead letters."""
    activities = TopicSpec(partner_activities(org), 3, _compacted(), f"Activities published by {org}.")
    feedback = TopicSpec(partner_feedback(org), 1, _retained(30), f"Why messages of {org} were rejected.")
    reports = TopicSpec(
        partner_reports(org), 3, _compacted(), f"Outcome reports of {org}, keyed activity_id/occurrence."
    )
    return (activities, feedback, dead_letter_spec(activities.name), reports, dead_letter_spec(reports.name))


def all_service_topics() -> tuple[TopicSpec, ...]:
    """Every service topic with its dead-letter topic."""
    specs: list[TopicSpec] = []
    for spec in SERVICE_TOPICS:
        specs += [spec, dead_letter_spec(spec.name)]
    return tuple(specs)
