"""How Werkplaats clients authenticate to Kafka: PLAINTEXT, or SASL (SCRAM) with or without TLS."""

from __future__ import annotations

from dataclasses import dataclass, field
from ssl import SSLContext
from typing import Any

from aiokafka.helpers import create_ssl_context
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512
from pydantic import SecretStr

from werkplaats.errors import WerkplaatsError
from werkplaats.settings import RuntimeSettings

PLAINTEXT = "PLAINTEXT"
SASL_PROTOCOLS = frozenset({"SASL_PLAINTEXT", "SASL_SSL"})
PROTOCOLS = frozenset({PLAINTEXT, "SSL", *SASL_PROTOCOLS})
DEFAULT_MECHANISM = "SCRAM-SHA-512"
_FASTSTREAM_SASL = {"PLAIN": SASLPlaintext, "SCRAM-SHA-256": SASLScram256, "SCRAM-SHA-512": SASLScram512}
_JAAS_MODULES = {
    "PLAIN": "org.apache.kafka.common.security.plain.PlainLoginModule",
    "SCRAM-SHA-256": "org.apache.kafka.common.security.scram.ScramLoginModule",
    "SCRAM-SHA-512": "org.apache.kafka.common.security.scram.ScramLoginModule",
}


class KafkaSecurityError(WerkplaatsError, ValueError):
    """The security settings are incomplete or name an unsupported protocol or mechanism."""


@dataclass(frozen=True)
class KafkaSecurity:
    """The security protocol and, for SASL, the mechanism and credentials of one Kafka principal."""

    protocol: str = PLAINTEXT
    mechanism: str | None = None
    username: str | None = None
    password: SecretStr | None = field(default=None, repr=False)
    ca_file: str | None = None
    """PEM file of the CA that signs the brokers' certificates (TLS); unset: the system's CAs."""

    def __post_init__(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise KafkaSecurityError(f"unsupported Kafka security protocol {self.protocol!r}")
        if self.sasl:
            if self.sasl_mechanism not in _FASTSTREAM_SASL:
                raise KafkaSecurityError(f"unsupported SASL mechanism {self.sasl_mechanism!r}")
            if not self.username or self.password is None:
                raise KafkaSecurityError(f"{self.protocol} needs a SASL username and password")

    @classmethod
    def scram(cls, username: str, password: str, *, tls: bool = False) -> KafkaSecurity:
        """SASL/SCRAM-SHA-512 credentials (over TLS when ``tls``)."""
        protocol = "SASL_SSL" if tls else "SASL_PLAINTEXT"
        return cls(protocol, DEFAULT_MECHANISM, username, SecretStr(password))

    @classmethod
    def from_settings(cls, settings: RuntimeSettings) -> KafkaSecurity:
        """The security settings of ``settings`` (``KAFKA_SECURITY_PROTOCOL`` and ``KAFKA_SASL_*``)."""
        return cls(
            settings.kafka_security_protocol.upper(),
            settings.kafka_sasl_mechanism,
            settings.kafka_sasl_username,
            settings.kafka_sasl_password,
            settings.kafka_ssl_cafile,
        )

    @classmethod
    def from_env(cls) -> KafkaSecurity:
        """The security settings of this process's environment."""
        return cls.from_settings(RuntimeSettings())

    @property
    def sasl(self) -> bool:
        """Whether the client authenticates with SASL."""
        return self.protocol in SASL_PROTOCOLS

    @property
    def tls(self) -> bool:
        """Whether the connection is encrypted with TLS."""
        return self.protocol in {"SSL", "SASL_SSL"}

    @property
    def sasl_mechanism(self) -> str:
        """The SASL mechanism; SCRAM-SHA-512 unless configured."""
        return (self.mechanism or DEFAULT_MECHANISM).upper()

    def secret(self) -> str:
        """The password in clear text, for handing to a client library only."""
        return self.password.get_secret_value() if self.password is not None else ""


Security = KafkaSecurity | RuntimeSettings | None


def resolve(security: Security) -> KafkaSecurity:
    """``security`` as a :class:`KafkaSecurity`; ``None`` means: from the environment."""
    if isinstance(security, KafkaSecurity):
        return security
    if isinstance(security, RuntimeSettings):
        return KafkaSecurity.from_settings(security)
    return KafkaSecurity.from_env()


def ssl_context(security: KafkaSecurity) -> SSLContext:
    """The TLS context of ``security``: trusting its CA file when it names one, else the system's CAs."""
    context: SSLContext = create_ssl_context(cafile=security.ca_file)
    return context


def client_options(security: Security = None) -> dict[str, Any]:
    """The aiokafka keyword arguments for ``security``; empty for PLAINTEXT (the client defaults)."""
    resolved = resolve(security)
    if resolved.protocol == PLAINTEXT:
        return {}
    options: dict[str, Any] = {"security_protocol": resolved.protocol}
    if resolved.tls:
        options["ssl_context"] = ssl_context(resolved)
    if resolved.sasl:
        options["sasl_mechanism"] = resolved.sasl_mechanism
        options["sasl_plain_username"] = resolved.username
        options["sasl_plain_password"] = resolved.secret()
    return options


def faststream_security(security: Security = None) -> BaseSecurity | None:
    """The FastStream security object for ``security``; ``None`` for PLAINTEXT."""
    resolved = resolve(security)
    context = ssl_context(resolved) if resolved.tls else None
    if resolved.sasl:
        kind = _FASTSTREAM_SASL[resolved.sasl_mechanism]
        return kind(resolved.username or "", resolved.secret(), ssl_context=context)
    if resolved.tls:
        return BaseSecurity(ssl_context=context)
    return None


def java_client_properties(security: KafkaSecurity) -> dict[str, str]:
    """Java client properties (for Kafka's command-line tools) authenticating as ``security``."""
    properties = {"security.protocol": security.protocol}
    if security.sasl:
        module = _JAAS_MODULES[security.sasl_mechanism]
        properties["sasl.mechanism"] = security.sasl_mechanism
        properties["sasl.jaas.config"] = jaas_config(module, security.username or "", security.secret())
    return properties


def jaas_config(module: str, username: str, password: str, **extra: str) -> str:
    """A JAAS login line for ``module``, e.g. ``... ScramLoginModule required username="a" password="b";``."""
    options = {"username": username, "password": password, **extra}
    quoted = " ".join(f'{key}="{_jaas_quote(value)}"' for key, value in options.items())
    return f"{module} required {quoted};"


def _jaas_quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')
