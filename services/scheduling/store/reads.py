"""The intake's reads, built once: Core statements whose compiled form SQLAlchemy caches by identity.

A statement built afresh for every batch costs its cache key each time; a key compared with ``=``
costs less than a one-element ``IN`` list, which is expanded at every execution. The stored and the
staged version of a batch's activities come back from one statement (``UNION ALL``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, literal_column, null, select, tuple_, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from scheduling.domain import ActivityKey
from scheduling.store.tables import ActivityRow, ConflictRow, StagedActivityRow

ACTIVITIES = cast(Table, ActivityRow.__table__)
STAGED = cast(Table, StagedActivityRow.__table__)
CONFLICTS = cast(Table, ConflictRow.__table__)

Stored = tuple[dict[str, Any], str, int]
"""An activity as stored: its payload, content hash and publish sequence."""


def _keyed(table: Table, many: str | None) -> ColumnElement[bool]:
    """``table``'s rows of one key (``:organisation``, ``:activity_id``) or of the list ``:<many>``."""
    if many is None:
        return and_(
            table.c.organisation == bindparam("organisation"), table.c.activity_id == bindparam("activity_id")
        )
    return tuple_(table.c.organisation, table.c.activity_id).in_(bindparam(many, expanding=True))


def _stored_and_staged(many: bool) -> Any:
    stored = select(
        literal_column("1").label("stored"),
        ACTIVITIES.c.organisation,
        ACTIVITIES.c.activity_id,
        ACTIVITIES.c.payload,
        ACTIVITIES.c.content_hash,
        ACTIVITIES.c.sequence,
        null().label("event_id"),
    ).where(_keyed(ACTIVITIES, "stored_keys" if many else None))
    staged = select(
        literal_column("0"),
        STAGED.c.organisation,
        STAGED.c.activity_id,
        null(),
        null(),
        null(),
        STAGED.c.event_id,
    ).where(_keyed(STAGED, "staged_keys" if many else None))
    return union_all(stored, staged)


STORED_AND_STAGED_OF_ONE = _stored_and_staged(many=False)
STORED_AND_STAGED_OF_MANY = _stored_and_staged(many=True)
CONFLICT_STATUS_OF_ONE = select(CONFLICTS.c.conflict_id, CONFLICTS.c.status).where(
    CONFLICTS.c.conflict_id == bindparam("conflict_id")
)
CONFLICT_STATUS_OF_MANY = select(CONFLICTS.c.conflict_id, CONFLICTS.c.status).where(
    CONFLICTS.c.conflict_id.in_(bindparam("conflict_ids", expanding=True))
)


async def stored_and_staged(
    session: AsyncSession, keys: Sequence[ActivityKey]
) -> tuple[dict[ActivityKey, Stored], dict[ActivityKey, str]]:
    """The stored activities and the staged event ids of ``keys`` (at most 500), in one statement."""
    if len(keys) == 1:
        ((organisation, activity_id),) = keys
        rows = await session.execute(
            STORED_AND_STAGED_OF_ONE, {"organisation": organisation, "activity_id": activity_id}
        )
    else:
        rows = await session.execute(
            STORED_AND_STAGED_OF_MANY, {"stored_keys": list(keys), "staged_keys": list(keys)}
        )
    stored: dict[ActivityKey, Stored] = {}
    staged: dict[ActivityKey, str] = {}
    for is_stored, organisation, activity_id, payload, digest, sequence, event_id in rows:
        if is_stored:
            stored[(organisation, activity_id)] = (payload, digest, sequence)
        else:
            staged[(organisation, activity_id)] = event_id
    return stored, staged


async def conflict_statuses(session: AsyncSession, conflict_ids: Sequence[str]) -> dict[str, str]:
    """The status of each of ``conflict_ids`` (at most 500) that was ever detected, in one statement."""
    if len(conflict_ids) == 1:
        rows = await session.execute(CONFLICT_STATUS_OF_ONE, {"conflict_id": conflict_ids[0]})
    else:
        rows = await session.execute(CONFLICT_STATUS_OF_MANY, {"conflict_ids": list(conflict_ids)})
    return {conflict_id: status for conflict_id, status in rows}
