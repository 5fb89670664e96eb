"""A lingering group commit: items added within a short wait are flushed together, in one transaction."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class LingeringCommit(Generic[T]):
    """Flushes what was added once the first item has waited ``linger_s``: one flush for many items.

    A steady trickle of items (one delivered webhook after another) would otherwise pay one transaction
    each. ``add`` returns once its item was flushed, or raises the flush's error; flushes run one at a
    time, in the order their items came.
    """

    def __init__(self, flush: Callable[[list[T]], Awaitable[None]], linger_s: float) -> None:
        self.flush = flush
        self.linger_s = linger_s
        self._waiting: list[tuple[T, asyncio.Future[None]]] = []
        self._lock = asyncio.Lock()
        self._flushers: set[asyncio.Task[None]] = set()
        self._hurry = asyncio.Event()  # set by an urgent item: the waiting flush goes at once

    async def add(self, item: T, *, urgent: bool = False) -> None:
        """Flush ``item`` together with whatever else is added before its turn comes.

        An ``urgent`` item ends the linger of the flush it joins: it and those waiting go at once.
        """
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if not self._waiting:
            self._hurry = asyncio.Event()
            flusher = asyncio.create_task(self._flush_after_linger(self._hurry), name="lingering-commit")
            self._flushers.add(flusher)
            flusher.add_done_callback(self._flushers.discard)
        self._waiting.append((item, done))
        if urgent:
            self._hurry.set()
        await done

    async def _flush_after_linger(self, hurry: asyncio.Event) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(hurry.wait(), timeout=self.linger_s)
        batch, self._waiting = self._waiting, []
        async with self._lock:
            try:
                await self.flush([item for item, _ in batch])
            except asyncio.CancelledError:
                for _, future in batch:
                    future.cancel()
                raise
            except Exception as error:  # noqa: BLE001 - every waiter raises it; the flusher has no caller
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                return
        for _, future in batch:
            if not future.done():
                future.set_result(None)
