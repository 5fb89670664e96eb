"""Every Kubernetes manifest fits the Kubernetes schemas and the operators' CRD schemas, offline."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest
import yaml

from support.kubernetes_schemas import (
    KUBERNETES,
    Document,
    SchemaMissingError,
    documents,
    manifest_files,
    validate,
)

STRIMZI_KINDS = {"Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser"}
"""Checked against Strimzi's schemas in test_strimzi_schemas, field by field in test_kubernetes_operators."""

SCHEMA_CHECKED = [document for document in documents() if document.body["kind"] not in STRIMZI_KINDS]


def first(kind: str) -> dict[str, Any]:
    """A copy of the first manifest document of ``kind``."""
    return copy.deepcopy(next(d.body for d in documents() if d.body["kind"] == kind))


@pytest.mark.parametrize("document", SCHEMA_CHECKED, ids=lambda d: d.label)
def test_every_manifest_fits_its_schema(document: Document) -> None:
    validate(document.body)


def test_the_schemas_cover_the_core_cloudnativepg_and_keda_kinds() -> None:
    kinds = {d.body["kind"] for d in SCHEMA_CHECKED}
    assert {"Deployment", "Service", "ConfigMap", "ScaledObject", "TriggerAuthentication"} <= kinds
    assert {"Cluster", "Database", "ScheduledBackup"} <= kinds


def test_an_unknown_kind_has_no_schema_and_is_not_waved_through() -> None:
    with pytest.raises(SchemaMissingError):
        validate({"apiVersion": "example.org/v1", "kind": "Gadget", "metadata": {"name": "x"}})


def test_a_misspelt_deployment_field_is_refused() -> None:
    deployment = first("Deployment")
    deployment["spec"]["replica"] = deployment["spec"].pop("replicas")
    with pytest.raises(jsonschema.ValidationError, match="replica"):
        validate(deployment)


def test_a_container_without_an_image_name_is_refused() -> None:
    deployment = first("Deployment")
    del deployment["spec"]["template"]["spec"]["containers"][0]["name"]
    with pytest.raises(jsonschema.ValidationError, match="name"):
        validate(deployment)


def test_a_postgres_cluster_without_instances_is_refused() -> None:
    cluster = first("Cluster")
    del cluster["spec"]["instances"]
    with pytest.raises(jsonschema.ValidationError, match="instances"):
        validate(cluster)


def test_a_scaled_object_with_an_unknown_field_is_refused() -> None:
    scaled = first("ScaledObject")
    scaled["spec"]["maxReplicas"] = scaled["spec"].pop("maxReplicaCount")
    with pytest.raises(jsonschema.ValidationError, match="maxReplicas"):
        validate(scaled)


def test_a_trigger_authentication_reference_without_a_key_is_refused() -> None:
    authentication = first("TriggerAuthentication")
    del authentication["spec"]["secretTargetRef"][0]["key"]
    with pytest.raises(jsonschema.ValidationError, match="key"):
        validate(authentication)


def test_a_probe_with_a_wrong_type_is_refused() -> None:
    deployment = first("Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["livenessProbe"]["periodSeconds"] = "often"
    with pytest.raises(jsonschema.ValidationError, match="often"):
        validate(deployment)


def kustomize_resources(directory: Any) -> set[Any]:
    text = (directory / "kustomization.yaml").read_text(encoding="utf-8")
    resources = yaml.safe_load(text)["resources"]
    return {(directory / name).resolve() for name in resources}


def test_every_manifest_is_part_of_the_base_or_an_overlay() -> None:
    base = kustomize_resources(KUBERNETES)
    overlay = kustomize_resources(KUBERNETES / "overlays" / "den-haag")
    assert KUBERNETES.resolve() in overlay
    assert {path.resolve() for path in manifest_files()} == (base | overlay) - {KUBERNETES.resolve()}
