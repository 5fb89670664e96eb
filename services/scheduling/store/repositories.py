"""What scheduling reads and keeps, behind one interface per kind of thing, on SQL.

Each repository remembers what it read for the rest of its transaction, so a batch of events reads
each activity, zone token and conflict once; writes are staged on the unit of work.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol, cast

from sqlalchemy import Table, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling.domain import ActivityKey
from scheduling.store.tables import ActivityRow, ConflictRow, ZoneMemberRow, ZoneRow
from werkplaats.db import load_in_chunks
from werkplaats.unit_of_work import UnitOfWork

StoredActivity = tuple[dict[str, Any], str]
"""An activity as stored: its published payload and its content hash."""
ZoneMember = tuple[str, dict[str, Any]]
"""An activity placed in a zone: its organisation and its published payload."""

ACTIVITIES = cast(Table, ActivityRow.__table__)
ZONES = cast(Table, ZoneRow.__table__)
ZONE_MEMBERS = cast(Table, ZoneMemberRow.__table__)


class Activities(Protocol):
    """The activities on the shared agenda, as their organisers last published them."""

    async def load(self, keys: Iterable[ActivityKey]) -> None:
        """Read ``keys`` for this transaction in as few queries as possible."""

    async def get(self, key: ActivityKey) -> StoredActivity | None:
        """The stored activity ``key``, or None when it is not on the agenda."""

    def put(self, row: dict[str, Any]) -> None:
        """Store an activity (an ``activities`` row) when the transaction commits."""

    def remove(self, key: ActivityKey) -> None:
        """Take an activity off the agenda when the transaction commits."""


class Zones(Protocol):
    """Each zone's members and the token of its last committed change."""

    async def load(self, zones: Iterable[str]) -> None:
        """Read the tokens of ``zones`` for this transaction in as few queries as possible."""

    async def token(self, zone: str) -> str | None:
        """The token of the zone's last committed change (None: never written)."""

    def set_token(self, zone: str, token: str) -> None:
        """Give the zone a new token when the transaction commits."""

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

    async def load(self, conflict_ids: Iterable[str]) -> dict[str, ConflictRow | None]:
        """The rows of ``conflict_ids`` (None: never detected), read once per transaction."""

    def add(self, row: ConflictRow) -> None:
        """Keep a newly detected conflict."""

    async def acknowledged_in(self, zone: str) -> Sequence[ConflictRow]:
        """The open, acknowledged conflicts the zone owns."""

    async def get_for_update(self, conflict_id: str) -> ConflictRow | None:
        """The conflict ``conflict_id``, locked until the transaction ends."""


class SqlActivities:
    """Activities in the database; writes staged on the unit of work."""

    def __init__(self, session: AsyncSession, unit: UnitOfWork) -> None:
        self.session, self.unit = session, unit
        self._known: dict[ActivityKey, StoredActivity | None] = {}

    async def load(self, keys: Iterable[ActivityKey]) -> None:
        """Read ``keys`` for this transaction, 500 per query."""

        async def stored(chunk: list[ActivityKey]) -> Iterable[tuple[ActivityKey, StoredActivity]]:
            rows = await self.session.execute(
                select(
                    ActivityRow.organisation,
                    ActivityRow.activity_id,
                    ActivityRow.payload,
                    ActivityRow.content_hash,
                ).where(tuple_(ActivityRow.organisation, ActivityRow.activity_id).in_(chunk))
            )
            return (((org, activity_id), (payload, digest)) for org, activity_id, payload, digest in rows)

        self._known.update(await load_in_chunks(set(keys) - self._known.keys(), stored))

    async def get(self, key: ActivityKey) -> StoredActivity | None:
        """The stored activity ``key``, or None when it is not on the agenda."""
        if key not in self._known:
            await self.load([key])
        return self._known[key]

    def put(self, row: dict[str, Any]) -> None:
        """Store an activity (an ``activities`` row) when the transaction commits."""
        self.unit.upsert(ACTIVITIES, row)
        self._known[(row["organisation"], row["activity_id"])] = (row["payload"], row["content_hash"])

    def remove(self, key: ActivityKey) -> None:
        """Take an activity off the agenda when the transaction commits."""
        self.unit.delete(ACTIVITIES, {"organisation": key[0], "activity_id": key[1]})
        self._known[key] = None


class SqlZones:
    """Zones in the database; writes staged on the unit of work."""

    def __init__(self, session: AsyncSession, unit: UnitOfWork) -> None:
        self.session, self.unit = session, unit
        self._tokens: dict[str, str | None] = {}

    async def load(self, zones: Iterable[str]) -> None:
        """Read the tokens of ``zones`` for this transaction, 500 per query."""

        async def tokens(chunk: list[str]) -> Iterable[tuple[str, str]]:
            rows = await self.session.execute(
                select(ZoneRow.zone, ZoneRow.token).where(ZoneRow.zone.in_(chunk))
            )
            return ((zone, token) for zone, token in rows)

        self._tokens.update(await load_in_chunks(set(zones) - self._tokens.keys(), tokens))

    async def token(self, zone: str) -> str | None:
        """The token of the zone's last committed change (None: never written)."""
        if zone not in self._tokens:
            await self.load([zone])
        return self._tokens[zone]

    def set_token(self, zone: str, token: str) -> None:
        """Give the zone a new token when the transaction commits."""
        self.unit.upsert(ZONES, {"zone": zone, "token": token})
        self._tokens[zone] = token

    async def members(self, zone: str) -> list[ZoneMember]:
        """The zone's activities in publish order."""
        rows = await self.session.execute(
            select(ZoneMemberRow.organisation, ZoneMemberRow.payload)
            .where(ZoneMemberRow.zone == zone)
            .order_by(ZoneMemberRow.sequence)
        )
        return [(organisation, payload) for organisation, payload in rows]

    def place(
        self, zone: str, organisation: str, activity_id: str, payload: dict[str, Any], sequence: int
    ) -> None:
        """Put an activity in the zone (or replace it) when the transaction commits."""
        member = {"zone": zone, "organisation": organisation, "activity_id": activity_id}
        self.unit.upsert(ZONE_MEMBERS, member | {"payload": payload, "sequence": sequence})

    def unplace(self, zone: str, organisation: str, activity_id: str) -> None:
        """Take an activity out of the zone when the transaction commits."""
        self.unit.delete(
            ZONE_MEMBERS, {"zone": zone, "organisation": organisation, "activity_id": activity_id}
        )


class SqlConflicts:
    """Conflicts in the database (ORM rows: changes are flushed at commit)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._known: dict[str, ConflictRow | None] = {}

    async def load(self, conflict_ids: Iterable[str]) -> dict[str, ConflictRow | None]:
        """The rows of ``conflict_ids`` (None: never detected), read once per transaction (no flush)."""
        missing = sorted(set(conflict_ids) - self._known.keys())
        if missing:
            with self.session.no_autoflush:
                found = await self.session.scalars(
                    select(ConflictRow).where(ConflictRow.conflict_id.in_(missing))
                )
                self._known.update(dict.fromkeys(missing))
                self._known.update({row.conflict_id: row for row in found})
        return self._known

    def add(self, row: ConflictRow) -> None:
        """Keep a newly detected conflict."""
        self.session.add(row)
        self._known[row.conflict_id] = row

    async def acknowledged_in(self, zone: str) -> Sequence[ConflictRow]:
        """The open, acknowledged conflicts the zone owns."""
        rows = await self.session.scalars(
            select(ConflictRow).where(
                ConflictRow.owner_zone == zone,
                ConflictRow.status == "open",
                ConflictRow.acknowledged.is_(True),
            )
        )
        return rows.all()

    async def get_for_update(self, conflict_id: str) -> ConflictRow | None:
        """The conflict ``conflict_id``, locked until the transaction ends."""
        return await self.session.scalar(
            select(ConflictRow).where(ConflictRow.conflict_id == conflict_id).with_for_update()
        )
