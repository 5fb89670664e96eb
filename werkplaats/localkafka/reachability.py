"""Check that a Kafka bootstrap address answers a metadata request with at least one broker."""

from __future__ import annotations

import asyncio
import concurrent.futures
import socket
from collections.abc import Coroutine, Mapping
from typing import Any, TypeVar

import structlog
from aiokafka import AIOKafkaClient

T = TypeVar("T")

log = structlog.get_logger(__name__)


def _host_port(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host.strip("[]") or "127.0.0.1", int(port or 9092)


def tcp_open(bootstrap: str, timeout: float = 1.0) -> bool:
    """Whether any address of the comma-separated ``bootstrap`` list accepts a TCP connection."""
    for address in bootstrap.split(","):
        try:
            with socket.create_connection(_host_port(address.strip()), timeout=timeout):
                return True
        except (OSError, ValueError):
            continue
    return False


def probe_client(bootstrap: str, wait_s: float, options: Mapping[str, Any] | None = None) -> AIOKafkaClient:
    """A metadata client of ``bootstrap`` whose requests give up after ``wait_s`` (not yet connected)."""
    timeout_ms = int(wait_s * 1000)
    return AIOKafkaClient(
        bootstrap_servers=bootstrap,
        request_timeout_ms=timeout_ms,
        connections_max_idle_ms=timeout_ms + 1000,
        **(options or {}),
    )


async def answers_metadata(
    bootstrap: str, wait_s: float = 5.0, options: Mapping[str, Any] | None = None
) -> bool:
    """Whether ``bootstrap`` answers a metadata request that lists at least one broker.

    ``options`` are extra client settings, such as the SASL ones of a secured broker.
    """
    if not tcp_open(bootstrap):
        return False
    client = probe_client(bootstrap, wait_s, options)
    try:
        await asyncio.wait_for(client.bootstrap(), wait_s)
        return bool(client.cluster.brokers())
    except Exception as error:  # noqa: BLE001 - any failure means "not answering yet"
        log.debug("kafka.probe.failed", bootstrap=bootstrap, error=repr(error))
        return False
    finally:
        await client.close()


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion, also when called from inside a running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def broker_answers(bootstrap: str, timeout: float = 5.0, options: Mapping[str, Any] | None = None) -> bool:
    """Check synchronously that ``bootstrap`` answers a metadata request (see :func:`answers_metadata`)."""
    return run_sync(answers_metadata(bootstrap, wait_s=timeout, options=options))
