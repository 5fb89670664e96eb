"""Conflict detection per zone: each zone's agenda kept in memory, its conflicts recorded and announced."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from weakref import WeakKeyDictionary

import structlog

from contracts import ActivityPublished, ConflictDetected, Severity, new_event
from contracts.topics import SCHEDULING_CONFLICTS
from scheduling import NAME
from scheduling.domain import (
    MAX_OCCURRENCES,
    Activity,
    ActivityKey,
    Agenda,
    Areas,
    Conflict,
    ConflictChanges,
    Occurrence,
    UnfavourableCalendar,
    explain,
    explain_resolved,
    suggest_alternatives,
)
from scheduling.internal_events import PlacementChanged
from scheduling.service.placements import Expansion, Placement
from scheduling.store import ConflictRow, SchedulingUnitOfWork

log = structlog.get_logger(__name__)

AgendaFactory = Callable[[str], Agenda]
Names = tuple[Mapping[str, str], Mapping[str, str]]
"""Display names of organisations and of venues."""
Statuses = Mapping[str, str | None]
"""The status of each conflict a batch touches (None: never detected), kept current as it records."""


@dataclass(frozen=True, slots=True)
class ZoneChange:
    """What one placement did to its zone's conflicts, described as the zone stood right after it."""

    zone: str
    key: ActivityKey
    replaced: bool
    """An activity already in the zone changed: its acknowledged conflicts speak again."""
    changes: ConflictChanges
    described: dict[str, ConflictDetected]
    """Each detected or changed conflict as announced (suggestions from the zone at that moment)."""
    now: datetime
    correlation_id: str


@dataclass
class _Batch:
    """What the detector keeps of one transaction until it records it: zone changes and names."""

    changes: list[ZoneChange] = field(default_factory=list)
    names: Names | None = None
    """Organisation and venue display names, taken once for the transaction's descriptions."""


class ZoneDetector:
    """Applies placements to the agenda of their zone and records what that does to its conflicts.

    Placements come inline from the intake (the default: same transaction, no second decode) or, for
    partitioned detection, from ``scheduling.placements``.

    A transaction's changes are recorded together just before it writes: when it only detects conflicts,
    each once, one statement writes those that are not open and says which; otherwise its conflict
    statuses are read in one query, acknowledgements its replaced activities cancel in another. Their
    log lines name the correlation id of the change that caused them (no event is being handled by then).

    A zone's agenda stays in memory once this process has used it. Every committed transaction that
    changes a zone writes a fresh token to its row (one, however many of its changes touch the zone); a
    cached agenda whose token no longer matches (a rolled-back batch, or another instance that changed
    the zone meanwhile) is rebuilt from the zone's members. A cached zone whose token still stands is
    given its new token while it is locked, in the same statement.
    """

    def __init__(
        self,
        new_agenda: AgendaFactory,
        areas: Areas,
        *,
        organisation_names: Callable[[], Mapping[str, str]] = dict,
        venue_names: Callable[[], Mapping[str, str]] = dict,
        clock: Callable[[], datetime] | None = None,
    ):
        self.new_agenda = new_agenda
        self.areas = areas
        self.organisation_names = organisation_names
        self.venue_names = venue_names
        self.clock = clock or (lambda: datetime.now(UTC))
        self._system_clock = clock is None
        self._cache: dict[str, tuple[str, Agenda]] = {}
        self._pending: WeakKeyDictionary[SchedulingUnitOfWork, _Batch] = WeakKeyDictionary()

    def use_calendar(self, calendar: UnfavourableCalendar) -> None:
        """Judge dates by ``calendar`` from now on."""
        for _, agenda in self._cache.values():
            agenda.calendar = calendar

    async def prefetch(self, unit: SchedulingUnitOfWork, zones: Iterable[str]) -> None:
        """Lock ``zones`` for this transaction and load their tokens at once, before any is read.

        On PostgreSQL the locks are advisory transaction locks taken in one sorted order, so instances
        sharing the database never interleave on a zone and never deadlock; SQLite has one writer.
        """
        zones = set(zones)
        known = {zone: self._cache[zone][0] for zone in zones if zone in self._cache}
        for zone in await unit.zones.load(zones, known):  # proven current, and renewed
            self._cache[zone] = (await unit.zones.token(zone) or "", self._cache[zone][1])

    async def prefetch_placements(
        self, unit: SchedulingUnitOfWork, placements: Iterable[PlacementChanged]
    ) -> None:
        """Lock and load what placements read from ``scheduling.placements`` need, their zones first."""
        members = [(p.zone, p.organisation, p.activity_id) for p in placements]
        await self.prefetch(unit, {zone for zone, _, _ in members})
        await unit.activities.load((organisation, activity_id) for _, organisation, activity_id in members)
        await unit.zones.load_members(members)

    async def apply_placed(
        self, unit: SchedulingUnitOfWork, changed: PlacementChanged, *, correlation_id: str
    ) -> None:
        """Apply a placement read from ``scheduling.placements``, unless a later change superseded it.

        A later change is either placed inline already (after a switch from partitioned detection) or
        follows on the same zone's partition, so skipping a superseded placement loses nothing.
        """
        placement = Placement.of(changed)
        if await self._superseded(unit, placement):
            log.info("placement_superseded", zone=placement.zone, sequence=placement.sequence)
            return
        await self.apply(unit, placement, correlation_id=correlation_id)

    async def _superseded(self, unit: SchedulingUnitOfWork, placement: Placement) -> bool:
        if placement.placed is not None:
            current = await unit.activities.sequence(placement.key)
            return current is None or current > placement.sequence
        member = await unit.zones.member_sequence(placement.zone, *placement.key)
        return member is not None and member > placement.sequence

    async def apply(self, unit: SchedulingUnitOfWork, placement: Placement, *, correlation_id: str) -> None:
        """Apply one placement to its zone; its conflicts are recorded with the batch's, before it commits."""
        zone, now = placement.zone, self.clock()
        expansion = placement.placed.expansion if placement.placed is not None else None
        if expansion is not None and self._system_clock:
            now = expansion.now  # the intake's moment, a moment ago: its occurrences hold here too
        agenda = await self._agenda(unit, zone, now)
        self._cache.pop(zone, None)  # until this change is staged in full
        key = placement.key
        previous = agenda.get(key)
        if placement.placed is None:
            changes = agenda.withdraw(key)
            unit.zones.unplace(zone, *key)
        else:
            activity = placement.placed.activity
            changes = agenda.upsert(activity, now, _occurrences(agenda, expansion, now))
            unit.zones.place(zone, *key, placement.placed.payload, placement.sequence)
        replaced = (
            placement.placed is not None
            and previous is not None
            and previous.activity != placement.placed.activity
        )
        if changes or replaced:
            batch = self._batch_of(unit)
            described = {
                c.conflict_id: self._describe(agenda, c, now, self._names(batch))
                for c in (*changes.detected, *changes.changed)
            }
            batch.changes.append(ZoneChange(zone, key, replaced, changes, described, now, correlation_id))
        self._cache[zone] = (unit.zones.renew(zone), agenda)

    def _batch_of(self, unit: SchedulingUnitOfWork) -> _Batch:
        """What the detector keeps of ``unit`` until it records; the first change registers the recording."""
        batch = self._pending.get(unit)
        if batch is None:
            batch = self._pending[unit] = _Batch()
            unit.before_flush(lambda: self._record_batch(unit))
        return batch

    def _names(self, batch: _Batch) -> Names:
        """The display names for the batch's descriptions: read once, not once per conflict."""
        if batch.names is None:
            batch.names = (self.organisation_names(), self.venue_names())
        return batch.names

    async def _agenda(self, unit: SchedulingUnitOfWork, zone: str, now: datetime) -> Agenda:
        token = await unit.zones.token(zone)
        cached = self._cache.get(zone)
        if cached is not None and cached[0] == token:
            return cached[1]
        agenda = self.new_agenda(zone)
        for organisation, payload in await unit.zones.members(zone):
            published = ActivityPublished.model_validate(payload)
            agenda.upsert(Activity.from_published(organisation, published), now)
        log.info("zone_loaded", zone=zone, activities=len(agenda))
        return agenda

    async def _record_batch(self, unit: SchedulingUnitOfWork) -> None:
        """Record the batch's zone changes in order: only detections in one write, others after one read."""
        batch = self._pending.pop(unit, None)
        if batch is None or not batch.changes:
            return
        changes = batch.changes
        if _only_detections(changes):
            await self._record_detections(unit, changes)
            return
        conflict_ids = [
            conflict.conflict_id
            for change in changes
            for conflict in (*change.changes.detected, *change.changes.resolved, *change.changes.changed)
        ]
        replaced = {change.zone for change in changes if change.replaced}
        acknowledged = await unit.conflicts.acknowledged_in(replaced) if replaced else []
        statuses = await unit.conflicts.statuses(conflict_ids)
        for change in changes:
            if change.replaced:
                _clear_acknowledgements(acknowledged, change.zone, change.key)
            self._record(unit, change, statuses, batch)
        await unit.conflicts.write_changes()

    async def _record_detections(self, unit: SchedulingUnitOfWork, changes: list[ZoneChange]) -> None:
        """Write a batch's detections at once, each unless open already; announce the ones written."""
        detected = [
            (change, conflict, _open_row(change, conflict, change.described[conflict.conflict_id]))
            for change in changes
            for conflict in change.changes.detected
        ]
        written = await unit.conflicts.detect_unless_open([row for _, _, row in detected])
        for change, conflict, _ in detected:
            if conflict.conflict_id in written:
                self._announce(unit, change, conflict)

    def _record(
        self, unit: SchedulingUnitOfWork, change: ZoneChange, statuses: Statuses, batch: _Batch
    ) -> None:
        for conflict in change.changes.detected:
            self._detected(unit, change, conflict, statuses)
        for conflict in change.changes.resolved:
            self._resolved(unit, change, conflict, statuses, batch)
        for conflict in change.changes.changed:
            if statuses.get(conflict.conflict_id) == "open":
                described = change.described[conflict.conflict_id].model_dump(mode="json")
                unit.conflicts.record_changed(conflict.conflict_id, described)

    def _describe(self, agenda: Agenda, conflict: Conflict, now: datetime, names: Names) -> ConflictDetected:
        explanation = explain(conflict, self.areas, *names)
        suggestions = (
            suggest_alternatives(agenda, conflict, now) if conflict.severity is Severity.HIGH else []
        )
        return conflict.to_contract(explanation, suggestions)

    def _detected(
        self, unit: SchedulingUnitOfWork, change: ZoneChange, conflict: Conflict, statuses: Statuses
    ) -> None:
        if statuses.get(conflict.conflict_id) == "open":
            return  # announced before (a redelivery, or a zone rebuilt after a restart)
        detected = change.described[conflict.conflict_id]
        unit.conflicts.record_detected(_open_row(change, conflict, detected))
        self._announce(unit, change, conflict)

    def _announce(self, unit: SchedulingUnitOfWork, change: ZoneChange, conflict: Conflict) -> None:
        detected = change.described[conflict.conflict_id]
        event = new_event(detected, source=NAME, correlation_id=change.correlation_id)
        unit.publish(SCHEDULING_CONFLICTS, event, key=conflict.conflict_id)
        log.info(
            "conflict_detected",
            conflict_id=conflict.conflict_id,
            rule=conflict.rule.value,
            zone=change.zone,
            correlation_id=change.correlation_id,
        )

    def _resolved(
        self,
        unit: SchedulingUnitOfWork,
        change: ZoneChange,
        conflict: Conflict,
        statuses: Statuses,
        batch: _Batch,
    ) -> None:
        if statuses.get(conflict.conflict_id) != "open":
            return
        resolved = conflict.to_resolved_contract(explain_resolved(conflict, self.areas, *self._names(batch)))
        unit.conflicts.record_resolved(conflict.conflict_id, change.now, resolved.model_dump(mode="json"))
        unit.publish(
            SCHEDULING_CONFLICTS,
            new_event(resolved, source=NAME, correlation_id=change.correlation_id),
            key=conflict.conflict_id,
        )
        log.info(
            "conflict_resolved",
            conflict_id=conflict.conflict_id,
            rule=conflict.rule.value,
            correlation_id=change.correlation_id,
        )


def _occurrences(agenda: Agenda, expansion: Expansion | None, now: datetime) -> tuple[Occurrence, ...] | None:
    """The intake's occurrences when the agenda would expand the same (same moment, horizon and cap)."""
    if expansion is None or expansion.now != now or expansion.horizon != agenda.horizon:
        return None
    return expansion.occurrences if agenda.max_occurrences == MAX_OCCURRENCES else None


def _only_detections(changes: Sequence[ZoneChange]) -> bool:
    """Whether a batch only detects conflicts, each once, and replaces no activity a zone held."""
    detected = [c.conflict_id for change in changes for c in change.changes.detected]
    return all(
        not change.replaced and not change.changes.resolved and not change.changes.changed
        for change in changes
    ) and len(detected) == len(set(detected))


def _open_row(change: ZoneChange, conflict: Conflict, detected: ConflictDetected) -> dict[str, Any]:
    """The whole ``conflicts`` row of a conflict detected (again) by ``change``: open, not acknowledged."""
    return {
        "conflict_id": conflict.conflict_id,
        "owner_zone": change.zone,
        "rule": conflict.rule.value,
        "severity": conflict.severity.value,
        "status": "open",
        "starts_at": conflict.starts_at,
        "neighbourhoods": list(conflict.neighbourhoods),
        "organisations": sorted({member.organisation for member in conflict.members}),
        "detected": detected.model_dump(mode="json"),
        "resolution": None,
        "detected_at": change.now,
        "resolved_at": None,
        "acknowledged": False,
        "acknowledged_by": None,
        "acknowledged_reason": None,
        "acknowledged_at": None,
    }


def _clear_acknowledgements(acknowledged: Sequence[ConflictRow], zone: str, key: ActivityKey) -> None:
    """An acknowledged conflict speaks again once one of its activities changes."""
    for row in acknowledged:
        if row.owner_zone != zone or row.status != "open" or not row.acknowledged:
            continue
        if any((a["organisation"], a["activity_id"]) == key for a in row.detected["activities"]):
            row.acknowledged = False
