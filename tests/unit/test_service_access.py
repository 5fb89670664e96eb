"""Each service declares the Kafka access its consumers need: under SASL an undeclared read is refused."""

from __future__ import annotations

import re
from typing import Any

import pytest

from werkplaats.localkafka.security import service_access
from werkplaats.services import registered


def subscribed(name: str) -> tuple[set[str], set[str]]:
    """The topics and the patterns the service's consumers subscribe to (nothing is started)."""
    runtime = registered()[name].create_runtime(bootstrap_servers="127.0.0.1:1")
    topics: set[str] = set()
    patterns: set[str] = set()
    for subscriber in runtime.broker.subscribers:
        kafka_subscriber: Any = subscriber  # FastStream's Kafka subscriber: ``topics`` and ``_pattern``
        topics.update(topic.name for topic in kafka_subscriber.topics)
        if kafka_subscriber._pattern:
            patterns.add(kafka_subscriber._pattern)
    return topics, patterns


def readable(topic: str, reads: tuple[str, ...]) -> bool:
    return any(topic == grant or (grant.endswith(".") and topic.startswith(grant)) for grant in reads)


@pytest.mark.parametrize("name", sorted(registered()))
def test_every_topic_a_service_consumes_is_declared_readable(name: str) -> None:
    reads = service_access()[name].reads
    topics, patterns = subscribed(name)
    assert topics or patterns, f"{name} consumes nothing"
    assert {topic for topic in topics if not readable(topic, reads)} == set()
    for pattern in patterns:
        example = re.sub(r"\[a-z0-9-\]\+", "some-partner", pattern.strip("^$")).replace("\\.", ".")
        assert re.fullmatch(pattern, example), pattern
        assert readable(example, reads), f"{name} reads {pattern} without a grant"
