"""Conflicts on SQL: statuses read and rows written with Core statements, batch by batch.

A batch that only detects conflicts, each once (a single record's batch, mostly), writes them with
one statement that skips the open ones and says which it wrote. Any other batch reads the status of
its conflicts in one statement. A conflict detected (again) is staged as
a whole row on the unit of work (one upsert per batch for all of them); a later resolution or new
description of it in the same batch changes that staged row. Resolutions and descriptions of rows
detected in earlier batches are written together by ``write_changes``, before the staged rows, so a
conflict detected again later in the batch ends as its staged row says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling.store.reads import conflict_statuses
from scheduling.store.repositories import ConflictRecord
from scheduling.store.tables import ConflictRow
from werkplaats.db import CHUNK
from werkplaats.unit_of_work import UnitOfWork

CONFLICTS = cast(Table, ConflictRow.__table__)

_updates: dict[frozenset[str], Any] = {}
_detections: dict[str, Any] = {}


def _detection(dialect: str) -> Any:
    """An upsert of whole rows that leaves open ones alone and returns the ids it wrote, built once."""
    statement = _detections.get(dialect)
    if statement is None:
        insert = postgresql_insert(CONFLICTS) if dialect == "postgresql" else sqlite_insert(CONFLICTS)
        replaced = {c.name: insert.excluded[c.name] for c in CONFLICTS.columns if c.name != "conflict_id"}
        statement = _detections[dialect] = insert.on_conflict_do_update(
            index_elements=["conflict_id"], set_=replaced, where=CONFLICTS.c.status != "open"
        ).returning(CONFLICTS.c.conflict_id)
    return statement


def _update_of(columns: frozenset[str]) -> Any:
    """An ``UPDATE`` of ``columns`` by conflict id, built once per set of columns."""
    statement = _updates.get(columns)
    if statement is None:
        values = {name: bindparam(f"new_{name}", type_=CONFLICTS.c[name].type) for name in sorted(columns)}
        statement = _updates[columns] = (
            update(CONFLICTS).where(CONFLICTS.c.conflict_id == bindparam("of_conflict_id")).values(values)
        )
    return statement


class SqlConflicts:
    """Conflicts in the database; writes staged on the unit of work or written by ``write_changes``."""

    def __init__(self, session: AsyncSession, unit: UnitOfWork) -> None:
        self.session, self.unit = session, unit
        self._statuses: dict[str, str | None] = {}
        self._staged: dict[str, ConflictRecord] = {}
        self._changes: dict[str, dict[str, Any]] = {}

    async def statuses(self, conflict_ids: Iterable[str]) -> Mapping[str, str | None]:
        """The status of ``conflict_ids`` (None: never detected), 500 per statement, once per transaction.

        Only the status is read: the detector replaces what it changes, so the descriptions (large JSON
        documents) are never decoded. The mapping shows what ``record_*`` staged since.
        """
        missing = sorted(set(conflict_ids) - self._statuses.keys())
        for start in range(0, len(missing), CHUNK):
            chunk = missing[start : start + CHUNK]
            found = await conflict_statuses(self.session, chunk)
            self._statuses.update({conflict_id: found.get(conflict_id) for conflict_id in chunk})
        return self._statuses

    async def detect_unless_open(self, rows: Sequence[ConflictRecord]) -> set[str]:
        """Write conflicts detected (again) as these whole rows, each unless it is open; the ids written.

        One statement reads and writes: for a batch that only detects conflicts, each once.
        """
        if not rows:
            return set()
        dialect = self.session.get_bind().dialect.name
        written = {conflict_id for (conflict_id,) in await self.session.execute(_detection(dialect), rows)}
        self._statuses.update((row["conflict_id"], "open") for row in rows)  # written, or open before
        return written

    def record_detected(self, row: ConflictRecord) -> None:
        """Keep a conflict detected (again) as this whole row, written with the batch's other rows."""
        conflict_id = row["conflict_id"]
        self.unit.upsert(CONFLICTS, row)
        self._staged[conflict_id] = row
        self._changes.pop(conflict_id, None)  # the whole row replaces them
        self._statuses[conflict_id] = row["status"]

    def record_resolved(self, conflict_id: str, resolved_at: datetime, resolution: dict[str, Any]) -> None:
        """Mark an open conflict resolved."""
        self._change(
            conflict_id, {"status": "resolved", "resolved_at": resolved_at, "resolution": resolution}
        )
        self._statuses[conflict_id] = "resolved"

    def record_changed(self, conflict_id: str, detected: dict[str, Any]) -> None:
        """Replace an open conflict's description."""
        self._change(conflict_id, {"detected": detected})

    def _change(self, conflict_id: str, values: dict[str, Any]) -> None:
        staged = self._staged.get(conflict_id)
        if staged is not None:
            staged.update(values)
        else:
            self._changes.setdefault(conflict_id, {}).update(values)

    async def write_changes(self) -> None:
        """Write the resolutions and descriptions of rows detected before this batch, by kind of change."""
        changes, self._changes = self._changes, {}
        by_columns: dict[frozenset[str], list[dict[str, Any]]] = {}
        for conflict_id, values in changes.items():
            parameters = {f"new_{name}": value for name, value in values.items()}
            by_columns.setdefault(frozenset(values), []).append(parameters | {"of_conflict_id": conflict_id})
        for columns, rows in by_columns.items():
            await self.session.execute(_update_of(columns), rows)

    def add(self, row: ConflictRow) -> None:
        """Keep a conflict row as it is (written when the transaction commits)."""
        self.session.add(row)
        self._statuses[row.conflict_id] = row.status

    async def acknowledged_in(self, zones: Iterable[str]) -> Sequence[ConflictRow]:
        """The open, acknowledged conflicts that ``zones`` own, in one query."""
        rows = await self.session.scalars(
            select(ConflictRow).where(
                ConflictRow.owner_zone.in_(sorted(set(zones))),
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

    async def open_started_before(self, moment: datetime, limit: int) -> Sequence[ConflictRow]:
        """Open conflicts that started before ``moment``, oldest first; locked, others' locks skipped."""
        query = (
            select(ConflictRow)
            .where(ConflictRow.status == "open", ConflictRow.starts_at < moment)
            .order_by(ConflictRow.starts_at)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name != "sqlite":
            query = query.with_for_update(skip_locked=True)
        return (await self.session.scalars(query)).all()
