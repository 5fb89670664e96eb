"""Group commit: items added while a flush runs are flushed together, in one transaction."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class GroupCommit(Generic[T]):
    """Runs ``flush`` on everything added while the previous flush ran: one transaction for many items.

    ``add`` returns once its item was flushed (or raises the flush's error), so callers keep their order
    of effects; concurrent callers share a transaction instead of queueing for one each.
    """

    def __init__(self, flush: Callable[[list[T]], Awaitable[None]]) -> None:
        self.flush = flush
        self.lock = asyncio.Lock()
        self.waiting: list[tuple[T, asyncio.Future[None]]] = []

    async def add(self, item: T) -> None:
        """Flush ``item``, together with whatever else is waiting."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting.append((item, done))
        async with self.lock:
            if not done.done():
                batch, self.waiting = self.waiting, []
                try:
                    await self.flush([queued for queued, _ in batch])
                except BaseException as error:  # every waiter learns of it, even of a cancel
                    for _, future in batch:
                        future.set_exception(error)
                    done.exception()  # retrieved here: this caller raises it now
                    raise
                else:
                    for _, future in batch:
                        future.set_result(None)
        await done
