"""The AsyncAPI document, the operators' documentation and the compose file agree with the code."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from contracts import decode_event
from contracts.asyncapi import (
    DEAD_LETTER_HEADERS,
    EXAMPLE_ACTIVITY_PUBLISHED,
    build_document,
    declared_topics,
    main,
    public_event_models,
    render,
)
from contracts.topics import DAY_MS, dead_letter_spec
from werkplaats import deadletter
from werkplaats.settings import RuntimeSettings

ROOT = Path(__file__).resolve().parents[3]
COMMITTED = ROOT / "docs" / "asyncapi.json"
OPERATIONS = ROOT / "docs" / "operations.md"
COMPOSE = ROOT / "docker-compose.yml"


def document() -> dict[str, Any]:
    return json.loads(render())


def addresses(doc: dict[str, Any]) -> set[str]:
    return {channel["address"] for channel in doc["channels"].values()}


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in refs(value)]
    return []


def resolve(doc: dict[str, Any], ref: str) -> Any:
    node: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_the_document_is_asyncapi_3_json() -> None:
    doc = document()
    assert doc["asyncapi"] == "3.0.0"
    assert doc["info"]["title"]
    assert doc["info"]["version"]


def test_every_declared_topic_is_a_channel() -> None:
    assert set(declared_topics()) <= addresses(document())
    assert {
        "partner.{org}.activities",
        "partner.{org}.feedback",
        "partner.{org}.activities.dlq",
    } <= addresses(document())


def test_partner_channels_have_the_org_parameter() -> None:
    for channel in document()["channels"].values():
        if "{org}" in channel["address"]:
            assert set(channel["parameters"]) == {"org"}


def test_every_public_event_type_has_a_message_on_a_channel() -> None:
    doc = document()
    on_channels = {
        ref.rsplit("/", 1)[1] for channel in doc["channels"].values() for ref in refs(channel["messages"])
    }
    for model in public_event_models():
        name = f"{model.event_type}.v{model.event_version}"
        assert doc["components"]["messages"][name]["name"] == model.event_type
        assert name in on_channels, f"{model.event_type} is on no channel"


def test_event_payloads_are_the_envelope_with_the_contract_in_data() -> None:
    message = document()["components"]["messages"]["activity.published.v1"]
    envelope, specific = message["payload"]["allOf"]
    assert envelope == {"$ref": "#/components/schemas/Envelope"}
    assert specific["properties"]["data"] == {"$ref": "#/components/schemas/ActivityPublished"}
    assert message["bindings"]["kafka"]["key"]["type"] == "string"


def test_every_reference_resolves() -> None:
    doc = document()
    for ref in refs(doc):
        assert ref.startswith("#/"), ref
        resolve(doc, ref)


def test_dead_letter_headers_are_the_runtimes() -> None:
    runtime_headers = {value for name, value in vars(deadletter).items() if name.startswith("HEADER_")}
    assert set(DEAD_LETTER_HEADERS) == runtime_headers
    message = document()["components"]["messages"]["dead-letter"]
    assert set(message["headers"]["properties"]) == runtime_headers


def test_dead_letter_channels_carry_dead_letters() -> None:
    for channel in document()["channels"].values():
        if channel["address"].endswith(".dlq"):
            assert list(channel["messages"]) == ["dead-letter"]


def test_each_operation_points_at_its_channel_and_messages() -> None:
    doc = document()
    for operation in doc["operations"].values():
        assert operation["action"] in {"send", "receive"}
        resolve(doc, operation["channel"]["$ref"])
        for message in operation["messages"]:
            assert message["$ref"].startswith(operation["channel"]["$ref"] + "/messages/")


def test_the_example_in_the_document_decodes() -> None:
    decode_event(json.dumps(EXAMPLE_ACTIVITY_PUBLISHED))


def test_the_module_writes_the_document(tmp_path: Path) -> None:
    output = tmp_path / "asyncapi.json"
    main(["--output", str(output)])
    assert json.loads(output.read_text()) == build_document()


def test_committed_document_is_up_to_date() -> None:
    assert COMMITTED.read_text() == render(), "run `python -m contracts.asyncapi --output docs/asyncapi.json`"


# docs/operations.md


def operations_text() -> str:
    return OPERATIONS.read_text()


def test_the_activity_published_example_in_the_operations_guide_decodes() -> None:
    match = re.search(r"<!-- example: activity.published -->\s*```json\n(.*?)```", operations_text(), re.S)
    assert match, "the marked example is missing from docs/operations.md"
    envelope = decode_event(match.group(1))
    assert envelope.type == "activity.published"


def topic_rows() -> dict[str, list[str]]:
    rows = {}
    for line in operations_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 7 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = cells
    return rows


def cleanup(config: dict[str, str]) -> str:
    if config["cleanup.policy"] == "compact":
        return "compact"
    return f"delete, {int(config['retention.ms']) // DAY_MS} days"


@pytest.mark.parametrize("address", sorted(a for a in declared_topics() if not a.endswith(".dlq")))
def test_the_operations_guide_states_each_topics_declaration(address: str) -> None:
    spec = declared_topics()[address]
    row = topic_rows()[address.replace("{org}", "<org>")]
    assert row[1] == str(spec.partitions)
    assert row[2] == cleanup(spec.config)


def test_the_operations_guide_states_the_dead_letter_declaration() -> None:
    spec = dead_letter_spec("any.topic")
    row = topic_rows()["<topic>.dlq"]
    assert (row[1], row[2]) == (str(spec.partitions), cleanup(spec.config))


def test_the_operations_guide_names_every_setting() -> None:
    from scheduling.settings import SchedulingSettings

    text = operations_text()
    for settings, prefix in ((RuntimeSettings, ""), (SchedulingSettings, "SCHEDULING_")):
        for name, field in settings.model_fields.items():
            alias = field.validation_alias
            variable = alias.choices[0] if alias is not None else prefix + name.upper()  # type: ignore[union-attr]
            assert f"`{variable}`" in text, f"{variable} is not documented"


def test_the_operations_guide_names_every_metric() -> None:
    from werkplaats.metrics import Metrics

    text = operations_text()
    for metric in Metrics("any").registry.collect():
        name = metric.name + ("_total" if metric.type == "counter" else "")
        assert f"`{name}`" in text, f"{name} is not documented"


# docker-compose.yml


def test_the_compose_file_runs_kafka_postgres_topics_and_scheduling() -> None:
    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    assert {"kafka", "postgres", "topics", "scheduling"} <= set(services)
    assert services["kafka"]["image"] == "apache/kafka:4.1.1"
    scheduling = services["scheduling"]
    assert scheduling["environment"]["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert scheduling["environment"]["SCHEDULING_DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert scheduling["depends_on"] == {
        "kafka": {"condition": "service_healthy"},
        "postgres": {"condition": "service_healthy"},
        "topics": {"condition": "service_completed_successfully"},
    }
    assert services["topics"]["command"][:2] == ["kafka", "topics"]
    assert services["demo"]["profiles"] == ["demo"]


def test_the_compose_broker_never_auto_creates_topics() -> None:
    kafka = yaml.safe_load(COMPOSE.read_text())["services"]["kafka"]["environment"]
    assert kafka["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert kafka["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == 1
