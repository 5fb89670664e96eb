"""Which Kafka broker a process talks to: the configured one, else the local broker."""

from __future__ import annotations

from werkplaats.kafka_security import PLAINTEXT, KafkaSecurity
from werkplaats.localkafka import LocalKafka
from werkplaats.settings import RuntimeSettings

DEFAULT_BOOTSTRAP = "127.0.0.1:9092"


def resolve_bootstrap(settings: RuntimeSettings) -> str:
    """``KAFKA_BOOTSTRAP_SERVERS`` when set, else the local broker's (running or last) address."""
    if settings.kafka_bootstrap_servers:
        return settings.kafka_bootstrap_servers
    local = LocalKafka()
    return local.status().bootstrap or local.recorded_bootstrap() or DEFAULT_BOOTSTRAP


def ensure_broker(settings: RuntimeSettings) -> str:
    """The configured broker, or the local broker started if it is not running."""
    return LocalKafka(external_bootstrap=settings.kafka_bootstrap_servers).ensure_started()


def operator_security(settings: RuntimeSettings) -> KafkaSecurity:
    """How operator commands log in: the configured credentials, else the local SASL broker's admin."""
    configured = KafkaSecurity.from_settings(settings)
    if configured.protocol != PLAINTEXT or settings.kafka_bootstrap_servers:
        return configured
    return LocalKafka().admin_security() or configured
