"""Faults on a three-node cluster: leaders killed, a rolling restart, brokers lost; nothing lost or twice."""

from __future__ import annotations

import asyncio
import signal
import statistics
import subprocess
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from sqlalchemy import func, select

from cluster_services import another_postgres_database, ready, start_at_end, start_service, stop_all
from cluster_support import (
    ConflictTail,
    DesignedStream,
    Publisher,
    announcements,
    check_designed_clashes,
    designed_stream,
    fully_replicated,
    kill,
    latencies,
    leader_of,
    on_agenda,
    publish_steadily,
    restart,
    view,
)
from contracts.topics import (
    SCHEDULING_CONFLICTS,
    TopicSpec,
    all_service_topics,
    partner_activities,
)
from notifications.service import subscriptions
from scheduling.main import create_runtime
from scheduling.settings import SchedulingSettings
from scheduling.store.tables import ConflictRow
from scheduling_support import groups_settled, outbox_empty_in, quiet_evening, settled, skip_history
from support.testing import committed_offsets, wait_for, wait_until_consumed
from test_notifications_support import SECRET, WebhookReceiver, by_conflict, free_port
from werkplaats.db import Database
from werkplaats.localkafka.cluster import LocalKafkaCluster
from werkplaats.runtime import ServiceRuntime
from werkplaats.topics_admin import ensure_topics

pytestmark = pytest.mark.integration

LEADER_LOSS_ACTIVITIES = 10_000
LEADER_LOSS_CLASHES = 1_000
ROLL_RATE = 20  # activities a second during the rolling restart
ROLL_LATENCY_BOUND_S = 60.0


@asynccontextmanager
async def scheduler(
    cluster: LocalKafkaCluster, database_url: str, publisher: Publisher
) -> AsyncIterator[ServiceRuntime]:
    """A scheduler on the cluster, reading only these partners' topics, from a fresh consumer group."""
    group = f"cluster-{uuid.uuid4().hex[:8]}"
    await skip_history(cluster.bootstrap, group)
    settings = SchedulingSettings(
        database_url=database_url, consumer_group=group, partner_topic_pattern=publisher.topic_pattern()
    )
    runtime = create_runtime(settings, bootstrap_servers=cluster.bootstrap)
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()


async def intake_committed(runtime: ServiceRuntime, publisher: Publisher) -> int:
    """Partner records the scheduler's intake has committed so far."""
    own = set(publisher.topics())
    committed = await committed_offsets(runtime.bootstrap_servers, f"{runtime.consumer_group}-intake")
    return sum(offset for tp, offset in committed.items() if tp.topic in own)


async def conflicts_stored(runtime: ServiceRuntime) -> int:
    async with runtime.database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(ConflictRow)) or 0)


async def at_least(count: object, minimum: int) -> bool:
    return await count >= minimum  # type: ignore[misc,operator]


async def everything_stored(runtime: ServiceRuntime, publisher: Publisher, database_url: str) -> None:
    """Every acknowledged publish is on the agenda."""
    acknowledged = set(publisher.acknowledged)
    assert await on_agenda(database_url, acknowledged) == acknowledged


async def test_topics_have_three_replicas_and_need_two_in_sync(cluster: LocalKafkaCluster) -> None:
    topic = f"it.cluster.{uuid.uuid4().hex[:8]}"
    await ensure_topics(cluster.bootstrap, [TopicSpec(topic, 3)])

    async def listed() -> bool:
        partitions = (await view(cluster)).partitions
        return all((topic, p) in partitions for p in range(3))

    await wait_for(listed, timeout=30)
    current = await view(cluster)
    assert current.brokers == {1, 2, 3}
    assert all(len(current.partitions[(topic, p)].replicas) == 3 for p in range(3))
    admin = AIOKafkaAdminClient(bootstrap_servers=cluster.bootstrap)
    await admin.start()
    try:
        [response] = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    finally:
        await admin.close()
    configs = {name: value for name, value, *_ in response.resources[0][4]}
    assert configs["min.insync.replicas"] == "2"


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_leader_loss_mid_stream_loses_and_repeats_nothing(
    cluster: LocalKafkaCluster, database_url: str
) -> None:
    stream = designed_stream(LEADER_LOSS_ACTIVITIES, LEADER_LOSS_CLASHES, quiet_evening(days_ahead=30))
    first, second = len(stream.items) * 3 // 10, len(stream.items) * 6 // 10
    async with (
        Publisher(cluster.bootstrap) as publisher,
        scheduler(cluster, database_url, publisher) as runtime,
    ):
        await publisher.publish(stream.items[:first])
        await wait_for(lambda: at_least(intake_committed(runtime, publisher), 500), timeout=120, interval=0.1)
        partner_leader = await leader_of(cluster, partner_activities(publisher.slugs["gemeente"]))
        assert await intake_committed(runtime, publisher) < first, "most of the stream is still to come"
        await kill(cluster, partner_leader)
        await publisher.publish(stream.items[first:second])  # while the old leader is dead
        await restart(cluster, partner_leader)

        await wait_for(lambda: at_least(conflicts_stored(runtime), 100), timeout=120, interval=0.1)
        conflicts_leader = await leader_of(cluster, SCHEDULING_CONFLICTS)
        assert await conflicts_stored(runtime) < len(stream.clashes), "the last part is not even sent"
        await kill(cluster, conflicts_leader)
        await publisher.publish(stream.items[second:])
        await restart(cluster, conflicts_leader)

        await settled(runtime, cluster.bootstrap, publisher, timeout=300)  # type: ignore[arg-type]
        await everything_stored(runtime, publisher, database_url)
    assert len(publisher.acknowledged) >= len(stream.items) - sum(publisher.failures.values())
    check_designed_clashes(
        publisher, stream, await announcements(cluster.bootstrap, publisher.slugs.values())
    )


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_rolling_restart_under_steady_load_loses_nothing_and_stays_within_its_bound(
    cluster: LocalKafkaCluster, database_url: str
) -> None:
    stream = designed_stream(6_000, 1_200, quiet_evening(days_ahead=35))
    async with (
        Publisher(cluster.bootstrap) as publisher,
        scheduler(cluster, database_url, publisher) as runtime,
    ):
        tail = ConflictTail(cluster.bootstrap, set(publisher.slugs.values()))
        positioned, stop = asyncio.Event(), asyncio.Event()
        following = asyncio.ensure_future(tail.run(positioned))
        await wait_for(lambda: positioned.is_set() or following.done(), timeout=30)
        assert not following.done(), following.exception()
        load = asyncio.ensure_future(publish_steadily(publisher, stream.items, ROLL_RATE, stop))
        # The pipeline runs before the roll: conflicts are stored, and read from the topic.
        await wait_for(lambda: at_least(conflicts_stored(runtime), 1), timeout=180, interval=0.2)
        await wait_for(lambda: tail.arrived, timeout=60, interval=0.1)
        rolled_at = time.monotonic()
        for node_id in (1, 2, 3):
            await asyncio.to_thread(cluster.stop_node, node_id)
            await restart(cluster, node_id)
        rolled_until = time.monotonic()
        stop.set()
        sent = await load
        assert sent < len(stream.items), "the load lasted the whole roll"
        await settled(runtime, cluster.bootstrap, publisher, timeout=180)  # type: ignore[arg-type]
        await wait_for(lambda: len(tail.arrived) >= clashes_sent(publisher, stream), timeout=60)
        following.cancel()
        await everything_stored(runtime, publisher, database_url)
    check_designed_clashes(
        publisher, stream, await announcements(cluster.bootstrap, publisher.slugs.values())
    )
    before = latencies(publisher, tail, until=rolled_at)
    during = latencies(publisher, tail, since=rolled_at, until=rolled_until)
    print(  # the figures docs/testing.md reports
        f"rolling restart: {rolled_until - rolled_at:.1f} s, {sent} activities sent at {ROLL_RATE}/s; "
        f"publish -> conflict before the roll {summary(before)}; during the roll {summary(during)}"
    )
    assert not publisher.failures, publisher.failures
    assert during, "clashes were published during the roll"
    assert during[-1] < ROLL_LATENCY_BOUND_S


def summary(seconds: list[float]) -> str:
    """``n clashes, p50 …, p99 …, max …`` of sorted latencies."""
    if len(seconds) < 2:
        return f"{len(seconds)} clashes"
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return f"{len(seconds)} clashes, p50 {cuts[49]:.2f} s, p99 {cuts[98]:.2f} s, max {seconds[-1]:.2f} s"


def clashes_sent(publisher: Publisher, stream: DesignedStream) -> int:
    """Designed clashes both of whose activities were acknowledged."""
    slug_g, slug_s = publisher.slugs["gemeente"], publisher.slugs["staedion"]
    return sum(
        (slug_g, g) in publisher.acknowledged and (slug_s, s) in publisher.acknowledged
        for g, s in stream.clashes
    )


# What a producer may hear while two of three nodes are down: no leader, no second in-sync replica, or
# no acknowledgement within its delivery deadline.
DELIVERY_DEADLINE_S = 10.0
REFUSALS = {
    "DeliveryTimeout",
    "KafkaTimeoutError",
    "RequestTimedOutError",
    "NotEnoughReplicasError",
    "NotEnoughReplicasAfterAppendError",
    "NotLeaderForPartitionError",
    "LeaderNotAvailableError",
}


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_one_broker_lost_for_good_then_two_refused_clearly_and_recovered(
    cluster: LocalKafkaCluster, database_url: str
) -> None:
    stream = designed_stream(3_000, 300, quiet_evening(days_ahead=40))
    one_down, two_down = 1_500, 1_700
    async with (
        Publisher(cluster.bootstrap) as publisher,
        scheduler(cluster, database_url, publisher) as runtime,
    ):
        lost = await leader_of(cluster, partner_activities(publisher.slugs["staedion"]))
        await kill(cluster, lost)
        await publisher.publish(stream.items[:one_down])
        assert not publisher.failures, "acks=all is met by the two in-sync replicas left"
        await wait_for(lambda: at_least(intake_committed(runtime, publisher), one_down), timeout=180)
        await everything_stored(runtime, publisher, database_url)

        second = next(node for node in (1, 2, 3) if node != lost)
        await kill(cluster, second)
        await publisher.publish(stream.items[one_down:two_down], deadline=DELIVERY_DEADLINE_S)
        refused = sum(publisher.failures.values())
        assert refused == two_down - one_down, "with one node left nothing is acknowledged"
        assert set(publisher.failures) <= REFUSALS, publisher.failures

        await asyncio.gather(
            asyncio.to_thread(cluster.start_node, lost, 120.0),
            asyncio.to_thread(cluster.start_node, second, 120.0),
        )
        await fully_replicated(cluster)
        await publisher.publish(stream.items[two_down:])
        assert sum(publisher.failures.values()) == refused, "all is accepted again once the nodes are back"
        await settled(runtime, cluster.bootstrap, publisher, timeout=180)  # type: ignore[arg-type]
        await everything_stored(runtime, publisher, database_url)  # also whatever was acknowledged meanwhile
    found = await announcements(cluster.bootstrap, publisher.slugs.values())
    check_designed_clashes(publisher, stream, found)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_scaled_services_with_one_of_each_killed_deliver_every_clash_once(
    cluster: LocalKafkaCluster, database_url: str, tmp_path: Path
) -> None:
    stream = designed_stream(1_200, 240, quiet_evening(days_ahead=45))
    half = len(stream.items) // 2
    log = tmp_path / "services.log"
    scheduling_group, notifications_group = f"sched-{uuid.uuid4().hex[:8]}", f"notif-{uuid.uuid4().hex[:8]}"
    processes: list[subprocess.Popen[bytes]] = []
    async with (
        another_postgres_database() as notifications_url,
        Publisher(cluster.bootstrap) as publisher,
        WebhookReceiver() as receiver,
    ):
        await ensure_topics(cluster.bootstrap, all_service_topics())
        await skip_history(cluster.bootstrap, scheduling_group)
        await start_at_end(cluster.bootstrap, f"{notifications_group}-conflicts", [SCHEDULING_CONFLICTS])
        scheduling = {
            "database_url": database_url,
            "consumer_group": scheduling_group,
            "partner_topic_pattern": publisher.topic_pattern(),
        }
        schedulers = [start_service("scheduling", log, scheduling, cluster.bootstrap) for _ in range(3)]
        ports = [free_port(), free_port()]
        notifiers = [
            start_service(
                "notifications",
                log,
                notifier_settings(notifications_url, notifications_group, port),
                cluster.bootstrap,
            )
            for port in ports
        ]
        processes += schedulers + notifiers
        try:
            await wait_for(lambda: all_ready(ports, processes), timeout=120, interval=0.5)
            await subscribe(notifications_url, receiver, publisher)

            await publisher.publish(stream.items[:half])
            await wait_for(lambda: len(receiver.unique()) >= 20, timeout=180, interval=0.1)
            for victim in (schedulers[1], notifiers[1]):
                victim.send_signal(signal.SIGKILL)
                assert victim.wait(timeout=10) == -signal.SIGKILL
            assert len(receiver.unique()) < len(stream.clashes), "the kills land mid-stream"
            await publisher.publish(stream.items[half:])

            expected = clashes_sent(publisher, stream)
            await wait_for(lambda: len(by_conflict(receiver.received)) >= expected, timeout=300, interval=0.2)
            await settled_processes(cluster.bootstrap, publisher, scheduling_group, database_url)
            await wait_until_consumed(
                cluster.bootstrap, f"{notifications_group}-conflicts", [SCHEDULING_CONFLICTS], timeout=120
            )
        finally:
            stop_all(processes)
    assert not publisher.failures, publisher.failures
    await everything_on_agenda(publisher, database_url)
    found = await announcements(cluster.bootstrap, publisher.slugs.values())
    check_designed_clashes(publisher, stream, found)
    overlap_ids = {a.conflict_id for a in found if a.rule == "neighbourhood_overlap"}
    delivered = by_conflict(receiver.received)
    assert overlap_ids <= set(delivered), "an announced clash was not delivered"
    assert all(len(ids) == 1 for ids in delivered.values()), "a clash was delivered twice"
    assert receiver.bad_signatures == 0
    resent = sum(n - 1 for n in receiver.receipts.values())
    print(f"scaled services: {len(delivered)} conflicts delivered once each; {resent} repeated delivery ids")


def notifier_settings(database_url: str, group: str, port: int) -> dict[str, str]:
    """A notifier that retries fast and reclaims a killed instance's deliveries after a short lease."""
    return {
        "database_url": database_url,
        "consumer_group": group,
        "http_port": str(port),
        "retry_base_s": "0.05",
        "retry_max_s": "0.5",
        "sender_poll_s": "0.1",
        "lease_s": "4",
        "webhook_timeout_s": "1",
        "smtp_timeout_s": "1",
        "tick_s": "0.2",
    }


async def all_ready(ports: list[int], processes: list[subprocess.Popen[bytes]]) -> bool:
    assert all(process.poll() is None for process in processes), "a service exited; see services.log"
    return all([await ready(port) for port in ports])


async def subscribe(database_url: str, receiver: WebhookReceiver, publisher: Publisher) -> None:
    """A webhook subscription to every conflict.detected of the test's partners."""
    request = subscriptions.SubscriptionRequest.model_validate(
        {
            "webhook": {"url": receiver.url, "secret": SECRET},
            "event_types": ["conflict.detected"],
            "organisations": sorted(publisher.slugs.values()),
        }
    )
    database = Database(database_url)
    try:
        await subscriptions.add_subscription(database, request, created_by="ops")
    finally:
        await database.dispose()


async def settled_processes(bootstrap: str, publisher: Publisher, group: str, database_url: str) -> None:
    """Intake committed every partner record, the detector every placement, the outbox is empty."""
    await groups_settled(
        bootstrap, group, publisher.topics(), lambda: outbox_empty_in(database_url), timeout=180, interval=0.2
    )


async def everything_on_agenda(publisher: Publisher, database_url: str) -> None:
    acknowledged = set(publisher.acknowledged)
    assert await on_agenda(database_url, acknowledged) == acknowledged
