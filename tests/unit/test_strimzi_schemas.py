"""The Strimzi resources validated against Strimzi's own CRD schemas, as kubernetes-models compiles them.

The schemas come with ``@kubernetes-models/strimzi-kafka-operator`` in ``tests/js`` (``npm ci`` in
``scripts/bootstrap.sh``); Node.js runs the validator.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from support.kubernetes_schemas import documents

SCRIPT = Path(__file__).parents[1] / "js" / "strimzi.mjs"


def strimzi_resources() -> list[dict[str, Any]]:
    """Every Strimzi resource in deploy/kubernetes."""
    found = [d.body for d in documents() if str(d.body.get("apiVersion", "")).startswith("kafka.strimzi.io/")]
    assert found, "no Strimzi resources found"
    return found


def problems(resources: list[dict[str, Any]]) -> list[list[str]]:
    """Per resource, what Strimzi's schema says is wrong with it (empty: valid)."""
    node = shutil.which("node")
    assert node is not None, "Node.js is needed (scripts/bootstrap.sh installs it)"
    lines = "".join(json.dumps(resource) + "\n" for resource in resources)
    done = subprocess.run(
        [node, str(SCRIPT)], input=lines.encode(), capture_output=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr.decode()
    results = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert len(results) == len(resources)
    return [result["errors"] for result in results]


def test_every_strimzi_resource_is_valid_for_the_operator() -> None:
    resources = strimzi_resources()
    assert {r["kind"] for r in resources} >= {"Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser"}
    invalid = {
        f"{r['kind']}/{r['metadata']['name']}": found
        for r, found in zip(resources, problems(resources), strict=True)
        if found
    }
    assert invalid == {}


def _first(kind: str) -> dict[str, Any]:
    return copy.deepcopy(next(r for r in strimzi_resources() if r["kind"] == kind))


def _partitions_as_text() -> dict[str, Any]:
    topic = _first("KafkaTopic")
    topic["spec"]["partitions"] = "three"
    return topic


def _unknown_mechanism() -> dict[str, Any]:
    user = _first("KafkaUser")
    user["spec"]["authentication"]["type"] = "scram-sha-1"
    return user


def _no_listeners() -> dict[str, Any]:
    kafka = _first("Kafka")
    del kafka["spec"]["kafka"]["listeners"]
    return kafka


@pytest.mark.parametrize("mistake", [_partitions_as_text, _unknown_mechanism, _no_listeners])
def test_a_mistake_in_a_strimzi_resource_is_found(mistake: Any) -> None:
    assert problems([mistake()]) != [[]]
