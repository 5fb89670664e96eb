"""A local single-node Apache Kafka 4.1.1 broker run from Maven Central jars, without Docker."""

from werkplaats.localkafka.artifacts import KAFKA_VERSION, ArtifactError, default_cache_dir, resolve_jars
from werkplaats.localkafka.broker import BrokerError, BrokerStatus, LocalKafka, default_data_dir
from werkplaats.localkafka.config import BrokerConfig, render_server_properties
from werkplaats.localkafka.reachability import answers_metadata, broker_answers

__all__ = [
    "KAFKA_VERSION",
    "ArtifactError",
    "BrokerConfig",
    "BrokerError",
    "BrokerStatus",
    "LocalKafka",
    "answers_metadata",
    "broker_answers",
    "default_cache_dir",
    "default_data_dir",
    "render_server_properties",
    "resolve_jars",
]
