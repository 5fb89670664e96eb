"""A consumer's fetch wait: batching fetches by default, a long wait for the first byte when asked."""

from __future__ import annotations

from typing import Any

from scheduling.settings import SchedulingSettings
from scheduling.store import SqlSchedulingUnitOfWork
from werkplaats.runtime import ServiceRuntime


def runtime() -> ServiceRuntime:
    settings = SchedulingSettings(database_url="sqlite+aiosqlite:///:memory:")
    return ServiceRuntime("scheduling", settings, bootstrap_servers="unused:9092")


async def ignore(*_: Any) -> None:
    return None


def fetching(service: ServiceRuntime, name: str, **options: Any) -> tuple[int, int, int]:
    """The poll timeout, fetch min bytes and fetch max wait of a consumer registered as ``name``."""
    before = set(service.broker.subscribers)
    service.consume("views.test", name=name, unit_of_work=SqlSchedulingUnitOfWork, handler=ignore, **options)
    (subscriber,) = set(service.broker.subscribers) - before
    connection = subscriber._connection_args  # type: ignore[attr-defined]
    return subscriber.batch_timeout_ms, connection["fetch_min_bytes"], connection["fetch_max_wait_ms"]  # type: ignore[attr-defined]


def test_a_consumer_fetches_in_batches_as_the_settings_say_by_default() -> None:
    service = runtime()
    settings = service.settings
    expected = (settings.poll_timeout_ms, settings.fetch_min_bytes, settings.fetch_max_wait_ms)
    assert fetching(service, "busy") == expected


def test_a_fetch_wait_returns_at_the_first_byte_and_otherwise_waits_that_long() -> None:
    assert fetching(runtime(), "idle", fetch_wait_ms=2000) == (2000, 1, 2000)
