"""The AsyncAPI 3.0 document of Werkplaats, generated from the contracts: ``python -m contracts.asyncapi``."""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic.json_schema import models_json_schema

from contracts.activities import EXAMPLE_ACTIVITY, ActivityPublished, ActivityRejected, ActivityWithdrawn
from contracts.agenda import AgendaActivityRemoved, AgendaActivityUpserted
from contracts.centres import CENTRES_EVENT_MODELS, EXAMPLE_CENTRE, CentreRegistered
from contracts.conflicts import ConflictAcknowledged, ConflictDetected, ConflictResolved
from contracts.envelope import Envelope, EventData
from contracts.initiatives import EXAMPLE_OVERDUE, INITIATIVE_EVENTS, InitiativeOverdue
from contracts.notifications import NotificationDelivered, NotificationFailed
from contracts.organisations import OrganisationUpdated
from contracts.reach import ActivityReported, AdviceUpdated, PromiseOverdue, ReportDue
from contracts.registry import EVENT_MODELS
from contracts.topics import (
    CENTRES_EVENTS,
    INITIATIVES_EVENTS,
    NOTIFICATIONS_DELIVERIES,
    ORG_SLUG_PATTERN,
    ORGANISATIONS,
    REACH_ADVICE,
    REACH_EVENTS,
    SCHEDULING_AGENDA,
    SCHEDULING_CONFLICTS,
    SCHEDULING_PLACEMENTS,
    TopicSpec,
    all_service_topics,
    partner_topics,
)

ASYNCAPI_VERSION = "3.0.0"
DOCUMENT_VERSION = "1.0.0"
KAFKA_BINDING_VERSION = "0.5.0"
SCHEMA_REF = "#/components/schemas/{model}"

ORG_PARAMETER = "{org}"
_SAMPLE_ORG = "org"
PARTNER_ACTIVITIES = f"partner.{ORG_PARAMETER}.activities"
PARTNER_FEEDBACK = f"partner.{ORG_PARAMETER}.feedback"
PARTNER_REPORTS = f"partner.{ORG_PARAMETER}.reports"

# The headers of a dead letter; the same names as werkplaats.deadletter (a test keeps them equal).
DEAD_LETTER_HEADERS: dict[str, str] = {
    "werkplaats-error": "Why the message could not be processed (at most 2000 characters).",
    "werkplaats-error-type": "Class of the error, e.g. `InvalidEventError` or `PermanentError`.",
    "werkplaats-original-topic": "Topic the message was read from.",
    "werkplaats-original-partition": "Partition it was read from (decimal).",
    "werkplaats-original-offset": "Offset it was read at (decimal).",
    "werkplaats-consumer": "The consumer that gave up on it, e.g. `scheduling-intake`.",
    "werkplaats-failed-at": "When it was dead-lettered (ISO 8601, UTC).",
}

EXAMPLE_ACTIVITY_PUBLISHED: dict[str, Any] = {
    "event_id": "0b6f1d2e-8c1a-4f5e-9a37-2d4c8e1f6a90",
    "type": "activity.published",
    "version": 1,
    "occurred_at": "2026-03-02T09:15:00+01:00",
    "source": "staedion",
    "correlation_id": None,
    "data": EXAMPLE_ACTIVITY,
}

EXAMPLE_INITIATIVE_OVERDUE: dict[str, Any] = {
    "event_id": "5d0c7b1e-3f2a-4e8b-9c61-7a2f0e9d4b13",
    "type": "initiative.overdue",
    "version": 1,
    "occurred_at": "2026-03-10T00:05:00+01:00",
    "source": "initiatives",
    "correlation_id": None,
    "data": EXAMPLE_OVERDUE,
}

EXAMPLE_CENTRE_REGISTERED: dict[str, Any] = {
    "event_id": "7c1e5a3b-2f4d-4e8a-9b6c-1d2e3f4a5b6c",
    "type": "centre.registered",
    "version": 1,
    "occurred_at": "2026-03-01T10:00:00+01:00",
    "source": "centres",
    "correlation_id": None,
    "data": EXAMPLE_CENTRE,
}


@dataclass(frozen=True)
class Party:
    """Who sends or receives on a topic: a service (with its consumer group), partners or operators."""

    name: str
    group: str | None = None
    planned: bool = False
    """True when the design names this role but no code fills it yet."""


@dataclass(frozen=True)
class TopicRole:
    """What a topic carries, how its records are keyed, and who publishes and consumes it."""

    address: str
    key: str
    events: tuple[type[EventData], ...]
    publishers: tuple[Party, ...]
    consumers: tuple[Party, ...]
    other_events: str = ""
    """For a topic whose events have no public contract yet: what they are."""


SCHEDULING = Party("scheduling")
PARTNERS = Party("partners")
DOWNSTREAM = Party("downstream")

TOPIC_ROLES: tuple[TopicRole, ...] = (
    TopicRole(
        PARTNER_ACTIVITIES,
        "`activity_id`, the partner's own id of the activity.",
        (ActivityPublished, ActivityWithdrawn),
        (PARTNERS,),
        (Party("scheduling", "scheduling-intake"),),
    ),
    TopicRole(
        PARTNER_FEEDBACK,
        "`activity_id` of the rejected message when it can be read, else the rejected record's key.",
        (ActivityRejected,),
        (SCHEDULING, Party("reach")),
        (PARTNERS,),
    ),
    TopicRole(
        SCHEDULING_AGENDA,
        "`<organisation>/<activity_id>`.",
        (AgendaActivityUpserted, AgendaActivityRemoved),
        (SCHEDULING,),
        (Party("notifications", planned=True), Party("reach", "reach-agenda"), DOWNSTREAM),
    ),
    TopicRole(
        SCHEDULING_CONFLICTS,
        "`conflict_id`.",
        (ConflictDetected, ConflictResolved, ConflictAcknowledged),
        (SCHEDULING,),
        (
            Party("initiatives", "initiatives-conflicts"),
            Party("notifications", "notifications-conflicts"),
            Party("centres", "centres-conflicts"),
            DOWNSTREAM,
        ),
    ),
    TopicRole(
        SCHEDULING_PLACEMENTS,
        "The zone, `wijk:<WK code>` or `venue:<venue_id>`: one zone is handled by one consumer at a time.",
        (),
        (SCHEDULING,),
        (Party("scheduling", "scheduling-detector"),),
        "Internal `placement.changed` events of the scheduling service (not a public contract).",
    ),
    TopicRole(
        ORGANISATIONS,
        "The organisation's slug (compacted: the last state of each organisation stays).",
        (OrganisationUpdated,),
        (Party("operators (werkplaats orgs)"),),
        (SCHEDULING, Party("notifications")),
    ),
    TopicRole(
        INITIATIVES_EVENTS,
        "`initiative_id`.",
        INITIATIVE_EVENTS,
        (Party("initiatives"),),
        (Party("notifications", "notifications-initiatives"), DOWNSTREAM),
    ),
    TopicRole(
        CENTRES_EVENTS,
        "`centre_id` (centre, booking, coaching, budget and subsidy events) or `volunteer_id` "
        "(hours and allowance events, so one volunteer's events stay in order).",
        CENTRES_EVENT_MODELS,
        (Party("centres"),),
        (Party("scheduling"), Party("notifications", planned=True), DOWNSTREAM),
    ),
    TopicRole(
        NOTIFICATIONS_DELIVERIES,
        "`notification_id`.",
        (NotificationDelivered, NotificationFailed),
        (Party("notifications"),),
        (DOWNSTREAM,),
    ),
    TopicRole(
        PARTNER_REPORTS,
        "`<activity_id>/<occurrence start, UTC>`: the latest report of each occurrence stays.",
        (ActivityReported,),
        (PARTNERS, Party("reach")),
        (Party("reach", "reach-reports"),),
    ),
    TopicRole(
        REACH_EVENTS,
        "`<organisation>/<activity_id>`.",
        (ReportDue, PromiseOverdue),
        (Party("reach"),),
        (Party("notifications", "notifications-reach"), DOWNSTREAM),
    ),
    TopicRole(
        REACH_ADVICE,
        "`<wijk>/<target_group>/<kind>` (compacted: the latest advice stays).",
        (AdviceUpdated,),
        (Party("reach"),),
        (SCHEDULING, DOWNSTREAM),
    ),
)


def declared_topics() -> dict[str, TopicSpec]:
    """Return address → declaration of every topic in ``contracts.topics`` (partner topics with ``{org}``)."""
    specs = {spec.name: spec for spec in all_service_topics()}
    for spec in partner_topics(_SAMPLE_ORG):
        address = spec.name.replace(f"partner.{_SAMPLE_ORG}.", f"partner.{ORG_PARAMETER}.", 1)
        specs[address] = TopicSpec(address, spec.partitions, spec.config, spec.description)
    return specs


def public_event_models() -> list[type[EventData]]:
    """Return the registered event models that are public contracts (defined in ``contracts``)."""
    return [model for _, model in sorted(EVENT_MODELS.items()) if model.__module__.startswith("contracts.")]


def message_id(model: type[EventData]) -> str:
    """Return the component name of an event's message, e.g. ``activity.published.v1``."""
    return f"{model.event_type}.v{model.event_version}"


def channel_id(address: str) -> str:
    """Return the channel's name in the document, e.g. ``partner-activities`` or ``scheduling-agenda-dlq``."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", address.replace(f"{ORG_PARAMETER}.", ""))


def build_document() -> dict[str, Any]:
    """Return the whole AsyncAPI document as a JSON-ready dictionary."""
    specs = declared_topics()
    roles = {role.address: role for role in TOPIC_ROLES}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for address, spec in specs.items():
        role = roles.get(address) or _dead_letter_role(address, roles)
        cid = channel_id(address)
        channels[cid] = _channel(spec, role)
        for action, parties in (("send", role.publishers), ("receive", role.consumers)):
            for party in parties:
                operations[f"{party.name}-{action}-{cid}"] = _operation(action, party, cid, channels[cid])
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "Werkplaats",
            "version": DOCUMENT_VERSION,
            "description": (
                "Topics and events of Werkplaats Participatie (Den Haag Zuidwest). Every event is a JSON "
                "envelope whose `data` depends on `type` and `version`; readers ignore unknown fields. "
                "Operations marked `x-werkplaats-planned` are in the design but not built yet."
            ),
            "license": {"name": "EUPL-1.2"},
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {
                "host": "127.0.0.1:9092",
                "protocol": "kafka",
                "description": "`werkplaats kafka start`.",
            },
            "compose": {"host": "kafka:9092", "protocol": "kafka", "description": "Inside `docker compose`."},
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": _messages(), "schemas": _schemas()},
    }


def _dead_letter_role(address: str, roles: dict[str, TopicRole]) -> TopicRole:
    original = roles[address.removesuffix(".dlq")]
    services = [party for party in original.consumers if party not in (PARTNERS, DOWNSTREAM)]
    return TopicRole(
        address,
        "The original record's key, unchanged.",
        (),
        tuple(Party(party.name, planned=party.planned) for party in services),
        (Party("operations"),),
    )


def _channel(spec: TopicSpec, role: TopicRole) -> dict[str, Any]:
    channel: dict[str, Any] = {
        "address": spec.name,
        "title": spec.name,
        "description": f"{spec.description} Record key: {role.key}",
        "messages": {mid: {"$ref": f"#/components/messages/{mid}"} for mid in _channel_messages(spec, role)},
        "bindings": {"kafka": _topic_binding(spec)},
        "x-topic-config": {"partitions": spec.partitions, **spec.config},
        "x-key": role.key,
    }
    if ORG_PARAMETER in spec.name:
        channel["parameters"] = {
            "org": {
                "description": f"Organisation slug, `{ORG_SLUG_PATTERN}`; it organises what it publishes.",
                "examples": ["gemeente-den-haag", "staedion", "haag-wonen", "hof-wonen"],
            }
        }
    return channel


def _channel_messages(spec: TopicSpec, role: TopicRole) -> list[str]:
    if spec.name.endswith(".dlq"):
        return ["dead-letter"]
    if role.events:
        return [message_id(model) for model in role.events]
    return [f"{channel_id(spec.name)}.event"]


def _topic_binding(spec: TopicSpec) -> dict[str, Any]:
    configuration: dict[str, Any] = {"cleanup.policy": spec.config.get("cleanup.policy", "delete").split(",")}
    if "retention.ms" in spec.config:
        configuration["retention.ms"] = int(spec.config["retention.ms"])
    binding: dict[str, Any] = {"partitions": spec.partitions, "topicConfiguration": configuration}
    if ORG_PARAMETER not in spec.name:
        binding["topic"] = spec.name
    return {**binding, "bindingVersion": KAFKA_BINDING_VERSION}


def _operation(action: str, party: Party, cid: str, channel: dict[str, Any]) -> dict[str, Any]:
    verb = "publishes to" if action == "send" else "consumes"
    group = f" (consumer group `{party.group}`)" if party.group else ""
    operation: dict[str, Any] = {
        "action": action,
        "channel": {"$ref": f"#/channels/{cid}"},
        "summary": f"{party.name} {verb} {channel['address']}{group}{' (planned)' if party.planned else ''}.",
        "messages": [{"$ref": f"#/channels/{cid}/messages/{mid}"} for mid in channel["messages"]],
        "tags": [{"name": party.name}],
    }
    if party.group:
        operation["bindings"] = {
            "kafka": {
                "groupId": {"type": "string", "const": party.group},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        }
    if party.planned:
        operation["x-werkplaats-planned"] = True
    return operation


def _messages() -> dict[str, Any]:
    messages: dict[str, Any] = {}
    for role in TOPIC_ROLES:
        for model in role.events:
            messages[message_id(model)] = _event_message(model, role.key)
        if not role.events:
            messages[f"{channel_id(role.address)}.event"] = _opaque_message(role)
    messages["dead-letter"] = {
        "name": "dead-letter",
        "title": "Dead letter",
        "summary": "A message that could not be processed: the original bytes, with why and where from.",
        "contentType": "application/octet-stream",
        "headers": {
            "type": "object",
            "required": sorted(DEAD_LETTER_HEADERS),
            "properties": {
                name: {"type": "string", "description": text} for name, text in DEAD_LETTER_HEADERS.items()
            },
            "additionalProperties": {"type": "string", "description": "The original record's other headers."},
        },
        "payload": {"description": "The original record value, byte for byte (it may not be valid JSON)."},
        "bindings": {
            "kafka": {
                "key": _key("The original record's key, unchanged."),
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }
    return dict(sorted(messages.items()))


def _event_message(model: type[EventData], key: str) -> dict[str, Any]:
    message: dict[str, Any] = {
        "name": model.event_type,
        "title": f"{model.event_type} v{model.event_version}",
        "summary": (model.__doc__ or "").strip().splitlines()[0],
        "payload": {
            "allOf": [
                {"$ref": SCHEMA_REF.format(model="Envelope")},
                {
                    "type": "object",
                    "properties": {
                        "type": {"const": model.event_type},
                        "version": {"const": model.event_version},
                        "data": {"$ref": SCHEMA_REF.format(model=model.__name__)},
                    },
                },
            ]
        },
        "correlationId": {
            "description": "Carried from the triggering event or request.",
            "location": "$message.payload#/correlation_id",
        },
        "bindings": {"kafka": {"key": _key(key), "bindingVersion": KAFKA_BINDING_VERSION}},
    }
    if model is ActivityPublished:
        message["examples"] = [{"name": "consultation", "payload": EXAMPLE_ACTIVITY_PUBLISHED}]
    if model is InitiativeOverdue:
        message["examples"] = [{"name": "overdue", "payload": EXAMPLE_INITIATIVE_OVERDUE}]
    if model is CentreRegistered:
        message["examples"] = [{"name": "centre", "payload": EXAMPLE_CENTRE_REGISTERED}]
    return message


def _opaque_message(role: TopicRole) -> dict[str, Any]:
    return {
        "name": f"{role.address} event",
        "title": f"Event on {role.address}",
        "summary": role.other_events,
        "payload": {"$ref": SCHEMA_REF.format(model="Envelope")},
        "bindings": {"kafka": {"key": _key(role.key), "bindingVersion": KAFKA_BINDING_VERSION}},
    }


def _key(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


def _schemas() -> dict[str, Any]:
    _, definitions = models_json_schema(
        [(model, "validation") for model in public_event_models()], ref_template=SCHEMA_REF
    )
    envelope = Envelope[dict[str, Any]].model_json_schema()
    envelope["title"] = "Envelope"
    envelope["description"] = (Envelope.__doc__ or "").strip()
    return dict(sorted({**definitions["$defs"], "Envelope": envelope}.items()))


def render() -> str:
    """Return the document as the JSON text committed to ``docs/asyncapi.json``."""
    return json.dumps(build_document(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Write the document to ``--output``, or to standard output."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--output", type=Path, help="File to write, e.g. docs/asyncapi.json (default: stdout)."
    )
    args = parser.parse_args(argv)
    if args.output is None:
        print(render(), end="")
        return
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main()
