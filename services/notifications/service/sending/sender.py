"""The sender loop: claim pending deliveries under a lease, send them concurrently per endpoint, mark them.

Deliveries decided in this process arrive already leased, straight from the commit that staged them
(``take``); the claim loop picks up the rest: retries, leases that expired, other instances' leftovers.
A claim records the attempt (attempts + 1, a lease token) and commits before anything is sent; the
outcome is then marked only under that token. A process killed between send and mark leaves the
lease to expire; the delivery is then sent again with the same id (webhook ``X-Werkplaats-Delivery``,
e-mail Message-ID) so the receiver can drop the repeat. Instances never send a delivery together:
candidates are locked with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL and taken by a conditional update.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import or_, select, tuple_, update

from notifications.channels import DeliveryError, PermanentDeliveryError
from notifications.service import delivery_events
from notifications.service.handoff import Lease, Staged
from notifications.service.reconcile import close_settled, settled_among
from notifications.store import EndpointRow, NotificationRow, utc
from notifications.store.endpoints import endpoint_failed, endpoints_recovered
from werkplaats.db import Database
from werkplaats.group_commit import GroupCommit
from werkplaats.retry import repeat
from werkplaats.unit_of_work import SqlUnitOfWork

log = structlog.get_logger(__name__)

Send = Callable[[NotificationRow], Awaitable[None]]
Prepare = Callable[[Sequence[NotificationRow]], Awaitable[None]]


@dataclass(frozen=True)
class SenderPolicy:
    """Batch, lease, concurrency and retry limits of the sender."""

    batch: int = 200
    lease: timedelta = timedelta(seconds=60)
    per_endpoint: int = 8
    ahead: int = 8
    """Deliveries of an endpoint claimed beyond its sends in flight, started as sends end (no claim each)."""
    poll_s: float = 0.5
    retry_base_s: float = 1.0
    retry_max_s: float = 300.0
    budget: timedelta = timedelta(hours=2)


class Sender:
    """Sends pending deliveries; one slow or failing endpoint never holds up the others."""

    def __init__(
        self,
        database: Database,
        send: Send,
        policy: SenderPolicy,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        prepare: Prepare | None = None,
    ) -> None:
        self.database = database
        self.send = send
        self.prepare = prepare
        """Called with each batch about to be sent (e.g. to read its secrets at once)."""
        self.policy = policy
        self.clock = clock
        self.wake = asyncio.Event()
        self.in_flight: Counter[str] = Counter()
        self.queued: dict[str, deque[NotificationRow]] = {}
        self.blocked: dict[str, datetime] = {}  # endpoints this process saw fail, until when they back off
        self._unsent: list[NotificationRow] = []  # claimed, never sent: leases to give back
        self._backlog = True  # the last claim found work, so more may wait: claim again when a queue drains
        self._stopping = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.Task[None] | None = None
        self._delivered = GroupCommit(self._mark_delivered)

    def notify(self) -> None:
        """Look for work now (deliveries were just recorded)."""
        self.wake.set()

    def lease(self) -> Lease:
        """A lease for deliveries staged now, to be handed over with ``take`` once committed."""
        return Lease(str(uuid.uuid4()), self.clock() + self.policy.lease)

    def take(self, staged: list[Staged]) -> None:
        """Send committed deliveries that were staged under this sender's lease, without claiming them."""
        if not staged:
            return
        rows = [NotificationRow(**values) for values in staged]
        task = asyncio.create_task(self._admit(rows), name="notifications-handoff")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _admit(self, rows: list[NotificationRow]) -> None:
        """Queue handed-over deliveries of endpoints with room; give back those of full or failing ones."""
        if self._stopping:
            self._unsent.extend(rows)
            return
        settled = await settled_among(self.database, [row.notification_id for row in rows])
        if settled:  # made before a restore: the next claim closes them with their outcome
            self._unsent.extend(row for row in rows if row.notification_id in settled)
            rows = [row for row in rows if row.notification_id not in settled]
            self._backlog = True
            self.wake.set()
        await self._prepare(rows)
        now = self.clock()
        limit = self.policy.per_endpoint + self.policy.ahead
        endpoints = set()
        for row in rows:
            held = self.in_flight[row.endpoint] + len(self.queued.get(row.endpoint, ()))
            if held >= limit or self.blocked.get(row.endpoint, now) > now:
                self._unsent.append(row)  # given back by the next claim, which takes it up in turn
                self._backlog = True
                self.wake.set()
            else:
                self.queued.setdefault(row.endpoint, deque()).append(row)
                endpoints.add(row.endpoint)
        for endpoint in endpoints:
            self._dispatch(endpoint)

    async def _prepare(self, rows: Sequence[NotificationRow]) -> None:
        if self.prepare is None or not rows:
            return
        try:
            await self.prepare(rows)
        except Exception:  # each send then reads what it needs itself
            log.warning("notification_prepare_failed", exc_info=True)

    async def claim(self) -> list[NotificationRow]:
        """Take due deliveries of endpoints that are neither backing off nor at their concurrency limit."""
        now = self.clock()
        limit = self.policy.per_endpoint + self.policy.ahead
        held = Counter(self.in_flight) + Counter({e: len(rows) for e, rows in self.queued.items()})
        full = [endpoint for endpoint, count in held.items() if count >= limit]
        blocked = select(EndpointRow.endpoint).where(EndpointRow.blocked_until > now)
        query = (
            select(NotificationRow.notification_id, NotificationRow.endpoint)
            .where(
                NotificationRow.status == "pending",
                NotificationRow.next_attempt_at <= now,
                or_(NotificationRow.lease_until.is_(None), NotificationRow.lease_until < now),
                NotificationRow.endpoint.not_in(blocked),
            )
            .order_by(NotificationRow.created_at)
            .limit(self.policy.batch * 4)
        )
        if full:
            query = query.where(NotificationRow.endpoint.not_in(full))
        if not self.database.is_sqlite:
            query = query.with_for_update(skip_locked=True, of=NotificationRow)
        async with self.database.transaction() as session:
            await close_settled(session, now)
            if self._unsent:
                unsent, self._unsent = self._unsent, []
                await _give_back(session, unsent)
            room = {endpoint: limit - count for endpoint, count in held.items()}
            chosen: list[str] = []
            for notification_id, endpoint in (await session.execute(query)).all():
                if room.setdefault(endpoint, limit) > 0 and len(chosen) < self.policy.batch:
                    room[endpoint] -= 1
                    chosen.append(notification_id)
            if not chosen:
                return []
            token = str(uuid.uuid4())
            await session.execute(
                update(NotificationRow)
                .where(
                    NotificationRow.notification_id.in_(chosen),
                    NotificationRow.status == "pending",
                    or_(NotificationRow.lease_until.is_(None), NotificationRow.lease_until < now),
                )
                .values(
                    lease_token=token,
                    lease_until=now + self.policy.lease,
                    attempts=NotificationRow.attempts + 1,
                )
            )
            rows = (
                await session.scalars(select(NotificationRow).where(NotificationRow.lease_token == token))
            ).all()
        return list(rows)

    async def deliver(self, row: NotificationRow, *, sent: Callable[[], None] | None = None) -> None:
        """Send one claimed delivery and mark its outcome.

        ``sent`` is called once a send succeeded, before its outcome is marked: the endpoint may take
        the next send while the success waits for its group commit (the lease keeps the row ours).
        A failure is marked first, so the endpoint's backoff holds before it is sent to again.
        """
        try:
            await self.send(row)
        except PermanentDeliveryError as error:
            await self._mark(row, failed=str(error))
        except DeliveryError as error:
            await self._mark(row, error=str(error))
        except Exception as error:
            log.exception("notification_send_crashed", notification_id=row.notification_id)
            await self._mark(row, error=f"{type(error).__name__}")
        else:
            if sent is not None:
                sent()
            await self._mark(row)

    async def _mark(
        self, row: NotificationRow, *, error: str | None = None, failed: str | None = None
    ) -> None:
        if error is None and failed is None:
            await self._delivered.add(row)
            return
        now = self.clock()
        async with self.database.unit_of_work(SqlUnitOfWork) as unit:
            session = unit.session
            mine = (NotificationRow.notification_id == row.notification_id) & (
                NotificationRow.lease_token == row.lease_token
            )
            reason = failed or error or ""
            deadline = utc(row.created_at) + self.policy.budget
            give_up = failed is not None or now >= deadline
            if give_up:
                await session.execute(
                    update(NotificationRow)
                    .where(mine)
                    .values(status="failed", finished_at=now, lease_until=None, last_error=reason)
                )
                delivery_events.failed(unit, row, now, reason)
                return
            blocked_until = await endpoint_failed(
                session, row.endpoint, now, self.policy.retry_base_s, self.policy.retry_max_s
            )
            self.blocked[row.endpoint] = blocked_until
            waiting = self.queued.pop(row.endpoint, None)
            if waiting:  # not sent while the endpoint backs off: claimable again once it may be tried
                await _give_back(session, list(waiting))
            retry_at = min(blocked_until, deadline)
            await session.execute(
                update(NotificationRow)
                .where(mine)
                .values(next_attempt_at=retry_at, lease_until=None, last_error=reason)
            )
        log.info(
            "notification_retry", notification_id=row.notification_id, attempts=row.attempts, reason=reason
        )

    async def _mark_delivered(self, rows: list[NotificationRow]) -> None:
        """Mark deliveries that ended together in one transaction, those whose lease still holds."""
        now = self.clock()
        async with self.database.unit_of_work(SqlUnitOfWork) as unit:
            session = unit.session
            leases = {(row.notification_id, row.lease_token) for row in rows}
            held = set(
                (
                    await session.scalars(
                        update(NotificationRow)
                        .where(
                            tuple_(NotificationRow.notification_id, NotificationRow.lease_token).in_(leases)
                        )
                        .values(status="delivered", finished_at=now, lease_until=None)
                        .returning(NotificationRow.notification_id)
                        .execution_options(synchronize_session=False)
                    )
                ).all()
            )
            mine = [row for row in rows if row.notification_id in held]
            if not mine:
                return
            recovered = {row.endpoint for row in mine}
            await endpoints_recovered(session, recovered)
            for endpoint in recovered:
                self.blocked.pop(endpoint, None)
            for row in mine:
                delivery_events.delivered(unit, row, now)

    async def run(self) -> None:
        """Claim and send until cancelled."""
        await repeat(self._claim_and_dispatch, event="notification_claim_failed", pause=self._wait_for_work)

    async def _claim_and_dispatch(self) -> int:
        self.wake.clear()
        claimed = await self.claim()
        self._backlog = bool(claimed)
        await self._prepare(claimed)
        for row in claimed:
            self.queued.setdefault(row.endpoint, deque()).append(row)
        for endpoint in {row.endpoint for row in claimed}:
            self._dispatch(endpoint)
        return len(claimed)

    async def _wait_for_work(self, claimed: int) -> None:
        if claimed < self.policy.batch:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout=self.policy.poll_s)

    def _dispatch(self, endpoint: str) -> None:
        """Start the endpoint's claimed deliveries while it has room; wake the claim loop when none wait."""
        if self._stopping:
            return
        waiting = self.queued.get(endpoint)
        margin = self.policy.lease / 2
        while waiting and self.in_flight[endpoint] < self.policy.per_endpoint:
            row = waiting.popleft()
            if utc(row.lease_until or row.created_at) - self.clock() < margin:
                self._unsent.append(row)  # too little of the lease left to send safely: give it back
                self._backlog = True
            else:
                self._start(row)
        if not waiting:
            self.queued.pop(endpoint, None)
            if self._backlog:
                self.wake.set()

    def _start(self, row: NotificationRow) -> None:
        self.in_flight[row.endpoint] += 1
        released = False

        def release() -> None:  # the endpoint's slot, once: after a success is sent, or when marked
            nonlocal released
            if released:
                return
            released = True
            self.in_flight[row.endpoint] -= 1
            if self.in_flight[row.endpoint] <= 0:
                del self.in_flight[row.endpoint]
            self._dispatch(row.endpoint)

        task = asyncio.create_task(self.deliver(row, sent=release), name=f"send-{row.notification_id}")
        self._tasks.add(task)

        def done(finished: asyncio.Task[None]) -> None:
            self._tasks.discard(finished)
            release()

        task.add_done_callback(done)

    def start(self) -> None:
        """Run the loop in the background."""
        if self._loop is None:
            self._stopping = False
            self._loop = asyncio.create_task(self.run(), name="notifications-sender")

    async def stop(self) -> None:
        """Stop claiming, let the sends in flight finish (briefly), give back the claimed ones not sent."""
        self._stopping = True
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
            self._loop = None
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=5)
        unsent = self._unsent + [row for rows in self.queued.values() for row in rows]
        self._unsent, self.queued = [], {}
        if unsent:
            with contextlib.suppress(Exception):  # else their leases simply expire
                async with self.database.transaction() as session:
                    await _give_back(session, unsent)


async def _give_back(session: Any, rows: list[NotificationRow]) -> None:
    """End the leases of claimed deliveries that were never sent, undoing their claims' attempts."""
    await session.execute(
        update(NotificationRow)
        .where(
            tuple_(NotificationRow.notification_id, NotificationRow.lease_token).in_(
                {(row.notification_id, row.lease_token) for row in rows}
            )
        )
        .values(lease_until=None, attempts=NotificationRow.attempts - 1)
        .execution_options(synchronize_session=False)
    )
