"""Zones on SQL: each zone's members and token, locked per transaction so instances never interleave.

On PostgreSQL a transaction takes an advisory transaction lock on each zone before it reads the zone's
token, all of a batch's zones at once in one sorted order (so two instances cannot deadlock). SQLite
has one writer: a transaction takes the write lock with its first read of zone tokens (an ``UPDATE``
that changes nothing and returns them; a consumer's holds it from its inbox claim on already), so
another instance's change is either committed before the read or waits for the commit; a read can
never be stale when its transaction writes.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import ARRAY, BIGINT
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling.store.repositories import ZoneMember, ZoneMemberKey
from scheduling.store.tables import ZoneMemberRow, ZoneRow
from werkplaats.db import CHUNK, load_in_chunks
from werkplaats.unit_of_work import UnitOfWork

ZONES = cast(Table, ZoneRow.__table__)
ZONE_MEMBERS = cast(Table, ZoneMemberRow.__table__)

LOCK_ZONES = text("SELECT pg_advisory_xact_lock(k) FROM unnest(:keys) AS k").bindparams(
    bindparam("keys", type_=ARRAY(BIGINT))
)
"""Lock the zones' keys one after another, in the order given (an array is read in order)."""
TOKENS_OF_ONE = select(ZONES.c.zone, ZONES.c.token).where(ZONES.c.zone == bindparam("zone_of"))
TOKENS_OF_MANY = select(ZONES.c.zone, ZONES.c.token).where(
    ZONES.c.zone.in_(bindparam("zones_of", expanding=True))
)


def _tokens_locked(where: Any) -> Any:
    """On SQLite: read tokens in a statement that begins writing (the database's one write lock)."""
    return update(ZONES).where(where).values(token=ZONES.c.token).returning(ZONES.c.zone, ZONES.c.token)


TOKENS_LOCKED_OF_ONE = _tokens_locked(ZONES.c.zone == bindparam("zone_of"))
TOKENS_LOCKED_OF_MANY = _tokens_locked(ZONES.c.zone.in_(bindparam("zones_of", expanding=True)))


def _renewal(where: Any) -> Any:
    """Give zones whose token is still the one known a new token; returns the zones it renewed."""
    return update(ZONES).where(where).values(token=bindparam("renewed")).returning(ZONES.c.zone)


RENEW_ONE = _renewal((ZONES.c.zone == bindparam("zone_of")) & (ZONES.c.token == bindparam("known")))
RENEW_MANY = _renewal(tuple_(ZONES.c.zone, ZONES.c.token).in_(bindparam("known_pairs", expanding=True)))


def zone_lock_key(zone: str) -> int:
    """The 64-bit advisory lock key of ``zone`` (the same in every process)."""
    digest = hashlib.blake2b(f"werkplaats.scheduling.zone:{zone}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class SqlZones:
    """Zones in the database; writes staged on the unit of work, reads after the zone's lock.

    A transaction gives every zone it changes one new token (``renew``). A zone whose token the caller
    still knows is renewed while it is loaded, in one statement that proves it current (the token is
    unchanged) and writes the new one; only the others are read, and written when the transaction ends.
    """

    def __init__(self, session: AsyncSession, unit: UnitOfWork) -> None:
        self.session, self.unit = session, unit
        self._tokens: dict[str, str | None] = {}
        self._renewed: set[str] = set()
        self._new_token = uuid.uuid4().hex
        self._sequences: dict[ZoneMemberKey, int | None] = {}
        self._dialect = session.get_bind().dialect.name
        self._locked = False

    async def load(self, zones: Iterable[str], known: Mapping[str, str] | None = None) -> set[str]:
        """Lock ``zones`` for this transaction (all at once, sorted, on PostgreSQL), then read their tokens.

        Zones whose token is still ``known[zone]`` are renewed instead of read (returned). On SQLite the
        first statement is an ``UPDATE`` (a renewal, or one that changes nothing) and takes the write lock.
        """
        wanted = sorted(set(zones) - self._tokens.keys())
        if not wanted:
            return set()
        if self._dialect == "postgresql":
            await self.session.execute(LOCK_ZONES, {"keys": sorted({zone_lock_key(zone) for zone in wanted})})
        renewed: set[str] = set()
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            renewed |= await self._renew({zone: known[zone] for zone in chunk if known and zone in known})
            rest = [zone for zone in chunk if zone not in renewed]
            if not rest:
                continue
            if self._dialect == "postgresql" or self._locked:
                found = dict(await self._read(rest))
            else:
                self._locked = True
                found = dict(await self._read(rest, TOKENS_LOCKED_OF_ONE, TOKENS_LOCKED_OF_MANY))
            self._tokens.update({zone: found.get(zone) for zone in rest})
        return renewed

    async def _renew(self, known: Mapping[str, str]) -> set[str]:
        """Give the zones whose token is still the one ``known`` this transaction's token; those zones."""
        if not known:
            return set()
        self._locked = True
        if len(known) == 1:
            ((zone, token),) = known.items()
            parameters: dict[str, Any] = {"zone_of": zone, "known": token, "renewed": self._new_token}
            rows = await self.session.execute(RENEW_ONE, parameters)
        else:
            pairs = sorted(known.items())
            rows = await self.session.execute(RENEW_MANY, {"known_pairs": pairs, "renewed": self._new_token})
        renewed = {zone for (zone,) in rows}
        self._renewed |= renewed
        self._tokens.update(dict.fromkeys(renewed, self._new_token))
        return renewed

    async def _read(
        self, zones: list[str], one: Any = TOKENS_OF_ONE, many: Any = TOKENS_OF_MANY
    ) -> Iterable[tuple[str, str]]:
        if len(zones) == 1:
            rows = await self.session.execute(one, {"zone_of": zones[0]})
        else:
            rows = await self.session.execute(many, {"zones_of": zones})
        return [(zone, token) for zone, token in rows]

    async def token(self, zone: str) -> str | None:
        """The token of the zone's last committed change (None: never written); locks it first."""
        if zone not in self._tokens:
            await self.load([zone])
        return self._tokens[zone]

    def renew(self, zone: str) -> str:
        """The token this transaction gives the zone: written when it was loaded, else when it commits."""
        if zone not in self._renewed:
            self.unit.upsert(ZONES, {"zone": zone, "token": self._new_token})
            self._renewed.add(zone)
            self._tokens[zone] = self._new_token
        return self._new_token

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
