"""What the API last published of an activity: staged until the intake takes it in, then as stored.

Every publication over HTTP is remembered in ``staged_activities`` in the same transaction as its outbox row;
the intake forgets it once it has taken that very event in. A change to one occurrence builds on this, so two
quick changes of one series never undo each other.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import ActivityPublished, ActivityWithdrawn, Envelope, EventData
from scheduling.store import ActivityRow, StagedActivityRow
from werkplaats.db import stage_upsert

STAGED = cast(Table, StagedActivityRow.__table__)


async def current(
    session: AsyncSession, organisation: str, activity_id: str, *, lock: bool = False
) -> dict[str, Any] | None:
    """The activity as last published (over HTTP, or taken in); None when absent or withdrawn."""
    key = (organisation, activity_id)
    staged = await session.get(StagedActivityRow, key, with_for_update=lock)
    if staged is not None:
        return staged.payload
    held = await session.get(ActivityRow, key)
    return held.payload if held is not None else None


def remember(session: AsyncSession, organisation: str, event: Envelope[EventData]) -> None:
    """Remember ``event`` (a publication or withdrawal) as the activity's latest version until taken in."""
    data = event.data
    assert isinstance(data, ActivityPublished | ActivityWithdrawn)
    payload = data.model_dump(mode="json") if isinstance(data, ActivityPublished) else None
    row = {
        "organisation": organisation,
        "activity_id": data.activity_id,
        "payload": payload,
        "event_id": str(event.event_id),
        "staged_at": datetime.now(UTC),
    }
    stage_upsert(session, STAGED, row)
