"""The operator manifests follow the contracts: topics, users and ACLs, scaling, probes, secrets."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from contracts.topics import all_service_topics, partner_topics
from support.kubernetes_schemas import KUBERNETES, ROOT, documents
from werkplaats.localkafka.security import (
    acl_arguments,
    partner_grants,
    service_access,
    service_grants,
)
from werkplaats.manifests import stale_files
from werkplaats.manifests.render import DEN_HAAG_PARTNERS
from werkplaats.manifests.scaling import CONSUMERS

Acl = tuple[str, str, str, str]


def of_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {d.body["metadata"]["name"]: d.body for d in documents() if d.body["kind"] == kind}


def test_the_generated_manifests_are_current() -> None:
    assert stale_files(KUBERNETES) == [], "run: werkplaats manifests render"


def test_a_changed_manifest_is_reported_stale(tmp_path: Path) -> None:
    from werkplaats.manifests import render_all

    render_all(tmp_path)
    topics = tmp_path / "operators" / "kafka-topics.yaml"
    topics.write_text(topics.read_text().replace("partitions: 12", "partitions: 11"), encoding="utf-8")
    assert stale_files(tmp_path) == ["operators/kafka-topics.yaml"]


def test_every_declared_topic_is_a_kafka_topic_with_its_partitions_and_config() -> None:
    topics = {body["spec"]["topicName"]: body["spec"] for body in of_kind("KafkaTopic").values()}
    declared = list(all_service_topics())
    for slug in DEN_HAAG_PARTNERS:
        declared += partner_topics(slug)
    assert set(topics) == {spec.name for spec in declared}
    for spec in declared:
        topic = topics[spec.name]
        assert topic["partitions"] == spec.partitions, spec.name
        assert topic["replicas"] == 3
        assert topic["config"] == {**spec.config, "min.insync.replicas": "2"}, spec.name


def strimzi_acls(user: dict[str, Any]) -> set[Acl]:
    """The (resource, name, pattern, operation) rules of a KafkaUser."""
    found = set()
    for rule in user["spec"]["authorization"]["acls"]:
        assert rule["type"] == "allow"
        resource = rule["resource"]
        pattern = {"prefix": "prefixed", "literal": "literal"}[resource.get("patternType", "literal")]
        for operation in rule["operations"]:
            found.add((resource["type"], resource.get("name", ""), pattern, operation))
    return found


def acl_command_rules(grants: Any) -> set[Acl]:
    """The same rules as the local broker's AclCommand invocations grant them."""
    found = set()
    for arguments in acl_arguments(grants):
        pairs = list(itertools.pairwise(arguments))
        pattern = dict(pairs)["--resource-pattern-type"]
        operations = [value for flag, value in pairs if flag == "--operation"]
        names = [(flag[2:], value) for flag, value in pairs if flag in ("--topic", "--group")]
        for resource, name in names:
            found |= {(resource, name, pattern, operation) for operation in operations}
    return found


@pytest.mark.parametrize("service", sorted(service_access()))
def test_each_service_user_has_exactly_the_acls_the_local_broker_grants(service: str) -> None:
    user = of_kind("KafkaUser")[service]
    assert user["spec"]["authentication"]["type"] == "scram-sha-512"
    reference = user["spec"]["authentication"]["password"]["valueFrom"]["secretKeyRef"]
    assert reference == {"name": f"werkplaats-{service}", "key": "kafka-password"}
    assert strimzi_acls(user) == acl_command_rules(service_grants(service))


@pytest.mark.parametrize("slug", DEN_HAAG_PARTNERS)
def test_a_partner_writes_only_under_its_own_prefix(slug: str) -> None:
    user = of_kind("KafkaUser")[slug]
    rules = strimzi_acls(user)
    assert rules == acl_command_rules(partner_grants(slug))
    writes = {(name, pattern) for _, name, pattern, operation in rules if operation == "Write"}
    assert writes == {(f"partner.{slug}.", "prefixed")}
    assert "password" not in user["spec"]["authentication"], "the operator generates partner passwords"


def test_the_kafka_cluster_runs_in_kraft_mode_with_scram_over_tls_and_acls() -> None:
    [kafka] = of_kind("Kafka").values()
    pools = of_kind("KafkaNodePool").values()
    assert sorted(role for pool in pools for role in pool["spec"]["roles"]) == ["broker", "controller"]
    assert all(pool["spec"]["replicas"] == 3 for pool in pools)
    [listener] = kafka["spec"]["kafka"]["listeners"]
    assert listener["tls"] is True
    assert listener["authentication"]["type"] == "scram-sha-512"
    assert kafka["spec"]["kafka"]["authorization"]["type"] == "simple"
    assert kafka["spec"]["kafka"]["config"]["min.insync.replicas"] == 2


def test_every_strimzi_resource_names_the_one_cluster() -> None:
    [cluster] = of_kind("Kafka")
    for document in documents():
        if document.body["kind"] in ("KafkaNodePool", "KafkaTopic", "KafkaUser"):
            assert document.body["metadata"]["labels"]["strimzi.io/cluster"] == cluster, document.label


def topic_partitions(topics: tuple[str, ...] | None) -> int:
    """The partitions of the widest of ``topics`` (``None``: one partner's topic)."""
    if topics is None:
        return partner_topics("template")[0].partitions
    declared = {spec.name: spec.partitions for spec in all_service_topics()}
    return max(declared[topic] for topic in topics)


@pytest.mark.parametrize("service", sorted(service_access()))
def test_each_service_scales_on_its_consumer_group_lag_up_to_its_partitions(service: str) -> None:
    scaled = of_kind("ScaledObject")[service]
    assert scaled["spec"]["scaleTargetRef"]["name"] == service
    triggers = scaled["spec"]["triggers"]
    assert {trigger["type"] for trigger in triggers} == {"kafka"}
    source = (ROOT / "services" / service / "subscribers.py").read_text(encoding="utf-8")
    registered = set(re.findall(r'group_id=f"\{runtime\.consumer_group\}-([a-z-]+)"', source))
    groups = {trigger["metadata"]["consumerGroup"] for trigger in triggers}
    assert groups == {f"{service}-{group.suffix}" for group in CONSUMERS[service]}
    assert groups == {f"{service}-{suffix}" for suffix in registered}
    widest = max(topic_partitions(group.topics) for group in CONSUMERS[service])
    assert 2 <= scaled["spec"]["minReplicaCount"] <= scaled["spec"]["maxReplicaCount"] == widest
    for trigger in triggers:
        assert trigger["metadata"]["bootstrapServers"] == "werkplaats-kafka-bootstrap:9093"
        assert trigger["metadata"]["allowIdleConsumers"] == "false"
        assert trigger["authenticationRef"]["name"] == f"{service}-kafka"


@pytest.mark.parametrize("service", sorted(service_access()))
def test_each_deployment_probes_liveness_and_readiness(service: str) -> None:
    [container] = of_kind("Deployment")[service]["spec"]["template"]["spec"]["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"


@pytest.mark.parametrize("service", sorted(service_access()))
def test_each_deployment_trusts_the_kafka_cluster_ca_from_its_secret(service: str) -> None:
    spec = of_kind("Deployment")[service]["spec"]["template"]["spec"]
    [container] = spec["containers"]
    environment = {item["name"]: item.get("value") for item in container["env"]}
    assert environment["KAFKA_BOOTSTRAP_SERVERS"] == "werkplaats-kafka-bootstrap:9093"
    mounts = {mount["name"]: mount["mountPath"] for mount in container["volumeMounts"]}
    assert environment["KAFKA_SSL_CAFILE"].startswith(mounts["kafka-ca"] + "/")
    volumes = {volume["name"]: volume for volume in spec["volumes"]}
    assert volumes["kafka-ca"]["secret"]["secretName"] == "werkplaats-cluster-ca-cert"


def test_no_manifest_holds_a_secret_value() -> None:
    for document in documents():
        assert document.body["kind"] != "Secret", f"{document.label}: Secrets are created, not kept here"
        text = str(document.body).lower()
        assert not re.search(r"'password': '[^']", text), document.label


def test_every_service_has_a_database_and_a_login_role_from_a_secret() -> None:
    [cluster] = of_kind("Cluster").values()
    roles = {role["name"]: role for role in cluster["spec"]["managed"]["roles"]}
    databases = {body["spec"]["name"]: body["spec"] for body in of_kind("Database").values()}
    assert set(roles) == set(databases) == set(service_access())
    for service, database in databases.items():
        assert database["owner"] == service
        assert roles[service]["passwordSecret"]["name"] == f"werkplaats-{service}-db"
    backup = cluster["spec"]["backup"]
    assert backup["barmanObjectStore"]["s3Credentials"]["accessKeyId"]["name"] == "werkplaats-backup-s3"
    [scheduled] = of_kind("ScheduledBackup").values()
    assert scheduled["spec"]["cluster"]["name"] == cluster["metadata"]["name"]


def test_the_render_command_checks_and_rewrites_the_files(tmp_path: Path) -> None:
    def render(*options: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "werkplaats", "manifests", "render", "--root", str(tmp_path)]
        return subprocess.run([*command, *options], capture_output=True, text=True, check=False, timeout=120)

    stale = render("--check")
    assert stale.returncode == 1
    assert "out of date" in stale.stderr
    assert render().returncode == 0
    assert render("--check").returncode == 0
    assert stale_files(tmp_path) == []
