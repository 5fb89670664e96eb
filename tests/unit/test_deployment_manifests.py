"""Deployment files are safe by default: local-only ports, no default passwords, SASL for every service."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from werkplaats.localkafka.security import provisioning_script, service_access

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
SASL_OVERRIDE = ROOT / "deploy" / "compose" / "sasl.yml"
KUBERNETES = ROOT / "deploy" / "kubernetes"
SECRET_NAME = re.compile(r"PASSWORD|SECRET|DATABASE_URL")


def load(path: Path) -> dict[str, Any]:
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")))


def test_every_published_compose_port_is_bound_to_loopback() -> None:
    for name, service in {**load(COMPOSE)["services"], **load(SASL_OVERRIDE)["services"]}.items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on every interface"


@pytest.mark.parametrize("path", [COMPOSE, SASL_OVERRIDE], ids=lambda p: p.name)
def test_compose_passwords_come_from_the_env_file_without_a_default(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"\$\{[A-Z_]*(PASSWORD|SECRET)[A-Z_]*:?-", text), "a password with a default"
    for name, service in load(path)["services"].items():
        for variable, value in (service.get("environment") or {}).items():
            if SECRET_NAME.search(variable):
                required = re.search(r"\$\{[A-Z_]+:\?", str(value))
                assert required, f"{name}.{variable} is not required from .env"


def test_under_the_sasl_profile_every_kafka_client_logs_in_and_only_loopback_is_plaintext() -> None:
    base, sasl = load(COMPOSE)["services"], load(SASL_OVERRIDE)["services"]
    clients = [name for name, service in base.items() if name not in ("kafka", "postgres")]
    for name in clients:
        environment = sasl[name]["environment"]
        assert environment["KAFKA_SECURITY_PROTOCOL"] == "SASL_PLAINTEXT", name
        assert environment["KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512", name
    users = {sasl[name]["environment"]["KAFKA_SASL_USERNAME"] for name in clients} - {"admin"}
    assert users == set(service_access())
    kafka = sasl["kafka"]["environment"]
    protocols = dict(pair.split(":") for pair in kafka["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    for listener in kafka["KAFKA_LISTENERS"].split(","):
        label, address = listener.split("://")
        if protocols[label] == "PLAINTEXT":
            assert address.startswith("127.0.0.1:"), f"{label} is PLAINTEXT beyond the container"
    assert kafka["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"] == "false"


def test_the_provisioning_script_is_the_one_the_acl_table_generates() -> None:
    script = (ROOT / "deploy" / "kafka" / "provision-principals.sh").read_text(encoding="utf-8")
    assert script == provisioning_script(), "run: werkplaats kafka principals script > deploy/kafka/..."


def deployments() -> dict[str, dict[str, Any]]:
    found = {}
    for path in sorted(KUBERNETES.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if document and document.get("kind") == "Deployment":
                found[document["metadata"]["name"]] = document
    return found


def test_kubernetes_covers_every_service() -> None:
    assert set(deployments()) == set(service_access())


@pytest.mark.parametrize("name", sorted(deployments()))
def test_each_kubernetes_service_logs_in_to_kafka_with_scram_from_a_secret(name: str) -> None:
    [container] = deployments()[name]["spec"]["template"]["spec"]["containers"]
    environment = {item["name"]: item for item in container["env"]}
    assert environment["KAFKA_SECURITY_PROTOCOL"]["value"] == "SASL_SSL"
    assert environment["KAFKA_SASL_MECHANISM"]["value"] == "SCRAM-SHA-512"
    assert environment["KAFKA_SASL_USERNAME"]["value"] == name
    for variable, item in environment.items():
        if SECRET_NAME.search(variable):
            assert "value" not in item, f"{variable} is written into the manifest"
            assert item["valueFrom"]["secretKeyRef"]["name"] == f"werkplaats-{name}"


@pytest.mark.parametrize("name", sorted(deployments()))
def test_each_kubernetes_service_is_a_static_group_member_named_after_its_pod(name: str) -> None:
    [container] = deployments()[name]["spec"]["template"]["spec"]["containers"]
    environment = {item["name"]: item for item in container["env"]}
    source = environment[f"{name.upper()}_INSTANCE_ID"]["valueFrom"]
    assert source == {"fieldRef": {"fieldPath": "metadata.name"}}
