"""What scheduling reads and keeps, behind one interface per kind of thing, on SQL.

Each repository remembers what it read for the rest of its transaction, so a batch of events reads
each activity, zone token and conflict once; writes are staged on the unit of work.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol, cast

from sqlalchemy import Table, delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling.domain import ActivityKey
from scheduling.store.reads import Stored, stored_and_staged
from scheduling.store.tables import ActivityRow, ConflictRow, StagedActivityRow
from werkplaats.db import CHUNK, load_in_chunks
from werkplaats.unit_of_work import UnitOfWork

StoredActivity = tuple[dict[str, Any], str]
"""An activity as stored: its published payload and its content hash."""
StagedVersion = tuple[dict[str, Any] | None, str]
"""An activity as the API published it: its payload (None: withdrawn) and the event's id."""
ZoneMember = tuple[str, dict[str, Any]]
"""An activity placed in a zone: its organisation and its published payload."""
ConflictRecord = dict[str, Any]
"""A whole ``conflicts`` row, by column name."""
ZoneMemberKey = tuple[str, str, str]
"""``(zone, organisation, activity_id)``: an activity's place in one zone."""

ACTIVITIES = cast(Table, ActivityRow.__table__)
STAGED = cast(Table, StagedActivityRow.__table__)


class Activities(Protocol):
    """The activities on the shared agenda, as their organisers last published them."""

    async def load(self, keys: Iterable[ActivityKey]) -> None:
        """Read ``keys`` for this transaction in as few queries as possible."""

    async def get(self, key: ActivityKey) -> StoredActivity | None:
        """The stored activity ``key``, or None when it is not on the agenda."""

    async def sequence(self, key: ActivityKey) -> int | None:
        """The publish sequence of the stored activity ``key``, or None when it is not on the agenda."""

    def put(self, row: dict[str, Any]) -> None:
        """Store an activity (an ``activities`` row) when the transaction commits."""

    def remove(self, key: ActivityKey) -> None:
        """Take an activity off the agenda when the transaction commits."""


class StagedActivities(Protocol):
    """What the HTTP API last published of each activity, until the intake has taken that event in."""

    async def load(self, keys: Iterable[ActivityKey]) -> None:
        """Read the staged event ids of ``keys`` for this transaction in as few queries as possible."""

    async def latest(self, key: ActivityKey) -> StagedVersion | None:
        """The staged version of ``key`` (locked until the transaction ends), or None when none waits."""

    def remember(self, organisation: str, activity_id: str, version: StagedVersion) -> None:
        """Keep ``version`` as the activity's latest when the transaction commits."""

    async def settle(self, key: ActivityKey, event_id: str) -> None:
        """Forget the staged version of ``key`` if it is the event ``event_id`` (not a newer one)."""


class Zones(Protocol):
    """Each zone's members and the token of its last committed change."""

    async def load(self, zones: Iterable[str], known: Mapping[str, str] | None = None) -> set[str]:
        """Lock ``zones`` for this transaction (in one order), then read their tokens at once.

        A zone whose token is still ``known[zone]`` is renewed instead: it gets this transaction's token
        in the same statement. Returns the zones renewed (proven current).
        """

    async def load_members(self, members: Iterable[ZoneMemberKey]) -> None:
        """Read the publish sequences of ``members`` for this transaction in as few queries as possible."""

    async def member_sequence(self, zone: str, organisation: str, activity_id: str) -> int | None:
        """The publish sequence of an activity placed in the zone, or None when it is not there."""

    async def token(self, zone: str) -> str | None:
        """The token of the zone's last committed change (None: never written)."""

    def renew(self, zone: str) -> str:
        """The token this transaction gives the zone when it commits (written once, however often asked)."""

    async def members(self, zone: str) -> list[ZoneMember]:
        """The zone's activities in publish order."""

    def place(
        self, zone: str, organisation: str, activity_id: str, payload: dict[str, Any], sequence: int
    ) -> None:
        """Put an activity in the zone (or replace it) when the transaction commits."""

    def unplace(self, zone: str, organisation: str, activity_id: str) -> None:
        """Take an activity out of the zone when the transaction commits."""


class Conflicts(Protocol):
    """Every conflict ever detected, open or resolved, with its acknowledgement."""

    async def statuses(self, conflict_ids: Iterable[str]) -> Mapping[str, str | None]:
        """The status of ``conflict_ids`` (None: never detected), read once per transaction.

        The mapping stays current: it shows what ``record_*`` staged since.
        """

    async def detect_unless_open(self, rows: Sequence[ConflictRecord]) -> set[str]:
        """Write conflicts detected (again) as these whole rows, each unless it is open; the ids written."""

    def record_detected(self, row: ConflictRecord) -> None:
        """Keep a conflict detected (again) as this whole row: open, not acknowledged."""

    def record_resolved(self, conflict_id: str, resolved_at: datetime, resolution: dict[str, Any]) -> None:
        """Mark an open conflict resolved."""

    def record_changed(self, conflict_id: str, detected: dict[str, Any]) -> None:
        """Replace an open conflict's description."""

    async def write_changes(self) -> None:
        """Write what ``record_resolved`` and ``record_changed`` staged for rows detected earlier."""

    def add(self, row: ConflictRow) -> None:
        """Keep a conflict row as it is."""

    async def acknowledged_in(self, zones: Iterable[str]) -> Sequence[ConflictRow]:
        """The open, acknowledged conflicts that ``zones`` own."""

    async def get_for_update(self, conflict_id: str) -> ConflictRow | None:
        """The conflict ``conflict_id``, locked until the transaction ends."""

    async def open_started_before(self, moment: datetime, limit: int) -> Sequence[ConflictRow]:
        """Open conflicts that started before ``moment``, oldest first."""


class SqlActivities:
    """Activities in the database; writes staged on the unit of work."""

    def __init__(self, session: AsyncSession, unit: UnitOfWork) -> None:
        self.session, self.unit = session, unit
        self._known: dict[ActivityKey, tuple[StoredActivity, int] | None] = {}

    async def load(self, keys: Iterable[ActivityKey]) -> None:
        """Read ``keys`` for this transaction, 500 per query."""

        async def stored(
            chunk: list[ActivityKey],
        ) -> Iterable[tuple[ActivityKey, tuple[StoredActivity, int]]]:
            rows = await self.session.execute(
                select(
                    ActivityRow.organisation,
                    ActivityRow.activity_id,
                    ActivityRow.payload,
                    ActivityRow.content_hash,
                    ActivityRow.sequence,
                ).where(tuple_(ActivityRow.organisation, ActivityRow.activity_id).in_(chunk))
            )
            return (
                ((org, activity_id), ((payload, digest), sequence))
                for org, activity_id, payload, digest, sequence in rows
            )

        self._known.update(await load_in_chunks(set(keys) - self._known.keys(), stored))

    async def get(self, key: ActivityKey) -> StoredActivity | None:
        """The stored activity ``key``, or None when it is not on the agenda."""
        if key not in self._known:
            await self.load([key])
        known = self._known[key]
        return None if known is None else known[0]

    async def sequence(self, key: ActivityKey) -> int | None:
        """The publish sequence of the stored activity ``key``, or None when it is not on the agenda."""
        if key not in self._known:
            await self.load([key])
        known = self._known[key]
        return None if known is None else known[1]

    def found(self, keys: Iterable[ActivityKey], stored: dict[ActivityKey, Stored]) -> None:
        """Keep what one read found of ``keys`` (``stored``; the others are not on the agenda), if new."""
        for key in keys:
            found = stored.get(key)
            self._known.setdefault(key, None if found is None else ((found[0], found[1]), found[2]))

    def put(self, row: dict[str, Any]) -> None:
        """Store an activity (an ``activities`` row) when the transaction commits."""
        self.unit.upsert(ACTIVITIES, row)
        key = (row["organisation"], row["activity_id"])
        self._known[key] = ((row["payload"], row["content_hash"]), row["sequence"])

    def remove(self, key: ActivityKey) -> None:
        """Take an activity off the agenda when the transaction commits."""
        self.unit.delete(ACTIVITIES, {"organisation": key[0], "activity_id": key[1]})
        self._known[key] = None


class SqlStagedActivities:
    """Staged versions in the database; the settling delete runs at once, only for the very event."""

    def __init__(self, session: AsyncSession, unit: UnitOfWork) -> None:
        self.session, self.unit = session, unit
        self._event_ids: dict[ActivityKey, str | None] = {}

    async def load(self, keys: Iterable[ActivityKey]) -> None:
        """Read the staged event ids of ``keys`` for this transaction, 500 per query."""

        async def staged(chunk: list[ActivityKey]) -> Iterable[tuple[ActivityKey, str]]:
            rows = await self.session.execute(
                select(
                    StagedActivityRow.organisation, StagedActivityRow.activity_id, StagedActivityRow.event_id
                ).where(tuple_(StagedActivityRow.organisation, StagedActivityRow.activity_id).in_(chunk))
            )
            return (((org, activity_id), event_id) for org, activity_id, event_id in rows)

        self._event_ids.update(await load_in_chunks(set(keys) - self._event_ids.keys(), staged))

    def found(self, keys: Iterable[ActivityKey], event_ids: dict[ActivityKey, str]) -> None:
        """Keep what one read found of ``keys`` (``event_ids``; the others have none staged), if new."""
        for key in keys:
            self._event_ids.setdefault(key, event_ids.get(key))

    async def latest(self, key: ActivityKey) -> StagedVersion | None:
        """The staged version of ``key``, locked until the transaction ends (on PostgreSQL)."""
        row = await self.session.get(StagedActivityRow, key, with_for_update=True)
        return None if row is None else (row.payload, row.event_id)

    def remember(self, organisation: str, activity_id: str, version: StagedVersion) -> None:
        """Keep ``version`` as the activity's latest when the transaction commits."""
        payload, event_id = version
        row = {"organisation": organisation, "activity_id": activity_id, "payload": payload}
        self.unit.upsert(STAGED, row | {"event_id": event_id, "staged_at": datetime.now(UTC)})
        self._event_ids[(organisation, activity_id)] = event_id

    async def settle(self, key: ActivityKey, event_id: str) -> None:
        """Delete the staged version of ``key`` if it is ``event_id``; a newer one stays."""
        if key not in self._event_ids:
            await self.load([key])
        if self._event_ids[key] != event_id:
            return
        organisation, activity_id = key
        await self.session.execute(
            delete(StagedActivityRow).where(
                StagedActivityRow.organisation == organisation,
                StagedActivityRow.activity_id == activity_id,
                StagedActivityRow.event_id == event_id,
            )
        )
        self._event_ids[key] = None


async def load_activities(
    session: AsyncSession, activities: SqlActivities, staged: SqlStagedActivities, keys: Iterable[ActivityKey]
) -> None:
    """Read the stored and the staged versions of ``keys`` together, 500 per statement."""
    wanted = sorted(set(keys))
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        stored, event_ids = await stored_and_staged(session, chunk)
        activities.found(chunk, stored)
        staged.found(chunk, event_ids)
