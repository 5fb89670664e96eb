"""Retrying with backoff: one action until it succeeds, or a step repeated until cancelled."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import structlog

log = structlog.get_logger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Backoff:
    """Pauses that double after each consecutive failure, from ``first_s`` up to ``max_s``."""

    first_s: float = 0.1
    max_s: float = 5.0

    def delay(self, failures: int) -> float:
        """The pause after ``failures`` consecutive failures (1 for the first)."""
        return float(min(self.first_s * 2 ** max(failures - 1, 0), self.max_s))

    @classmethod
    def constant(cls, seconds: float) -> Backoff:
        """The same pause after every failure."""
        return cls(seconds, seconds)


async def until_done(
    action: Callable[[], Awaitable[T]], *, event: str, backoff: Backoff = Backoff(), **fields: Any
) -> T:
    """Run ``action`` until it succeeds; each failure is logged as ``event`` and retried after a pause."""
    failures = 0
    while True:
        try:
            return await action()
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - any failure is retried; cancellation ends it
            failures += 1
            delay = backoff.delay(failures)
            log.warning(event, error=f"{type(error).__name__}: {error}", retry_in_s=delay, **fields)
            await asyncio.sleep(delay)


async def repeat(
    step: Callable[[], Awaitable[T]],
    *,
    event: str,
    pause: Callable[[T], Awaitable[None]] | float = 0.0,
    backoff: Backoff = Backoff(),
    **fields: Any,
) -> None:
    """Run ``step`` until cancelled, pausing after a success and backing off after a failure.

    ``pause`` is seconds, or a coroutine function awaited with the step's result; a failure is logged
    as ``event`` with its traceback, and the pause after it grows while failures last.
    """
    failures = 0
    while True:
        try:
            result = await step()
        except asyncio.CancelledError:
            raise
        except Exception:
            failures += 1
            delay = backoff.delay(failures)
            log.exception(event, retry_in_s=delay, **fields)
            await asyncio.sleep(delay)
            continue
        failures = 0
        if callable(pause):
            await pause(result)
        elif pause:
            await asyncio.sleep(pause)
