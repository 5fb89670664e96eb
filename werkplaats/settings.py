"""Configuration shared by every service, read from the environment when an app is created."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path.home() / ".local" / "share" / "werkplaats"
INSTANCE_ID_MAX_LENGTH = 200
"""Kafka allows 249 characters in a group instance id; the rest is left for the consumer's name."""
KAFKA_NAME = re.compile(r"[A-Za-z0-9._-]+")
"""The characters Kafka accepts in a group instance id (as in a topic name)."""


class RuntimeSettings(BaseSettings):
    """Settings every process of Werkplaats shares; unprefixed or ``WERKPLAATS_`` variables."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    kafka_bootstrap_servers: str | None = Field(
        default=None,
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "kafka_bootstrap_servers"),
        description="Use this broker and start none; unset means the local broker.",
    )
    kafka_security_protocol: str = Field(
        default="PLAINTEXT",
        validation_alias=AliasChoices("KAFKA_SECURITY_PROTOCOL", "kafka_security_protocol"),
        description="PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL.",
    )
    kafka_sasl_mechanism: str | None = Field(
        default=None,
        validation_alias=AliasChoices("KAFKA_SASL_MECHANISM", "kafka_sasl_mechanism"),
        description="SASL mechanism; SCRAM-SHA-512 when SASL is used and this is unset.",
    )
    kafka_sasl_username: str | None = Field(
        default=None, validation_alias=AliasChoices("KAFKA_SASL_USERNAME", "kafka_sasl_username")
    )
    kafka_sasl_password: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("KAFKA_SASL_PASSWORD", "kafka_sasl_password"),
        description="Never logged: shown as ********** in reprs.",
    )
    kafka_ssl_cafile: str | None = Field(
        default=None,
        validation_alias=AliasChoices("KAFKA_SSL_CAFILE", "kafka_ssl_cafile"),
        description="PEM file of the CA that signs the brokers' certificates; unset: the system's CAs.",
    )
    data_dir: Path = Field(
        default=DEFAULT_DATA_DIR,
        validation_alias=AliasChoices("WERKPLAATS_DATA_DIR", "data_dir"),
        description="Where embedded databases and local state live.",
    )
    outbound_allow: str = Field(
        default="",
        validation_alias=AliasChoices("WERKPLAATS_OUTBOUND_ALLOW", "outbound_allow"),
        description="Non-public hosts or CIDRs outbound HTTP may reach (comma-separated); none by default.",
    )
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("WERKPLAATS_LOG_LEVEL", "log_level"))
    log_format: str = Field(
        default="json",
        validation_alias=AliasChoices("WERKPLAATS_LOG_FORMAT", "log_format"),
        description="`json` (default) or `console` for people.",
    )


class ServiceSettings(RuntimeSettings):
    """Settings of one service; subclasses set an ``env_prefix`` such as ``SCHEDULING_``."""

    database_url: str | None = Field(
        default=None, description="SQLAlchemy async URL; unset means SQLite in the data directory."
    )
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8000, ge=0, le=65535)
    max_body_bytes: int = Field(
        default=256 * 1024, ge=1024, description="Largest HTTP request body accepted (413 beyond it)."
    )
    consumer_group: str | None = Field(
        default=None, description="Kafka consumer group; the service name if unset."
    )
    instance_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=INSTANCE_ID_MAX_LENGTH,
        description=(
            "Static group membership: a process restarted with the same id takes its partitions back at once."
            " Unique per live process (e.g. the pod name); unset means dynamic membership."
        ),
    )
    batch_size: int = Field(
        default=500, ge=1, le=10_000, description="Most messages handled in one transaction."
    )
    retry_attempts: int = Field(
        default=5, ge=1, description="Tries of a failing batch before dead-lettering."
    )
    retry_backoff_s: float = Field(default=0.2, gt=0, description="First retry delay; doubles each try.")
    retry_backoff_max_s: float = Field(default=5.0, gt=0)
    commit_interval_ms: int = Field(
        default=200, ge=0, description="Offsets are committed at most this often (effects are idempotent)."
    )
    poll_timeout_ms: int = Field(default=25, ge=1, description="How long an idle consumer waits per poll.")
    fetch_min_bytes: int = Field(default=64 * 1024, ge=1, description="Bytes a fetch waits for, to batch.")
    fetch_max_wait_ms: int = Field(default=10, ge=0, description="Longest a fetch waits for those bytes.")
    outbox_batch_size: int = Field(default=1000, ge=1)
    outbox_idle_poll_s: float = Field(
        default=0.5, gt=0, description="Relay check for rows from other processes."
    )
    outbox_max_attempts: int = Field(
        default=5, ge=1, description="Refusals of one outbox row by the broker before it is parked."
    )
    metadata_max_age_ms: int = Field(default=5000, ge=500, description="How soon new topics are seen.")
    inbox_retention_days: int = Field(
        default=30, ge=1, description="Processed-event records are kept this long (redelivery comes sooner)."
    )

    @field_validator("instance_id")
    @classmethod
    def _kafka_accepts(cls, value: str | None) -> str | None:
        if value is not None and not KAFKA_NAME.fullmatch(value):
            raise ValueError("only letters, digits, '.', '_' and '-' are allowed (Kafka refuses others)")
        return value

    def sqlite_url(self, service: str) -> str:
        """The default embedded database of ``service``."""
        return f"sqlite+aiosqlite:///{self.data_dir / f'{service}.db'}"

    def database_url_of(self, service: str) -> str:
        """The database of ``service``: ``database_url`` when set, else its embedded default."""
        return self.database_url or self.sqlite_url(service)
