"""The live feed as Server-Sent Events: numbered entries, resumable with ``Last-Event-ID``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

Entry = tuple[int, str, dict[str, Any]]
ReadAfter = Callable[[int, int], Awaitable[Sequence[Entry]]]

HEARTBEAT = ": keep-alive\n\n"


def frame(entry: Entry) -> str:
    """One SSE frame: ``id``, ``event`` and a one-line JSON ``data``."""
    number, event_type, data = entry
    return f"id: {number}\nevent: {event_type}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def resume_point(last_event_id: str | None) -> int:
    """The entry number to resume after (0, the start, for a missing or malformed id)."""
    if last_event_id and last_event_id.strip().isdigit():
        return int(last_event_id.strip())
    return 0


async def stream(
    read_after: ReadAfter,
    after: int,
    *,
    follow: bool,
    poll_s: float = 0.5,
    heartbeat_s: float = 15.0,
    batch: int = 500,
) -> AsyncIterator[str]:
    """Frames of every entry after ``after``; with ``follow``, keep polling for new ones."""
    yield "retry: 2000\n\n"
    idle = 0.0
    while True:
        entries = await read_after(after, batch)
        for entry in entries:
            after = entry[0]
            yield frame(entry)
        if entries:
            idle = 0.0
        if len(entries) == batch:
            continue
        if not follow:
            return
        await asyncio.sleep(poll_s)
        idle += poll_s
        if idle >= heartbeat_s:
            idle = 0.0
            yield HEARTBEAT
