"""JSON Schemas of the contracts, exported to committed files, and the compatibility check between versions.

Export with ``python -m contracts.schemas``; the test suite fails when a released schema is broken.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from contracts.envelope import Envelope
from contracts.registry import EVENT_MODELS

SCHEMA_DIR = Path(__file__).parent / "schemas"


def schema_file_name(event_type: str, version: int) -> str:
    """The committed file of one event's schema, e.g. ``activity.published.v1.json``."""
    return f"{event_type}.v{version}.json"


def current_schemas() -> dict[str, dict[str, Any]]:
    """File name → JSON Schema of the envelope and of every registered event payload."""
    schemas = {"envelope.v1.json": Envelope[dict[str, Any]].model_json_schema()}
    for (event_type, version), model in sorted(EVENT_MODELS.items()):
        if not model.__module__.startswith("contracts."):
            continue  # internal events of one service are not public contracts
        schemas[schema_file_name(event_type, version)] = model.model_json_schema()
    return schemas


def committed_schemas(directory: Path = SCHEMA_DIR) -> dict[str, dict[str, Any]]:
    """File name → JSON Schema as committed."""
    return {path.name: json.loads(path.read_text()) for path in sorted(directory.glob("*.json"))}


def export(directory: Path = SCHEMA_DIR) -> list[str]:
    """Write the current schemas; the names of files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in current_schemas().items():
        (directory / name).write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
        written.append(name)
    return written


def breaking_changes(old: dict[str, Any], new: dict[str, Any], path: str = "") -> list[str]:
    """How ``new`` breaks readers or writers of ``old``: a field removed or retyped, or a new required one."""
    problems: list[str] = []
    old_props = _properties(old, old)
    new_props = _properties(new, new)
    for name, old_field in old_props.items():
        where = f"{path}{name}"
        if name not in new_props:
            problems.append(f"{where}: removed")
            continue
        old_types, new_types = _types(old_field, old), _types(new_field := new_props[name], new)
        if not old_types <= new_types:
            problems.append(f"{where}: type changed from {sorted(old_types)} to {sorted(new_types)}")
        old_object, new_object = _resolve(old_field, old), _resolve(new_field, new)
        if "properties" in old_object and "properties" in new_object:
            problems += breaking_changes(
                _with_defs(old_object, old), _with_defs(new_object, new), f"{where}."
            )
    added_required = set(new.get("required", [])) - set(old.get("required", []))
    problems += [f"{path}{name}: new required field" for name in sorted(added_required)]
    return problems


def _with_defs(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "$defs": root.get("$defs", {})}


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref and ref.startswith("#/$defs/"):
        return dict(root.get("$defs", {}).get(ref.removeprefix("#/$defs/"), {}))
    return schema


def _properties(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    return dict(_resolve(schema, root).get("properties", {}))


def _types(schema: dict[str, Any], root: dict[str, Any]) -> set[str]:
    """A field's set of admissible type names, following references and unions."""
    schema = _resolve(schema, root)
    for union in ("anyOf", "oneOf"):
        if union in schema:
            return set().union(*(_types(option, root) for option in schema[union]))
    if "enum" in schema:
        return {f"enum:{value}" for value in schema["enum"]}
    if "const" in schema:
        return {f"enum:{schema['const']}"}
    kind = schema.get("type", "any")
    if kind == "array":
        return {f"array<{item}>" for item in _types(schema.get("items", {}), root)}
    if kind == "string" and "format" in schema:
        return {f"string:{schema['format']}"}
    if kind == "object" and "title" in schema:
        return {f"object:{schema['title']}"}
    return {str(kind)}


if __name__ == "__main__":
    for written in export():
        print(written)
