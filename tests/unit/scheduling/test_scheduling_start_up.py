"""The scheduler's start-up: what it reads before it serves, and in which order."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from scheduling.main import create_service
from scheduling.service.reach_advice import ReachAdviceBook
from scheduling.settings import SchedulingSettings
from scheduling.venues import VenueDirectory
from werkplaats.organisations import OrganisationDirectory

FOLLOWERS = (VenueDirectory, OrganisationDirectory, ReachAdviceBook)


async def test_the_venue_organisation_and_advice_topics_are_read_side_by_side(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reading: list[str] = []
    all_reading = asyncio.Event()

    async def read_to_the_end(self: object) -> None:
        reading.append(type(self).__name__)
        if len(reading) == len(FOLLOWERS):
            all_reading.set()
        await asyncio.wait_for(all_reading.wait(), 5)  # times out when each waits for the one before

    for follower in FOLLOWERS:
        monkeypatch.setattr(follower, "start", read_to_the_end)
    settings = SchedulingSettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'scheduling.db'}")
    service = create_service(settings, bootstrap_servers="127.0.0.1:1")
    runtime = service.runtime

    async def no_topics(*_: object) -> None:
        return None

    monkeypatch.setattr(runtime, "ensure_topics", no_topics)
    try:
        for task in runtime.startup[:-1]:  # all but the agenda view, which loads in the background
            await task()
    finally:
        for task in runtime.shutdown:
            await task()
        await runtime.database.dispose()

    assert sorted(reading) == sorted(follower.__name__ for follower in FOLLOWERS)
