"""The lingering group commit: items added within its wait share one flush; a failure reaches each."""

from __future__ import annotations

import asyncio

import pytest

from notifications.service.sending.lingering import LingeringCommit


async def test_items_added_within_the_linger_are_flushed_together_once() -> None:
    flushed: list[list[int]] = []

    async def flush(items: list[int]) -> None:
        flushed.append(items)

    commit = LingeringCommit(flush, linger_s=0.05)
    await asyncio.gather(*(commit.add(n) for n in range(5)))
    assert flushed == [[0, 1, 2, 3, 4]]


async def test_an_item_added_after_a_flush_began_goes_into_the_next_one_in_order() -> None:
    flushed: list[list[str]] = []
    first_started = asyncio.Event()
    release = asyncio.Event()

    async def flush(items: list[str]) -> None:
        if not flushed:
            first_started.set()
            await release.wait()
        flushed.append(items)

    commit = LingeringCommit(flush, linger_s=0.01)
    first = asyncio.create_task(commit.add("a"))
    await first_started.wait()
    second = asyncio.create_task(commit.add("b"))
    await asyncio.sleep(0.05)  # the second item's linger ends while the first flush still runs
    assert flushed == []
    release.set()
    await asyncio.gather(first, second)
    assert flushed == [["a"], ["b"]]


async def test_a_failed_flush_is_raised_to_every_item_of_it() -> None:
    async def flush(items: list[int]) -> None:
        raise RuntimeError(f"database gone while marking {len(items)}")

    commit = LingeringCommit(flush, linger_s=0.01)
    outcomes = await asyncio.gather(commit.add(1), commit.add(2), return_exceptions=True)
    assert [str(error) for error in outcomes] == ["database gone while marking 2"] * 2


async def test_an_item_is_not_acknowledged_before_its_flush_ends() -> None:
    flushing = asyncio.Event()
    release = asyncio.Event()

    async def flush(_: list[int]) -> None:
        flushing.set()
        await release.wait()

    commit = LingeringCommit(flush, linger_s=0.0)
    added = asyncio.create_task(commit.add(1))
    await flushing.wait()
    assert not added.done()
    release.set()
    await added


@pytest.mark.parametrize("linger_s", [0.0, 0.02])
async def test_a_lone_item_is_flushed_after_at_most_its_linger(linger_s: float) -> None:
    flushed: list[list[int]] = []

    async def flush(items: list[int]) -> None:
        flushed.append(items)

    commit = LingeringCommit(flush, linger_s=linger_s)
    await asyncio.wait_for(commit.add(7), timeout=5)
    assert flushed == [[7]]


async def test_an_urgent_item_ends_the_linger_for_those_waiting_with_it() -> None:
    flushed: list[list[str]] = []

    async def flush(items: list[str]) -> None:
        flushed.append(items)

    commit = LingeringCommit(flush, linger_s=30)
    waiting = asyncio.create_task(commit.add("lingering"))
    await asyncio.wait_for(commit.add("urgent", urgent=True), timeout=5)
    await waiting
    assert flushed == [["lingering", "urgent"]]
