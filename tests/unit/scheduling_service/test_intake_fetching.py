"""The intake fetches partner activities at their first byte: a steady activity waits for no fetch window."""

from __future__ import annotations

from typing import Any

from scheduling.main import create_runtime
from scheduling.settings import SchedulingSettings
from werkplaats.settings import ServiceSettings

INTAKE_GROUP_SUFFIX = "-intake"


def intake_fetching(settings: SchedulingSettings) -> tuple[int, int, int]:
    """The intake consumer's poll timeout, fetch min bytes and fetch max wait."""
    runtime = create_runtime(settings, bootstrap_servers="unused:9092")
    (intake,) = [s for s in runtime.broker.subscribers if _group(s).endswith(INTAKE_GROUP_SUFFIX)]
    connection = intake._connection_args  # type: ignore[attr-defined]
    return intake.batch_timeout_ms, connection["fetch_min_bytes"], connection["fetch_max_wait_ms"]  # type: ignore[attr-defined]


def _group(subscriber: Any) -> str:
    return str(subscriber.group_id)


def test_the_broker_answers_the_intakes_fetch_at_the_first_activity_and_holds_it_briefly() -> None:
    settings = SchedulingSettings(database_url="sqlite+aiosqlite:///:memory:")
    poll_ms, min_bytes, max_wait_ms = intake_fetching(settings)
    assert min_bytes == 1
    # A fetch in flight leaves out the partitions whose records still wait in the consumer: records that
    # arrive there wait for it, so it is held no longer than before. And FastStream sleeps a whole poll
    # timeout after an empty poll, so the poll stays short too.
    assert (poll_ms, max_wait_ms) == (25, 10)
    batching = ServiceSettings()
    assert (batching.fetch_min_bytes, batching.fetch_max_wait_ms) == (64 * 1024, 10)  # other services batch


def test_an_operator_can_still_batch_the_intakes_fetches() -> None:
    settings = SchedulingSettings(
        database_url="sqlite+aiosqlite:///:memory:",
        fetch_min_bytes=65536,
        fetch_max_wait_ms=10,
        poll_timeout_ms=25,
    )
    assert intake_fetching(settings) == (25, 65536, 10)
