"""Offline validation of Kubernetes manifests: core schemas from kubernetes-validate, operator CRDs.

The operators' CustomResourceDefinitions come from their Go modules (``go mod download``, the versions
pinned in deploy/kubernetes/schemas/sources.json); each version's ``openAPIV3Schema`` is made strict
the way kubeconform's ``-strict`` is: an object that lists its properties accepts no others.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

ROOT = Path(__file__).resolve().parents[2]
KUBERNETES = ROOT / "deploy" / "kubernetes"
SOURCES = json.loads((KUBERNETES / "schemas" / "sources.json").read_text(encoding="utf-8"))
KUBERNETES_VERSION = SOURCES["kubernetes"]["kubernetes_version"]


class SchemaMissingError(LookupError):
    """No schema is known for a manifest's apiVersion and kind."""


@dataclass(frozen=True)
class Document:
    """One YAML document of a manifest file."""

    path: Path
    index: int
    body: dict[str, Any]

    @property
    def label(self) -> str:
        """``file#index kind/name`` for messages."""
        name = self.body.get("metadata", {}).get("name")
        return f"{self.path.relative_to(KUBERNETES)}#{self.index} {self.body.get('kind')}/{name}"


def manifest_files() -> list[Path]:
    """Every manifest under deploy/kubernetes (kustomize's own files excepted)."""
    return sorted(path for path in KUBERNETES.rglob("*.yaml") if path.name != "kustomization.yaml")


LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def _parsed(path: Path) -> tuple[Document, ...]:
    text = path.read_text(encoding="utf-8")
    bodies = yaml.load_all(text, Loader=LOADER)
    return tuple(Document(path, index, body) for index, body in enumerate(bodies) if body)


def documents() -> Iterator[Document]:
    """Every non-empty document of every manifest (a fresh copy of each body)."""
    for path in manifest_files():
        for document in _parsed(path):
            yield Document(document.path, document.index, copy.deepcopy(document.body))


def module_dir(module: str, version: str) -> Path:
    """The directory of a Go module in the module cache, downloaded through the Go module proxy if absent."""
    go = shutil.which("go") or "/usr/local/go/bin/go"
    environment = {**os.environ, "GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local"}
    result = subprocess.run(
        [go, "mod", "download", "-json", f"{module}@{version}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
        env=environment,
        cwd=ROOT,
    )
    return Path(json.loads(result.stdout)["Dir"])


def strict(schema: Any) -> Any:
    """``schema`` with ``additionalProperties: false`` wherever an object lists its properties."""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    made = {key: strict(value) for key, value in schema.items()}
    open_object = made.get("x-kubernetes-preserve-unknown-fields") or "additionalProperties" in made
    if "properties" in made and not open_object:
        made["additionalProperties"] = False
    return made


@cache
def crd_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """The strict schema of each (apiVersion, kind) that the pinned operator CRDs define."""
    schemas = {}
    for source in SOURCES["operators"]:
        directory = module_dir(source["module"], source["version"])
        for relative in source["crds"]:
            crd = yaml.safe_load((directory / relative).read_text(encoding="utf-8"))
            group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
            for version in crd["spec"]["versions"]:
                schema = copy.deepcopy(version["schema"]["openAPIV3Schema"])
                schemas[(f"{group}/{version['name']}", kind)] = strict(schema)
    return schemas


def validate(body: dict[str, Any]) -> None:
    """Raise ``jsonschema.ValidationError`` when ``body`` does not fit its kind's schema."""
    key = (body.get("apiVersion", ""), body.get("kind", ""))
    schema = crd_schemas().get(key)
    if schema is not None:
        jsonschema.Draft7Validator(schema).validate(body)
        return
    try:
        kubernetes_validate.validate(body, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.SchemaNotFoundError as error:
        raise SchemaMissingError(f"no schema for {key}") from error
