"""Create the declared Kafka topics (idempotently) with their partitions and broker-side config."""

from __future__ import annotations

from collections.abc import Iterable

import structlog
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code

from contracts.topics import TopicSpec
from werkplaats.errors import WerkplaatsError
from werkplaats.kafka_security import Security, client_options

log = structlog.get_logger(__name__)

# With three replicas an acks=all write waits for two: one node may be lost, and nothing acknowledged with it.
REPLICATED_MIN_INSYNC = 2


class TopicCreationError(WerkplaatsError, RuntimeError):
    """The broker refused to create one or more topics."""


async def ensure_topics(
    bootstrap: str,
    specs: Iterable[TopicSpec],
    *,
    replication_factor: int | None = None,
    security: Security = None,
) -> list[str]:
    """Create the topics of ``specs`` that do not exist yet; return the names created.

    ``security`` (settings or credentials) says how to authenticate; ``None`` reads the environment.
    """
    wanted = {spec.name: spec for spec in specs}
    if not wanted:
        return []
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, client_id="werkplaats-topics", **client_options(security)
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [spec for name, spec in wanted.items() if name not in existing]
        if not missing:
            return []
        if replication_factor is None:
            brokers = len((await admin.describe_cluster())["brokers"])
            replication_factor = max(1, min(3, brokers))
        new_topics = [
            NewTopic(
                spec.name,
                spec.partitions,
                replication_factor,
                topic_configs=topic_config(spec, replication_factor),
            )
            for spec in missing
        ]
        response = await admin.create_topics(new_topics)
    finally:
        await admin.close()
    created, failures = [], []
    for topic, error_code, *rest in response.topic_errors:
        if error_code == 0:
            created.append(topic)
        elif for_code(error_code) is not TopicAlreadyExistsError:
            message = rest[0] if rest and rest[0] else for_code(error_code).__name__
            failures.append(f"{topic}: {message}")
    if failures:
        raise TopicCreationError("could not create topics: " + "; ".join(failures))
    log.info("kafka.topics.created", topics=created, replication_factor=replication_factor)
    return sorted(created)


def topic_config(spec: TopicSpec, replication_factor: int) -> dict[str, str]:
    """The topic's own settings, plus ``min.insync.replicas=2`` where it has three replicas or more."""
    config = dict(spec.config)
    if replication_factor >= 3:
        config.setdefault("min.insync.replicas", str(REPLICATED_MIN_INSYNC))
    return config
