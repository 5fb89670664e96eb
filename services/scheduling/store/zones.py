"""Zones on SQL: each zone's members and token, locked per transaction so instances never interleave.

On PostgreSQL a transaction takes an advisory transaction lock on each zone before it reads the zone's
token, all of a batch's zones at once in one sorted order (so two instances cannot deadlock). SQLite
has one writer: a transaction takes the write lock before it reads any zone (a consumer's holds it
from its inbox claim on already), so another instance's change is either committed before the read or
waits for the commit; a read can never be stale when its transaction writes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, text, tuple_
from sqlalchemy.dialects.postgresql import ARRAY, BIGINT
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling.store.repositories import ZoneMember, ZoneMemberKey
from scheduling.store.tables import ZoneMemberRow, ZoneRow
from werkplaats.db import load_in_chunks
from werkplaats.unit_of_work import UnitOfWork

ZONES = cast(Table, ZoneRow.__table__)
ZONE_MEMBERS = cast(Table, ZoneMemberRow.__table__)

LOCK_ZONES = text("SELECT pg_advisory_xact_lock(k) FROM unnest(:keys) AS k").bindparams(
    bindparam("keys", type_=ARRAY(BIGINT))
)
"""Lock the zones' keys one after another, in the order given (an array is read in order)."""
TAKE_WRITE_LOCK = text("UPDATE zones SET token = token WHERE 0")
"""On SQLite: begin writing (the database's one write lock) without changing a row."""


def zone_lock_key(zone: str) -> int:
    """The 64-bit advisory lock key of ``zone`` (the same in every process)."""
    digest = hashlib.blake2b(f"werkplaats.scheduling.zone:{zone}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class SqlZones:
    """Zones in the database; writes staged on the unit of work, reads after the zone's lock."""

    def __init__(self, session: AsyncSession, unit: UnitOfWork) -> None:
        self.session, self.unit = session, unit
        self._tokens: dict[str, str | None] = {}
        self._sequences: dict[ZoneMemberKey, int | None] = {}
        self._dialect = session.get_bind().dialect.name
        self._locked = False

    async def load(self, zones: Iterable[str]) -> None:
        """Lock ``zones`` for this transaction (sorted, on PostgreSQL), then read their tokens."""
        wanted = set(zones) - self._tokens.keys()
        if not wanted:
            return
        await self._lock(wanted)

        async def tokens(chunk: list[str]) -> Iterable[tuple[str, str]]:
            rows = await self.session.execute(
                select(ZoneRow.zone, ZoneRow.token).where(ZoneRow.zone.in_(chunk))
            )
            return ((zone, token) for zone, token in rows)

        self._tokens.update(await load_in_chunks(wanted, tokens))

    async def _lock(self, zones: set[str]) -> None:
        if self._dialect == "postgresql":
            await self.session.execute(LOCK_ZONES, {"keys": sorted({zone_lock_key(zone) for zone in zones})})
        elif not self._locked:
            await self.session.execute(TAKE_WRITE_LOCK)
            self._locked = True

    async def token(self, zone: str) -> str | None:
        """The token of the zone's last committed change (None: never written); locks it first."""
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

    async def load_members(self, members: Iterable[ZoneMemberKey]) -> None:
        """Read the publish sequences of ``members`` for this transaction, 500 per query."""

        async def sequences(chunk: list[ZoneMemberKey]) -> Iterable[tuple[ZoneMemberKey, int]]:
            rows = await self.session.execute(
                select(
                    ZoneMemberRow.zone,
                    ZoneMemberRow.organisation,
                    ZoneMemberRow.activity_id,
                    ZoneMemberRow.sequence,
                ).where(
                    tuple_(ZoneMemberRow.zone, ZoneMemberRow.organisation, ZoneMemberRow.activity_id).in_(
                        chunk
                    )
                )
            )
            return (((zone, org, activity_id), sequence) for zone, org, activity_id, sequence in rows)

        self._sequences.update(await load_in_chunks(set(members) - self._sequences.keys(), sequences))

    async def member_sequence(self, zone: str, organisation: str, activity_id: str) -> int | None:
        """The publish sequence of an activity placed in the zone, or None when it is not there."""
        member = (zone, organisation, activity_id)
        if member not in self._sequences:
            await self.load_members([member])
        return self._sequences[member]

    def place(
        self, zone: str, organisation: str, activity_id: str, payload: dict[str, Any], sequence: int
    ) -> None:
        """Put an activity in the zone (or replace it) when the transaction commits."""
        member = {"zone": zone, "organisation": organisation, "activity_id": activity_id}
        self.unit.upsert(ZONE_MEMBERS, member | {"payload": payload, "sequence": sequence})
        self._sequences[(zone, organisation, activity_id)] = sequence

    def unplace(self, zone: str, organisation: str, activity_id: str) -> None:
        """Take an activity out of the zone when the transaction commits."""
        self.unit.delete(
            ZONE_MEMBERS, {"zone": zone, "organisation": organisation, "activity_id": activity_id}
        )
        self._sequences[(zone, organisation, activity_id)] = None
