"""Static group membership: an instance id per process, one group instance id per consumer."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from werkplaats.runtime import ServiceRuntime
from werkplaats.services import ServiceDefinition, registered
from werkplaats.settings import ServiceSettings
from werkplaats.unit_of_work import SqlUnitOfWork

SERVICES = list(registered().values())


async def ignore(*_: Any) -> None:
    return None


def instance_ids(runtime: ServiceRuntime) -> list[str | None]:
    """The group instance id each of the runtime's consumers joins its group with."""
    return [subscriber._connection_args.get("group_instance_id") for subscriber in runtime.broker.subscribers]  # type: ignore[attr-defined]


def runtime_with(instance_id: str | None) -> ServiceRuntime:
    settings = ServiceSettings(database_url="sqlite+aiosqlite:///:memory:", instance_id=instance_id)
    runtime = ServiceRuntime("probe", settings, bootstrap_servers="unused:9092")
    runtime.consume("a", name="first", unit_of_work=SqlUnitOfWork, handler=ignore)
    runtime.consume("b", name="second", unit_of_work=SqlUnitOfWork, handler=ignore, group_id="other")
    return runtime


def test_without_an_instance_id_consumers_are_dynamic_members() -> None:
    assert instance_ids(runtime_with(None)) == [None, None]


def test_each_consumer_joins_with_the_instance_id_and_its_own_name() -> None:
    assert sorted(instance_ids(runtime_with("pod-7"))) == ["pod-7-first", "pod-7-second"]


def test_two_consumers_of_one_name_are_refused() -> None:
    runtime = runtime_with("pod-7")
    with pytest.raises(ValueError, match="'first'"):
        runtime.consume("c", name="first", unit_of_work=SqlUnitOfWork, handler=ignore)


@pytest.mark.parametrize("definition", SERVICES, ids=lambda d: d.name)
def test_every_consumer_of_a_service_has_its_own_instance_id(
    definition: ServiceDefinition, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"{definition.name.upper()}_INSTANCE_ID", "pod-7")
    runtime = definition.create_runtime(bootstrap_servers="unused:9092")
    ids = instance_ids(runtime)
    assert ids, "the service has consumers"
    assert all(i is not None and i.startswith("pod-7-") for i in ids)
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("value", ["", "pod 7", "pod/7", "x" * 201])
def test_an_instance_id_kafka_would_refuse_is_refused_by_name(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROBE_INSTANCE_ID", value)

    class ProbeSettings(ServiceSettings, env_prefix="PROBE_"):
        pass

    with pytest.raises(ValidationError, match="instance_id"):
        ProbeSettings()
