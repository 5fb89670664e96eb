"""Backoff state per receiving endpoint: its failures slow only its own deliveries."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.domain import retry_delay
from notifications.store.tables import EndpointRow, utc, utc_or_none


async def endpoints_recovered(session: AsyncSession, endpoints: set[str]) -> None:
    """Clear the failures of ``endpoints`` after a success."""
    await session.execute(
        update(EndpointRow)
        .where(EndpointRow.endpoint.in_(endpoints), EndpointRow.failures > 0)
        .values(failures=0, blocked_until=None)
    )


async def endpoint_failed(
    session: AsyncSession, endpoint: str, now: datetime, retry_base_s: float, retry_max_s: float
) -> datetime:
    """Count a failure of ``endpoint``; until when it is blocked (a failure while blocked adds nothing)."""
    dialect = session.get_bind().dialect.name
    insert = sqlite_insert if dialect == "sqlite" else postgres_insert
    await session.execute(
        insert(EndpointRow)
        .values(endpoint=endpoint, failures=0)
        .on_conflict_do_nothing(index_elements=["endpoint"])
    )
    state = await session.get(EndpointRow, endpoint, with_for_update=True, populate_existing=True)
    assert state is not None  # inserted just above
    until = utc_or_none(state.blocked_until)
    if until is None or until <= now:
        state.failures += 1
        state.blocked_until = now + timedelta(seconds=retry_delay(state.failures, retry_base_s, retry_max_s))
        return utc(state.blocked_until)
    return until
