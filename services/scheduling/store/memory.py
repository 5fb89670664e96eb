"""The scheduling unit of work in memory, for fast tests of the use cases without a database."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from scheduling.domain import ActivityKey
from scheduling.store.repositories import (
    ConflictRecord,
    StagedVersion,
    StoredActivity,
    ZoneMember,
    ZoneMemberKey,
)
from scheduling.store.tables import ConflictRow
from scheduling.store.unit_of_work import SchedulingUnitOfWork
from werkplaats.unit_of_work import InMemoryUnitOfWork


class InMemoryActivities:
    """Activities in a dictionary."""

    def __init__(self) -> None:
        self.rows: dict[ActivityKey, dict[str, Any]] = {}

    async def load(self, keys: Iterable[ActivityKey]) -> None:
        """Nothing to load: every activity is at hand."""

    async def get(self, key: ActivityKey) -> StoredActivity | None:
        """The stored activity ``key``, or None."""
        row = self.rows.get(key)
        return None if row is None else (row["payload"], row["content_hash"])

    async def sequence(self, key: ActivityKey) -> int | None:
        """The publish sequence of the stored activity ``key``, or None."""
        row = self.rows.get(key)
        return None if row is None else int(row["sequence"])

    def put(self, row: dict[str, Any]) -> None:
        """Store an activity row."""
        self.rows[(row["organisation"], row["activity_id"])] = row

    def remove(self, key: ActivityKey) -> None:
        """Forget an activity."""
        self.rows.pop(key, None)


class InMemoryStagedActivities:
    """Staged versions in a dictionary."""

    def __init__(self) -> None:
        self.versions: dict[ActivityKey, StagedVersion] = {}

    async def load(self, keys: Iterable[ActivityKey]) -> None:
        """Nothing to load: every version is at hand."""

    async def latest(self, key: ActivityKey) -> StagedVersion | None:
        """The staged version of ``key``, or None."""
        return self.versions.get(key)

    def remember(self, organisation: str, activity_id: str, version: StagedVersion) -> None:
        """Keep ``version`` as the activity's latest."""
        self.versions[(organisation, activity_id)] = version

    async def settle(self, key: ActivityKey, event_id: str) -> None:
        """Forget the staged version of ``key`` if it is ``event_id``."""
        if key in self.versions and self.versions[key][1] == event_id:
            del self.versions[key]


class InMemoryZones:
    """Zones, their tokens and members in dictionaries."""

    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}
        self.members_by_zone: dict[str, dict[ActivityKey, tuple[int, dict[str, Any]]]] = {}

    async def load(self, zones: Iterable[str], known: Mapping[str, str] | None = None) -> set[str]:
        """Nothing to lock or load: every zone is at hand (and none is renewed ahead)."""
        return set()

    async def load_members(self, members: Iterable[ZoneMemberKey]) -> None:
        """Nothing to load: every member is at hand."""

    async def member_sequence(self, zone: str, organisation: str, activity_id: str) -> int | None:
        """The publish sequence of an activity placed in the zone, or None."""
        placed = self.members_by_zone.get(zone, {}).get((organisation, activity_id))
        return None if placed is None else placed[0]

    async def token(self, zone: str) -> str | None:
        """The zone's token, or None."""
        return self.tokens.get(zone)

    def renew(self, zone: str) -> str:
        """Give the zone a new token at once (this unit of work outlives its commits)."""
        token = self.tokens[zone] = uuid.uuid4().hex
        return token

    async def members(self, zone: str) -> list[ZoneMember]:
        """The zone's activities in publish order."""
        placed = self.members_by_zone.get(zone, {})
        ordered = sorted(placed.items(), key=lambda item: item[1][0])
        return [(organisation, payload) for (organisation, _), (_, payload) in ordered]

    def place(
        self, zone: str, organisation: str, activity_id: str, payload: dict[str, Any], sequence: int
    ) -> None:
        """Put an activity in the zone."""
        self.members_by_zone.setdefault(zone, {})[(organisation, activity_id)] = (sequence, payload)

    def unplace(self, zone: str, organisation: str, activity_id: str) -> None:
        """Take an activity out of the zone."""
        self.members_by_zone.get(zone, {}).pop((organisation, activity_id), None)


class InMemoryConflicts:
    """Conflicts in a dictionary."""

    def __init__(self) -> None:
        self.rows: dict[str, ConflictRow] = {}

    async def statuses(self, conflict_ids: Iterable[str]) -> Mapping[str, str | None]:
        """The status of ``conflict_ids`` (None: never detected), current as rows are recorded."""
        return _Statuses(self.rows)

    async def detect_unless_open(self, rows: Sequence[ConflictRecord]) -> set[str]:
        """Keep conflicts detected (again) as these whole rows, each unless it is open; the ids kept."""
        written = set()
        for row in rows:
            kept = self.rows.get(row["conflict_id"])
            if kept is None or kept.status != "open":
                self.record_detected(row)
                written.add(row["conflict_id"])
        return written

    def record_detected(self, row: ConflictRecord) -> None:
        """Keep a conflict detected (again) as this whole row."""
        self.rows[row["conflict_id"]] = ConflictRow(**row)

    def record_resolved(self, conflict_id: str, resolved_at: datetime, resolution: dict[str, Any]) -> None:
        """Mark an open conflict resolved."""
        row = self.rows[conflict_id]
        row.status, row.resolved_at, row.resolution = "resolved", resolved_at, resolution

    def record_changed(self, conflict_id: str, detected: dict[str, Any]) -> None:
        """Replace an open conflict's description."""
        self.rows[conflict_id].detected = detected

    async def write_changes(self) -> None:
        """Nothing to write: changes apply at once."""

    def add(self, row: ConflictRow) -> None:
        """Keep a newly detected conflict."""
        self.rows[row.conflict_id] = row

    async def acknowledged_in(self, zones: Iterable[str]) -> Sequence[ConflictRow]:
        """The open, acknowledged conflicts that ``zones`` own."""
        owners = set(zones)
        return [
            row
            for row in self.rows.values()
            if row.owner_zone in owners and row.status == "open" and row.acknowledged
        ]

    async def get_for_update(self, conflict_id: str) -> ConflictRow | None:
        """The conflict ``conflict_id``."""
        return self.rows.get(conflict_id)

    async def open_started_before(self, moment: datetime, limit: int) -> Sequence[ConflictRow]:
        """Open conflicts that started before ``moment``, oldest first."""
        started = [row for row in self.rows.values() if row.status == "open" and row.starts_at < moment]
        return sorted(started, key=lambda row: row.starts_at)[:limit]


class _Statuses(Mapping[str, "str | None"]):
    """The status of every conflict row, read through."""

    def __init__(self, rows: dict[str, ConflictRow]) -> None:
        self.rows = rows

    def __getitem__(self, conflict_id: str) -> str | None:
        row = self.rows.get(conflict_id)
        return None if row is None else row.status

    def __iter__(self) -> Iterator[str]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


class InMemorySchedulingUnitOfWork(InMemoryUnitOfWork, SchedulingUnitOfWork):
    """The scheduling unit of work in memory; one instance lives through many commits.

    Repositories apply writes at once (there is no rollback to keep them from).
    """

    def __init__(self) -> None:
        super().__init__()
        self.activities: InMemoryActivities = InMemoryActivities()
        self.staged: InMemoryStagedActivities = InMemoryStagedActivities()
        self.zones: InMemoryZones = InMemoryZones()
        self.conflicts: InMemoryConflicts = InMemoryConflicts()

    async def commit(self) -> None:
        """Finish the batch-level work, then keep what was staged."""
        await self.run_before_flush()
        await super().commit()
