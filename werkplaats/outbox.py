"""Transactional outbox: events stored with the state change that caused them, then relayed to Kafka.

A row the broker refuses (too large, its topic gone, access denied) is tried again a few times with
growing pauses, then *parked*: it stops being published, with the reason, until operations retry it
(``werkplaats outbox retry``). The rows behind it with the same topic and key park with it, so a key
keeps its order; every other key keeps flowing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import structlog
from sqlalchemy import (
    JSON,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
    bindparam,
    delete,
    exists,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from werkplaats.background import BackgroundTask
from werkplaats.db import Base, BigId, Blob, Database
from werkplaats.errors import WerkplaatsError
from werkplaats.retry import Backoff, repeat
from werkplaats.sqlite_driver import INLINE

log = structlog.get_logger(__name__)

RELAY_LOCK_ID = 0x7765726B  # one PostgreSQL advisory lock: a single relay publishes at a time
MAX_REASON = 1000
REFUSED_BACKOFF = Backoff(1.0, 30.0)
"""Pauses before a refused row is tried again (1, 2, 4, 8 s: parked after five refusals)."""


PENDING_ROWS = text("sent_at IS NULL AND parked_at IS NULL")
PARKED_ROWS = text("parked_at IS NOT NULL AND sent_at IS NULL")


class OutboxRow(Base):
    """An event waiting to be published, published (``sent_at``), or parked (``parked_at``)."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_pending", "id", postgresql_where=PENDING_ROWS, sqlite_where=PENDING_ROWS),
        Index("ix_outbox_parked", "id", postgresql_where=PARKED_ROWS, sqlite_where=PARKED_ROWS),
    )
    """Partial indexes: they hold only the rows waiting to go and the parked ones, so a row marked sent
    leaves them, and every pass of the relay reads the pending rows in order without passing the sent."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(255))
    key: Mapped[bytes | None] = mapped_column(Blob, nullable=True)
    payload: Mapped[bytes] = mapped_column(Blob)
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0", nullable=False)
    """How often the broker refused this row."""
    retry_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """Not tried again before this time (after a refusal)."""
    parked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """When the relay gave up on this row; it waits for operations from then on."""
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    """Why the row was last refused, or why it is parked."""


OUTBOX = cast(Table, OutboxRow.__table__)
RANGES_PER_UPDATE = 100
"""Id ranges marked sent by one ``UPDATE`` (a batch of consecutive ids is one range)."""


class RecordRefusedError(WerkplaatsError):
    """The broker refused this record (too large, unknown topic, not authorised): retrying soon won't help."""


@dataclass(frozen=True)
class PendingMessage:
    """One outbox row as the relay publishes it."""

    id: int
    topic: str
    key: bytes | None
    payload: bytes
    headers: dict[str, str]


Failures = Mapping[int, BaseException]
Publish = Callable[[Sequence[PendingMessage]], Awaitable[Failures | None]]
"""Publishes a batch; returns the ids of the messages not published with why (None or {}: all were).

A message behind one that failed, with the same topic and key, must not be published either.
"""

_PENDING = (OutboxRow.sent_at.is_(None), OutboxRow.parked_at.is_(None))
_LOCKED = select(func.pg_try_advisory_xact_lock(RELAY_LOCK_ID)).scalar_subquery()
"""True once this transaction holds the relay's lock: evaluated once, before the load reads a row."""
_MARK_RUN_SENT = (
    update(OUTBOX)
    .where(OUTBOX.c.id.between(bindparam("low"), bindparam("high")))
    .values(sent_at=bindparam("now"))
    .execution_options(**{INLINE: True})
)
_PARKED_ROWS = OUTBOX.alias("parked_rows")  # an alias: never correlated with the rows being loaded
_ANY_PARKED = (
    exists()
    .where(_PARKED_ROWS.c.parked_at.is_not(None), _PARKED_ROWS.c.sent_at.is_(None))
    .label("any_parked")
)


@dataclass(frozen=True)
class _Row:
    message: PendingMessage
    attempts: int
    retry_at: datetime | None

    @property
    def lane(self) -> tuple[str, bytes] | None:
        """The topic and key whose order this row keeps (None: no key, no order)."""
        return None if self.message.key is None else (self.message.topic, self.message.key)


class OutboxRelay:
    """Publishes committed outbox rows in order, then marks them sent.

    It wakes as soon as this process commits outbox rows, and checks now and then for rows that
    other processes (the CLI, another instance) committed. On PostgreSQL an advisory lock lets one
    relay publish at a time, which keeps the per-key order.
    """

    def __init__(
        self,
        database: Database,
        publish: Publish,
        *,
        batch_size: int = 1000,
        idle_poll_s: float = 0.5,
        keep_sent: timedelta = timedelta(hours=1),
        max_attempts: int = 5,
        refused_backoff: Backoff = REFUSED_BACKOFF,
        on_parked: Callable[[int], None] | None = None,
    ) -> None:
        self.database = database
        self.publish = publish
        self.batch_size = batch_size
        self.idle_poll_s = idle_poll_s
        self.keep_sent = keep_sent
        self.max_attempts = max_attempts
        self.refused_backoff = refused_backoff
        self.on_parked = on_parked
        self.published = 0
        self._background = BackgroundTask(self.run, "outbox-relay")
        self._pending_rows = self._load_statement(database.is_sqlite)
        self._last_purge = datetime.now(UTC)

    def _load_statement(self, is_sqlite: bool) -> Any:
        """The next ``batch_size`` pending rows, and whether any row is parked; built once.

        On PostgreSQL the statement takes the relay's advisory lock first and loads nothing without it
        (one round trip for both). A relay whose load began just before another relay committed its pass
        may publish that pass's rows again: a repeat, in order, that consumers drop by event id.
        """
        columns = OUTBOX.c
        load = (  # built once: reused, it is not rebuilt nor given a new cache key per pass
            select(
                columns.id,
                columns.topic,
                columns.key,
                columns.payload,
                columns.headers,
                columns.attempts,
                columns.retry_at,
                _ANY_PARKED,
            )
            .where(columns.sent_at.is_(None), columns.parked_at.is_(None))
            .order_by(columns.id)
            .limit(self.batch_size)
        )  # not inline: a burst loads a thousand rows, better read in the connection's thread
        return load if is_sqlite else load.where(_LOCKED)

    async def relay_once(self) -> int:
        """Publish one batch of pending rows; the number of rows it dealt with (published or parked)."""
        failure: BaseException | None = None
        async with self.database.sessions() as session, session.begin():
            rows, any_parked = await self._load(session)  # none on PostgreSQL unless the lock was free
            if not rows:
                return 0
            round_ = _Round(self, session, await self._parked_lanes(session) if any_parked else {})
            try:
                await round_.run(rows)
            except SQLAlchemyError:
                raise  # the transaction is lost (a dead connection): nothing to keep
            except Exception as error:  # noqa: BLE001 - keep what was published; raise after commit
                failure = error
        self.published += round_.sent
        if failure is not None:
            raise failure
        return round_.sent + round_.parked

    async def _load(self, session: AsyncSession) -> tuple[list[_Row], bool]:
        """The next batch of pending rows, and whether any row is parked (one statement for both)."""
        result = await session.execute(self._pending_rows)
        rows: list[_Row] = []
        any_parked = False
        for row_id, topic, key, payload, headers, attempts, retry_at, parked in result:
            rows.append(_Row(PendingMessage(row_id, topic, key, payload, headers), attempts, retry_at))
            any_parked = bool(parked)
        return rows, any_parked

    async def _parked_lanes(self, session: AsyncSession) -> dict[tuple[str, bytes], int]:
        result = await session.execute(
            select(OutboxRow.topic, OutboxRow.key, func.min(OutboxRow.id))
            .where(OutboxRow.parked_at.is_not(None), OutboxRow.sent_at.is_(None), OutboxRow.key.is_not(None))
            .group_by(OutboxRow.topic, OutboxRow.key)
        )
        return {(topic, key): first for topic, key, first in result if key is not None}

    async def pending(self) -> int:
        """How many rows wait to be published (parked rows not counted)."""
        async with self.database.sessions() as session:
            count = await session.scalar(select(func.count()).select_from(OutboxRow).where(*_PENDING))
        return int(count or 0)

    async def purge_sent(self) -> None:
        """Delete rows published longer ago than ``keep_sent``."""
        cutoff = datetime.now(UTC) - self.keep_sent
        async with self.database.transaction() as session:
            await session.execute(delete(OutboxRow).where(OutboxRow.sent_at < cutoff))
        self._last_purge = datetime.now(UTC)

    async def run(self) -> None:
        """Relay until cancelled; failures are logged and retried with backoff."""
        await repeat(self._relay_pending, event="outbox_relay_failed", pause=self._wait_for_commit)

    async def _relay_pending(self) -> None:
        self.database.outbox_committed.clear()
        while await self.relay_once() == self.batch_size:
            pass
        if datetime.now(UTC) - self._last_purge > self.keep_sent / 4:
            await self.purge_sent()

    async def _wait_for_commit(self, _: None) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.database.outbox_committed.wait(), timeout=self.idle_poll_s)

    def start(self) -> None:
        """Run the relay in the background."""
        self._background.start()

    async def stop(self) -> None:
        """Stop the relay; rows not yet marked sent are published again by the next relay."""
        await self._background.stop()


class _Round:
    """One relay pass over a batch: publish what may go, record refusals, park what must wait."""

    def __init__(
        self, relay: OutboxRelay, session: AsyncSession, parked: dict[tuple[str, bytes], int]
    ) -> None:
        self.relay = relay
        self.session = session
        self.parked_lanes = parked
        self.now = datetime.now(UTC)
        self.blocked: set[tuple[str, bytes]] = set()
        self.sent = self.parked = 0

    async def run(self, rows: list[_Row]) -> None:
        """Publish ``rows`` in order; a refused row is retried alone, so only it is held back."""
        ready: list[_Row] = []
        for row in rows:
            behind = self._behind_parked(row)
            if behind is not None:
                await self._park(row, behind)
            elif self._may_go(row):
                ready.append(row)
        if not ready:
            return
        failures = dict(await self.relay.publish([row.message for row in ready]) or {})
        await self._mark_sent([row for row in ready if row.message.id not in failures])
        if not failures:
            return
        if not all(isinstance(error, RecordRefusedError) for error in failures.values()):
            raise next(e for e in failures.values() if not isinstance(e, RecordRefusedError))
        for row in (row for row in ready if row.message.id in failures):
            if row.lane in self.blocked:  # behind a refused row of its key: it waits, or parks with it
                if row.lane in self.parked_lanes:
                    await self._park(row, self._behind(row.lane))
                continue
            refused = dict(await self.relay.publish([row.message]) or {}).get(row.message.id)
            if refused is None:
                await self._mark_sent([row])
            elif isinstance(refused, RecordRefusedError):
                await self._refused(row, refused)
            else:
                raise refused

    def _behind_parked(self, row: _Row) -> str | None:
        """Why ``row`` parks too if it comes after a parked row of its key, else None."""
        lane = row.lane
        if lane is not None and lane in self.parked_lanes and self.parked_lanes[lane] < row.message.id:
            return self._behind(lane)
        return None

    def _may_go(self, row: _Row) -> bool:
        lane = row.lane
        if lane is not None and lane in self.blocked:
            return False
        if row.retry_at is not None and _aware(row.retry_at) > self.now:
            if lane is not None:
                self.blocked.add(lane)
            return False
        return True

    def _behind(self, lane: tuple[str, bytes]) -> str:
        return f"waits behind parked outbox row {self.parked_lanes[lane]} of the same key"

    async def _mark_sent(self, rows: Sequence[_Row]) -> None:
        """Mark ``rows`` sent, naming them by runs of consecutive ids (one run for a whole batch)."""
        runs = id_runs(sorted(row.message.id for row in rows))
        if len(runs) == 1:  # an ordinary batch: one statement, built once
            low, high = runs[0]
            await self.session.execute(_MARK_RUN_SENT, {"low": low, "high": high, "now": self.now})
        else:
            for start in range(0, len(runs), RANGES_PER_UPDATE):
                chunk = runs[start : start + RANGES_PER_UPDATE]
                marked = update(OUTBOX).where(or_(*(OUTBOX.c.id.between(low, high) for low, high in chunk)))
                marked = marked.values(sent_at=self.now).execution_options(**{INLINE: True})
                await self.session.execute(marked)
        self.sent += len(rows)

    async def _refused(self, row: _Row, error: RecordRefusedError) -> None:
        attempts = row.attempts + 1
        reason = f"{type(error).__name__}: {error}"[:MAX_REASON]
        if row.lane is not None:
            self.blocked.add(row.lane)
        if attempts >= self.relay.max_attempts:
            await self._park(row, f"refused {attempts} times; last: {reason}", attempts=attempts)
            return
        retry_at = self.now + timedelta(seconds=self.relay.refused_backoff.delay(attempts))
        log.warning(
            "outbox_row_refused",
            row=row.message.id,
            topic=row.message.topic,
            attempts=attempts,
            reason=reason,
        )
        await self._update(row, attempts=attempts, retry_at=retry_at, error=reason)

    async def _park(self, row: _Row, reason: str, *, attempts: int | None = None) -> None:
        log.error("outbox_row_parked", row=row.message.id, topic=row.message.topic, reason=reason)
        if row.lane is not None:
            self.parked_lanes.setdefault(row.lane, row.message.id)
        values: dict[str, Any] = {"parked_at": self.now, "retry_at": None, "error": reason}
        if attempts is not None:
            values["attempts"] = attempts
        await self._update(row, **values)
        self.parked += 1
        if self.relay.on_parked is not None:
            self.relay.on_parked(1)

    async def _update(self, row: _Row, **values: Any) -> None:
        await self.session.execute(update(OutboxRow).where(OutboxRow.id == row.message.id).values(**values))


def id_runs(ids: Sequence[int]) -> list[tuple[int, int]]:
    """Sorted, distinct ``ids`` as runs of consecutive ids, each (first, last).

    Every id inside a run is one of ``ids``, so an ``UPDATE ... BETWEEN`` over the runs touches exactly
    these rows, never one committed meanwhile with an id in a gap.
    """
    runs: list[tuple[int, int]] = []
    for row_id in ids:
        if runs and row_id == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], row_id)
        else:
            runs.append((row_id, row_id))
    return runs


def _aware(moment: datetime) -> datetime:
    """``moment`` with a time zone (SQLite hands back naive UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
