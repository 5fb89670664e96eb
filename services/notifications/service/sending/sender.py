"""The sender: hand-over and claim loop, per-endpoint dispatch and concurrency, stopping cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

import structlog

from notifications.channels import DeliveryError, PermanentDeliveryError
from notifications.service.handoff import Lease, Staged
from notifications.service.reconcile import close_settled, open_settled
from notifications.service.sending.claims import claim_due, give_back, renew
from notifications.service.sending.lingering import LingeringCommit
from notifications.service.sending.outcomes import mark_delivered, mark_failed, mark_retry
from notifications.service.sending.policy import Prepare, Remember, Send, SenderPolicy
from notifications.store import NotificationRow, utc
from notifications.store.endpoints import endpoint_failed
from werkplaats.db import Database
from werkplaats.retry import repeat
from werkplaats.unit_of_work import SqlUnitOfWork

log = structlog.get_logger(__name__)


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
        remember: Remember | None = None,
    ) -> None:
        self.database = database
        self.send = send
        self.prepare = prepare
        """Called with each batch about to be sent (e.g. to read its secrets at once)."""
        self.remember = remember
        """Given the webhook secrets handed over with decided deliveries, so they are not read again."""
        self.policy = policy
        self.clock = clock
        self.wake = asyncio.Event()
        self.in_flight: Counter[str] = Counter()
        self.sending: dict[str, NotificationRow] = {}  # deliveries being sent, by id (their leases renewed)
        self.queued: dict[str, deque[NotificationRow]] = {}
        self.blocked: dict[str, datetime] = {}  # endpoints this process saw fail, until when they back off
        self._unsent: list[NotificationRow] = []  # claimed, never sent: leases to give back
        self._backlog = True  # the last claim found work, so more may wait: claim again when a queue drains
        self._stopping = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.Task[None] | None = None
        self._delivered = LingeringCommit(self._mark_delivered, policy.mark_linger_s)
        self._settled: set[str] | None = None  # settled by a restore, not finished here: read once

    def notify(self) -> None:
        """Look for work now (deliveries were just recorded)."""
        self.wake.set()

    def lease(self) -> Lease:
        """A lease for deliveries staged now, to be handed over with ``take`` once committed."""
        return Lease(str(uuid.uuid4()), self.clock() + self.policy.lease)

    def take(self, staged: list[Staged], secrets: Mapping[str, str | None] | None = None) -> None:
        """Send committed deliveries that were staged under this sender's lease, without claiming them.

        ``secrets`` are the webhook secrets read with the decision, by delivery id; the others are read.
        """
        if not staged:
            return
        rows = [NotificationRow(**values) for values in staged]
        task = asyncio.create_task(self._admit(rows, secrets or {}), name="notifications-handoff")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _admit(self, rows: list[NotificationRow], secrets: Mapping[str, str | None]) -> None:
        """Queue handed-over deliveries of endpoints with room; give back those of full or failing ones."""
        if self._stopping:
            self._unsent.extend(rows)
            return
        open_settled = await self._open_settled()
        settled = {row.notification_id for row in rows if row.notification_id in open_settled}
        if settled:  # made before a restore: the next claim closes them with their outcome
            self._unsent.extend(row for row in rows if row.notification_id in settled)
            rows = [row for row in rows if row.notification_id not in settled]
            self._backlog = True
            self.wake.set()
        known = {row.notification_id: secret for row in rows if (secret := secrets.get(row.notification_id))}
        if known and self.remember is not None:
            self.remember(known)
            await self._prepare([row for row in rows if row.notification_id not in known])
        else:
            await self._prepare(rows)
        now = self.clock()
        limit = self.policy.held_limit
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

    async def _open_settled(self) -> set[str]:
        """The deliveries a restore settled that are still open here (read from the database once)."""
        if self._settled is None:
            async with self.database.sessions() as session:
                self._settled = await open_settled(session)
        return self._settled

    async def claim(self) -> list[NotificationRow]:
        """Take due deliveries of endpoints that are neither backing off nor at their concurrency limit."""
        now = self.clock()
        held = Counter(self.in_flight) + Counter({e: len(rows) for e, rows in self.queued.items()})
        settled = await self._open_settled()
        held_rows = [*self.sending.values(), *(row for rows in self.queued.values() for row in rows)]
        stale = [row for row in held_rows if self._short_of_lease(row, now)]
        async with self.database.transaction() as session:
            if settled:
                await close_settled(session, now)
                self._settled = await open_settled(session)
            if self._unsent:
                unsent, self._unsent = self._unsent, []
                await give_back(session, unsent)
            renewed = await renew(session, stale, now + self.policy.lease) if stale else set()
            claimed = await claim_due(
                session, self.policy, now, held, skip_locked=not self.database.is_sqlite
            )
        self._renewed(stale, renewed, now + self.policy.lease)
        return claimed

    def _short_of_lease(self, row: NotificationRow, now: datetime) -> bool:
        """Whether less than half of ``row``'s lease is left: too little to start sending it."""
        return utc(row.lease_until or row.created_at) - now < self.policy.lease / 2

    def _renewed(self, stale: list[NotificationRow], renewed: set[str], until: datetime) -> None:
        """Held deliveries keep their place with a renewed lease; those no longer ours leave the queue.

        Without this a delivery waiting behind slow sends outlives its lease, is claimed again (by this
        process too, which then queues it twice) and waits again: under load, for minutes. A send that
        outlasts half its lease keeps it too, so no other claim sends it meanwhile.
        """
        for row in stale:
            if row.notification_id in renewed:
                row.lease_until = until
                continue
            waiting = self.queued.get(row.endpoint)
            if waiting is not None and row in waiting:
                waiting.remove(row)

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
            await self._delivered.add(row, urgent=self._mark_at_once(row))
            return
        now = self.clock()
        reason = failed or error or ""
        deadline = utc(row.created_at) + self.policy.budget
        async with self.database.unit_of_work(SqlUnitOfWork) as unit:
            if failed is not None or now >= deadline:
                await mark_failed(unit, row, now, reason)
                return
            blocked_until = await endpoint_failed(
                unit.session, row.endpoint, now, self.policy.retry_base_s, self.policy.retry_max_s
            )
            self.blocked[row.endpoint] = blocked_until
            waiting = self.queued.pop(row.endpoint, None)
            if waiting:  # not sent while the endpoint backs off: claimable again once it may be tried
                await give_back(unit.session, list(waiting))
            await mark_retry(unit.session, row, min(blocked_until, deadline), reason)
        self.wake.set()  # the claim loop looks again when this backoff ends, not a poll later
        log.info(
            "notification_retry", notification_id=row.notification_id, attempts=row.attempts, reason=reason
        )

    def _mark_at_once(self, row: NotificationRow) -> bool:
        """Whether a success skips the linger: it ends its endpoint's backoff, or its lease is half gone.

        A mark after the lease ended would let a claim send the delivery again.
        """
        return row.endpoint in self.blocked or self._short_of_lease(row, self.clock())

    async def _mark_delivered(self, rows: list[NotificationRow]) -> None:
        """Mark deliveries that ended together in one transaction, those whose lease still holds."""
        async with self.database.unit_of_work(SqlUnitOfWork) as unit:
            recovered = await mark_delivered(unit, rows, self.clock())
        for endpoint in recovered:
            self.blocked.pop(endpoint, None)

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
                await asyncio.wait_for(self.wake.wait(), timeout=self._next_look_s())

    def _next_look_s(self) -> float:
        """Seconds until the claim loop looks again unwoken: a poll, or sooner when a backoff ends here."""
        now = self.clock()
        ending = [(until - now).total_seconds() for until in self.blocked.values() if until > now]
        return min([self.policy.poll_s, *ending])

    def _dispatch(self, endpoint: str) -> None:
        """Start the endpoint's claimed deliveries while it has room; wake the claim loop when none wait."""
        if self._stopping:
            return
        waiting = self.queued.get(endpoint)
        while waiting and self.in_flight[endpoint] < self.policy.per_endpoint:
            row = waiting.popleft()
            if self._short_of_lease(row, self.clock()):
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
        self.sending[row.notification_id] = row
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
            self.sending.pop(row.notification_id, None)
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
                    await give_back(session, unsent)
