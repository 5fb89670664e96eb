"""A SASL/SCRAM broker with ACLs: partners write only their own topics; the scheduler runs as a service."""

from __future__ import annotations

import asyncio
import json
import shutil
import stat
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import GroupAuthorizationFailedError, TopicAuthorizationFailedError

from contracts import ActivityPublished, encode_event, new_event
from contracts.topics import (
    SCHEDULING_AGENDA,
    SCHEDULING_CONFLICTS,
    all_service_topics,
    partner_activities,
    partner_feedback,
)
from contracts.topics import partner_topics as topics_of
from scheduling.main import create_runtime
from scheduling.settings import SchedulingSettings
from scheduling_support import activity, at, fresh_area, quiet_evening
from support.testing import read_topic, wait_for
from werkplaats.kafka_security import KafkaSecurity, client_options
from werkplaats.localkafka import LocalKafka, answers_metadata
from werkplaats.localkafka.config import java_executable
from werkplaats.localkafka.security import KafkaSecurityAdmin
from werkplaats.topics_admin import ensure_topics

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class SecuredKafka:
    """A dedicated SASL broker with partner principals a and b and the service principal scheduling."""

    kafka: LocalKafka
    bootstrap: str
    admin: KafkaSecurity
    slugs: dict[str, str]
    passwords: dict[str, str]

    def partner(self, name: str) -> KafkaSecurity:
        return KafkaSecurity.scram(self.slugs[name], self.passwords[self.slugs[name]])


@pytest.fixture(scope="module")
def secured() -> Iterator[SecuredKafka]:
    if shutil.which(java_executable()) is None:
        pytest.skip("needs Java 17+ (on PATH or in JAVA_HOME)")
    data_dir = Path(tempfile.mkdtemp(prefix="werkplaats-sasl-kafka-"))
    kafka = LocalKafka(data_dir=data_dir, sasl=True)
    try:
        bootstrap = kafka.ensure_started(timeout=120)
        admin = kafka.admin_security()
        assert admin is not None
        run = uuid.uuid4().hex[:6]
        slugs = {name: f"{name}-{run}" for name in ("a", "b")}
        specs = [*all_service_topics(), *(spec for slug in slugs.values() for spec in topics_of(slug))]
        asyncio.run(ensure_topics(bootstrap, specs, security=admin))
        tools = KafkaSecurityAdmin(bootstrap, admin)
        passwords = {slug: tools.add_partner(slug) for slug in slugs.values()}
        passwords["scheduling"] = tools.add_service("scheduling")
        yield SecuredKafka(kafka, bootstrap, admin, slugs, passwords)
    finally:
        kafka.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
async def producers(secured: SecuredKafka) -> AsyncIterator[dict[str, AIOKafkaProducer]]:
    started = {}
    for name in secured.slugs:
        producer = AIOKafkaProducer(
            bootstrap_servers=secured.bootstrap, acks="all", **client_options(secured.partner(name))
        )
        await producer.start()
        started[name] = producer
    yield started
    for producer in started.values():
        await producer.stop()


async def publish(producer: AIOKafkaProducer, slug: str, published: ActivityPublished) -> None:
    event = encode_event(new_event(published, source=slug))
    await producer.send_and_wait(partner_activities(slug), event, key=published.activity_id.encode())


def test_admin_password_and_server_properties_are_private(secured: SecuredKafka) -> None:
    for path in (secured.kafka.admin_password_file, secured.kafka.properties_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secured.kafka.status().describe().endswith("SASL/SCRAM-SHA-512 with ACLs)")


async def test_clients_without_valid_credentials_are_refused(secured: SecuredKafka) -> None:
    wrong = KafkaSecurity.scram(secured.slugs["a"], "not-the-password")
    assert not await answers_metadata(secured.bootstrap, wait_s=3)
    assert not await answers_metadata(secured.bootstrap, wait_s=3, options=client_options(wrong))
    assert await answers_metadata(secured.bootstrap, options=client_options(secured.partner("a")))


async def test_a_partner_cannot_write_another_partners_topic(
    secured: SecuredKafka, producers: dict[str, AIOKafkaProducer]
) -> None:
    published = activity("inbraak", at(quiet_evening(), 19), 2, [fresh_area().wijk])
    with pytest.raises(TopicAuthorizationFailedError):
        await asyncio.wait_for(publish(producers["b"], secured.slugs["a"], published), 30)


def scheduler_env(secured: SecuredKafka, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The scheduler's security settings, also put in the environment as a deployed process has them."""
    env = {
        "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "KAFKA_SASL_USERNAME": "scheduling",
        "KAFKA_SASL_PASSWORD": secured.passwords["scheduling"],
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return {name.lower(): value for name, value in env.items()}


async def test_scheduler_as_service_principal_consumes_partner_activities(
    secured: SecuredKafka,
    producers: dict[str, AIOKafkaProducer],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    area, day = fresh_area(), quiet_evening()
    slug_a, slug_b = secured.slugs["a"], secured.slugs["b"]
    await publish(producers["a"], slug_a, activity("inspraak-a", at(day, 19), 2, [area.wijk]))
    await publish(producers["b"], slug_b, activity("avond-b", at(day, 20), 2, [area.buurten[0]]))
    settings = SchedulingSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'scheduling.db'}",
        outbox_idle_poll_s=0.2,
        **scheduler_env(secured, monkeypatch),
    )
    runtime = create_runtime(settings, bootstrap_servers=secured.bootstrap)
    await runtime.start()
    try:

        async def on_agenda() -> bool:
            records = await read_topic(secured.bootstrap, SCHEDULING_AGENDA, security=secured.admin)
            return f"{slug_a}/inspraak-a".encode() in {record.key for record in records}

        async def conflict_between_a_and_b() -> bool:
            for record in await read_topic(secured.bootstrap, SCHEDULING_CONFLICTS, security=secured.admin):
                data = json.loads(record.value)["data"]
                if {member["organisation"] for member in data.get("activities", [])} == {slug_a, slug_b}:
                    return True
            return False

        await wait_for(on_agenda, timeout=90, interval=0.5)
        await wait_for(conflict_between_a_and_b, timeout=60, interval=0.5)
    finally:
        await runtime.stop()


async def test_a_removed_partner_can_no_longer_log_in_and_keeps_no_acls(secured: SecuredKafka) -> None:
    tools = KafkaSecurityAdmin(secured.bootstrap, secured.admin)
    slug = f"weg-{uuid.uuid4().hex[:6]}"
    await ensure_topics(secured.bootstrap, topics_of(slug), security=secured.admin)
    password = await asyncio.to_thread(tools.add_partner, slug)
    partner = client_options(KafkaSecurity.scram(slug, password))
    assert await answers_metadata(secured.bootstrap, options=partner)
    assert "operation=WRITE" in await asyncio.to_thread(tools.list_acls, slug)

    await asyncio.to_thread(tools.remove_partner, slug)

    assert not await answers_metadata(secured.bootstrap, wait_s=3, options=partner)
    assert "operation=" not in await asyncio.to_thread(tools.list_acls, slug)
    assert await read_topic(secured.bootstrap, partner_activities(slug), security=secured.admin) == []


async def can_write(bootstrap: str, security: KafkaSecurity, topic: str) -> bool:
    """Whether ``security``'s principal may append a record to partition 0 of ``topic``."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", **client_options(security))
    await producer.start()
    try:
        await asyncio.wait_for(producer.send_and_wait(topic, b"{}", key=b"acl", partition=0), 30)
    except TopicAuthorizationFailedError:
        return False
    finally:
        await producer.stop()
    return True


async def can_read(bootstrap: str, security: KafkaSecurity, topic: str, group: str) -> bool:
    """Whether ``security``'s principal may fetch ``topic`` and commit its position in ``group``."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False, **client_options(security)
    )
    await consumer.start()
    try:
        partition = TopicPartition(topic, 0)
        consumer.assign([partition])
        await consumer._client.force_metadata_update()
        if topic in consumer._client.cluster.unauthorized_topics:
            return False
        await consumer.seek_to_beginning(partition)
        records = await asyncio.wait_for(consumer.getmany(partition, timeout_ms=10_000), 30)
        assert records.get(partition), f"{topic} has a record to read"
        await asyncio.wait_for(consumer.commit(), 30)
    except (TopicAuthorizationFailedError, GroupAuthorizationFailedError):
        return False
    finally:
        await consumer.stop()
    return True


async def test_each_principal_reads_and_writes_only_what_its_acls_allow(secured: SecuredKafka) -> None:
    a, b = secured.slugs["a"], secured.slugs["b"]
    scheduling = KafkaSecurity.scram("scheduling", secured.passwords["scheduling"])
    for topic in (partner_activities(a), partner_feedback(a), partner_feedback(b), SCHEDULING_CONFLICTS):
        assert await can_write(secured.bootstrap, secured.admin, topic), "the super user writes anything"
    partner_a = secured.partner("a")
    writes = {
        ("a", partner_activities(a)): True,
        ("a", partner_activities(b)): False,
        ("a", SCHEDULING_CONFLICTS): False,
        ("scheduling", SCHEDULING_CONFLICTS): True,
        ("scheduling", partner_feedback(a)): True,
    }
    reads = {
        ("a", partner_feedback(a), f"partner.{a}.reader"): True,
        ("a", partner_feedback(a), "someone-elses-group"): False,
        ("a", partner_feedback(b), f"partner.{a}.reader"): False,
        ("a", partner_activities(a), f"partner.{a}.reader"): False,
        ("a", SCHEDULING_CONFLICTS, f"partner.{a}.reader"): False,
        ("scheduling", partner_activities(a), "scheduling-intake"): True,
        ("scheduling", partner_activities(a), "not-scheduling"): False,
    }
    who = {"a": partner_a, "scheduling": scheduling}
    seen_writes = {key: await can_write(secured.bootstrap, who[key[0]], key[1]) for key in writes}
    seen_reads = {key: await can_read(secured.bootstrap, who[key[0]], key[1], key[2]) for key in reads}
    assert seen_writes == writes
    assert seen_reads == reads
