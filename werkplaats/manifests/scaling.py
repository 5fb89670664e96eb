"""KEDA resources: each consuming service scaled on the lag of its consumer groups."""

from __future__ import annotations

from dataclasses import dataclass

from contracts.topics import (
    CENTRES_EVENTS,
    INITIATIVES_EVENTS,
    REACH_EVENTS,
    SCHEDULING_AGENDA,
    SCHEDULING_CONFLICTS,
    SCHEDULING_PLACEMENTS,
    TopicSpec,
    all_service_topics,
    partner_topics,
)
from werkplaats.manifests.strimzi import CLUSTER, Manifest

KEDA_API = "keda.sh/v1alpha1"
BOOTSTRAP = f"{CLUSTER}-kafka-bootstrap:9093"
CLUSTER_CA_SECRET = f"{CLUSTER}-cluster-ca-cert"
CLIENT_SETTINGS = "werkplaats-kafka-clients"
MIN_REPLICAS = 2
LAG_THRESHOLD = 500
"""Messages of lag per instance before KEDA adds one: about a second of the scheduler's measured work."""


@dataclass(frozen=True)
class ConsumerGroup:
    """One consumer group of a service: its id suffix and its topics (``None``: a partner pattern)."""

    suffix: str
    topics: tuple[str, ...] | None


PARTNER_PATTERN = None
"""A group subscribed to every partner's topic by pattern, not to named topics."""
CONSUMERS: dict[str, tuple[ConsumerGroup, ...]] = {
    "scheduling": (
        ConsumerGroup("intake", PARTNER_PATTERN),
        ConsumerGroup("detector", (SCHEDULING_PLACEMENTS,)),
    ),
    "notifications": (
        ConsumerGroup("conflicts", (SCHEDULING_CONFLICTS,)),
        ConsumerGroup("initiatives", (INITIATIVES_EVENTS,)),
        ConsumerGroup("reach", (REACH_EVENTS,)),
    ),
    "initiatives": (ConsumerGroup("conflicts", (SCHEDULING_CONFLICTS,)),),
    "centres": (ConsumerGroup("conflicts", (SCHEDULING_CONFLICTS,)),),
    "reach": (ConsumerGroup("agenda", (SCHEDULING_AGENDA,)), ConsumerGroup("reports", PARTNER_PATTERN)),
    "dashboard": (
        ConsumerGroup("read-model", (SCHEDULING_CONFLICTS, SCHEDULING_AGENDA)),
        ConsumerGroup("volunteers", (CENTRES_EVENTS,)),
    ),
}
"""Every consumer group each service registers (``<service>-<suffix>``) and what it reads."""


def partitions(topic: str) -> int:
    """The declared partitions of a service topic."""
    declared: dict[str, TopicSpec] = {spec.name: spec for spec in all_service_topics()}
    return declared[topic].partitions


PARTNER_PARTITIONS = partner_topics("template")[0].partitions


def group_partitions(group: ConsumerGroup) -> int:
    """The most partitions of any one topic of ``group``: more instances than that would sit idle."""
    if group.topics is None:
        return PARTNER_PARTITIONS
    return max(partitions(topic) for topic in group.topics)


def max_replicas(service: str) -> int:
    """Instances worth running: the partitions of the widest topic any of its groups reads."""
    return max(group_partitions(group) for group in CONSUMERS[service])


def _trigger(service: str, group: ConsumerGroup) -> dict[str, object]:
    metadata = {
        "bootstrapServers": BOOTSTRAP,
        "consumerGroup": f"{service}-{group.suffix}",
        "lagThreshold": str(LAG_THRESHOLD),
        "activationLagThreshold": "0",
        "offsetResetPolicy": "earliest",
        "allowIdleConsumers": "false",
    }
    if group.topics is not None and len(group.topics) == 1:
        metadata["topic"] = group.topics[0]
    return {
        "type": "kafka",
        "name": f"{service}-{group.suffix}",
        "metadata": metadata,
        "authenticationRef": {"name": f"{service}-kafka"},
    }


def scaled_object(service: str) -> Manifest:
    """The ``ScaledObject`` of ``service``: two instances at least, at most one per partition."""
    return {
        "apiVersion": KEDA_API,
        "kind": "ScaledObject",
        "metadata": {"name": service, "labels": {"app.kubernetes.io/name": service}},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": service},
            "minReplicaCount": MIN_REPLICAS,
            "maxReplicaCount": max_replicas(service),
            "pollingInterval": 15,
            "cooldownPeriod": 300,
            "triggers": [_trigger(service, group) for group in CONSUMERS[service]],
        },
    }


def trigger_authentication(service: str) -> Manifest:
    """How KEDA logs in as ``service``: its SCRAM password from its Secret, the cluster CA from Strimzi's."""
    return {
        "apiVersion": KEDA_API,
        "kind": "TriggerAuthentication",
        "metadata": {"name": f"{service}-kafka", "labels": {"app.kubernetes.io/name": service}},
        "spec": {
            "secretTargetRef": [
                {"parameter": "password", "name": f"werkplaats-{service}", "key": "kafka-password"},
                {"parameter": "ca", "name": CLUSTER_CA_SECRET, "key": "ca.crt"},
            ],
            "configMapTargetRef": [
                {"parameter": "sasl", "name": CLIENT_SETTINGS, "key": "sasl"},
                {"parameter": "tls", "name": CLIENT_SETTINGS, "key": "tls"},
                {"parameter": "username", "name": CLIENT_SETTINGS, "key": f"{service}-username"},
            ],
        },
    }


def client_settings() -> Manifest:
    """The non-secret half of the scalers' Kafka login: mechanism, TLS and each service's user name."""
    data = {"sasl": "scram_sha512", "tls": "enable"}
    data |= {f"{service}-username": service for service in sorted(CONSUMERS)}
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": CLIENT_SETTINGS, "labels": {"app.kubernetes.io/part-of": "werkplaats"}},
        "data": data,
    }


def scaling_resources() -> list[Manifest]:
    """The scalers' settings, and per service its authentication and its ``ScaledObject``."""
    resources = [client_settings()]
    for service in sorted(CONSUMERS):
        resources += [trigger_authentication(service), scaled_object(service)]
    return resources
