"""One transaction of the initiatives service: its session, and the events it publishes on commit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts import Envelope
from werkplaats.db import Database
from werkplaats.outbox import add_event


class InitiativesUnitOfWork:
    """A session and its outbox: events published here leave only if the transaction commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.is_postgres = session.get_bind().dialect.name == "postgresql"

    def publish(self, topic: str, envelope: Envelope[Any], *, key: str) -> None:
        """Publish ``envelope`` on ``topic`` when this unit of work commits."""
        add_event(self.session, topic, envelope, key=key)


@asynccontextmanager
async def unit_of_work(database: Database) -> AsyncIterator[InitiativesUnitOfWork]:
    """A unit of work that commits when the block ends without error."""
    async with database.transaction() as session:
        yield InitiativesUnitOfWork(session)
