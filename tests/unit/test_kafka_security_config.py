"""Kafka security without a broker: client options, broker SASL properties, ACL declarations."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from faststream.security import SASLScram512

from werkplaats.kafka_security import (
    KafkaSecurity,
    KafkaSecurityError,
    client_options,
    faststream_security,
    java_client_properties,
)
from werkplaats.localkafka import BrokerConfig, render_server_properties
from werkplaats.localkafka.broker import BrokerStatus
from werkplaats.localkafka.security import service_grants, write_private
from werkplaats.settings import RuntimeSettings

SECURITY_ENV = (
    "KAFKA_SECURITY_PROTOCOL",
    "KAFKA_SASL_MECHANISM",
    "KAFKA_SASL_USERNAME",
    "KAFKA_SASL_PASSWORD",
)


@pytest.fixture(autouse=True)
def no_security_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SECURITY_ENV:
        monkeypatch.delenv(name, raising=False)


def _parse(text: str) -> dict[str, str]:
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def test_plaintext_is_the_default_and_adds_no_client_options() -> None:
    assert RuntimeSettings().kafka_security_protocol == "PLAINTEXT"
    assert client_options() == {}
    assert faststream_security() is None


def test_sasl_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "staedion")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "s3cret")
    assert client_options() == {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "staedion",
        "sasl_plain_password": "s3cret",
    }
    security = faststream_security(RuntimeSettings())
    assert isinstance(security, SASLScram512)
    assert (security.username, security.password, security.use_ssl) == ("staedion", "s3cret", False)


def test_the_password_never_shows_in_reprs() -> None:
    settings = RuntimeSettings(kafka_sasl_password="s3cret")
    assert "s3cret" not in repr(settings)
    assert "s3cret" not in repr(KafkaSecurity.scram("staedion", "s3cret"))


def test_sasl_ssl_adds_a_tls_context() -> None:
    options = client_options(KafkaSecurity.scram("staedion", "s3cret", tls=True))
    assert options["security_protocol"] == "SASL_SSL"
    assert options["ssl_context"] is not None


def test_sasl_without_credentials_is_refused() -> None:
    with pytest.raises(KafkaSecurityError):
        KafkaSecurity("SASL_PLAINTEXT", "SCRAM-SHA-512")
    with pytest.raises(KafkaSecurityError):
        KafkaSecurity("SASL_PLAINTEXT", "GSSAPI", "a", None)


def test_java_client_properties_hold_a_scram_login() -> None:
    properties = java_client_properties(KafkaSecurity.scram("admin", 'pa"ss'))
    assert properties["security.protocol"] == "SASL_PLAINTEXT"
    assert properties["sasl.mechanism"] == "SCRAM-SHA-512"
    assert properties["sasl.jaas.config"] == (
        "org.apache.kafka.common.security.scram.ScramLoginModule required "
        'username="admin" password="pa\\"ss";'
    )


def test_sasl_broker_properties(tmp_path: Path) -> None:
    config = BrokerConfig(tmp_path, 19092, 19093, sasl=True, admin_password="pw")
    props = _parse(render_server_properties(config))
    assert props["listeners"] == "SASL_PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"
    assert props["listener.security.protocol.map"] == "CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT"
    assert props["inter.broker.listener.name"] == "SASL_PLAINTEXT"
    assert props["sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert props["sasl.mechanism.inter.broker.protocol"] == "SCRAM-SHA-512"
    assert props["listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config"] == (
        'org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="pw";'
    )
    assert props["authorizer.class.name"] == "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    assert props["allow.everyone.if.no.acl.found"] == "false"
    assert "User:admin" in props["super.users"].split(";")
    assert "pw" not in repr(config)


def test_plaintext_broker_properties_are_unchanged(tmp_path: Path) -> None:
    props = _parse(render_server_properties(BrokerConfig(tmp_path, 19092, 19093)))
    assert props["listener.security.protocol.map"] == "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
    assert not any(key.startswith(("sasl.", "authorizer.", "super.")) for key in props)


def test_status_says_when_sasl_is_on() -> None:
    assert BrokerStatus(True, "127.0.0.1:9092", 42, sasl=True).describe() == (
        "running 127.0.0.1:9092 (pid 42, SASL/SCRAM-SHA-512 with ACLs)"
    )
    assert BrokerStatus(True, "127.0.0.1:9092", 42).describe() == "running 127.0.0.1:9092 (pid 42)"


def test_the_scheduler_reads_partner_topics_and_owns_its_groups() -> None:
    grants = service_grants("scheduling")
    prefixed: dict[tuple[str, str], set[str]] = {}
    for grant in grants:
        if grant.prefixed:
            prefixed.setdefault((grant.resource, grant.name), set()).update(grant.operations)
    assert {"Read", "Describe"} <= prefixed[("topic", "partner.")]
    assert {"Read", "Write", "Create"} <= prefixed[("topic", "scheduling.")]
    assert prefixed[("group", "scheduling")] == {"Read"}
    assert not any(g.resource == "cluster" for g in grants)


def test_private_files_are_0600(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    write_private(path, "x")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(FileExistsError):
        write_private(path, "y")


@pytest.mark.parametrize(
    "name", ["admin", "scheduling", "notifications", "initiatives", "centres", "root-admin"]
)
def test_no_partner_may_take_the_principal_of_a_service_or_an_administrator(name: str) -> None:
    from werkplaats.localkafka.security import KafkaSecurityAdmin, ReservedPrincipalError

    tools = KafkaSecurityAdmin("127.0.0.1:1", KafkaSecurity.scram("root-admin", "x" * 20))
    with pytest.raises(ReservedPrincipalError):
        tools.add_partner(name)  # refused before any tool runs or any broker is asked
    with pytest.raises(ReservedPrincipalError):
        tools.remove_partner(name)
    assert tools.check_partner_name("staedion") == "staedion"
