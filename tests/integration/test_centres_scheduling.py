"""A centre's rental and a housing corporation's plan for the same room meet in the scheduler, end to end."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from aiokafka import AIOKafkaProducer
from aiokafka.structs import RecordMetadata

from centres_support import centre_body, running_centres, wait_for_events
from contracts import ConflictAcknowledged, encode_event, new_event
from contracts.topics import SCHEDULING_AGENDA, SCHEDULING_CONFLICTS, dead_letter
from scheduling.main import create_runtime
from scheduling.settings import SchedulingSettings
from scheduling_support import Partners, activity, at, fresh_area, quiet_evening, skip_history
from support.testing import next_offsets, read_topic, wait_for, wait_until_committed


async def venue_conflicts(bootstrap: str, organisation: str) -> list[dict[str, object]]:
    """The conflicts detected that involve an activity of ``organisation``."""
    found = []
    for record in await read_topic(bootstrap, SCHEDULING_CONFLICTS, timeout=30):
        document = json.loads(record.value)
        organisers = {activity["organisation"] for activity in document["data"].get("activities", [])}
        if document["type"] == "conflict.detected" and organisation in organisers:
            found.append(document["data"])
    return found


async def test_a_centre_rental_clashing_with_a_partner_publication_is_a_venue_double_booking(
    kafka_bootstrap: str, unique: Callable[[str], str], database_url: str, tmp_path: Path
) -> None:
    area, day = fresh_area(), quiet_evening()
    group = unique("sched")
    await skip_history(kafka_bootstrap, group)
    settings = SchedulingSettings(database_url=database_url, consumer_group=group, outbox_idle_poll_s=0.2)
    scheduler = create_runtime(settings, bootstrap_servers=kafka_bootstrap)
    await scheduler.start()
    centre_id, centre_org = unique("wijkcentrum"), unique("welzijn")
    try:
        async with (
            running_centres(
                kafka_bootstrap, unique, f"sqlite+aiosqlite:///{tmp_path / 'c.db'}", tmp_path
            ) as centres,
            Partners(kafka_bootstrap, "haag-wonen") as partners,
        ):
            every_day = [{"weekday": d, "opens": "09:00", "closes": "23:00"} for d in range(1, 8)]
            body = centre_body(centre_org, neighbourhoods=[area.wijk], opening_hours=every_day)
            assert (
                await centres.client.put(f"/v1/centres/{centre_id}", json=body, headers=centres.staff())
            ).status_code == 200
            venue = {"venue_id": centre_id, "room": "Grote zaal"}
            housing = activity(
                "spreekuur-renovatie", at(day, 19), 2, [area.buurten[0]], kind="social", venue=venue
            )
            await partners.publish("haag-wonen", housing)
            rental = {
                "room_id": "Grote zaal",
                "title": "Verjaardagsfeest buurtvereniging",
                "kind": "social",
                "starts_at": at(day, 20).isoformat(),
                "ends_at": at(day, 23).isoformat(),
                "tariff": "non_commercial",
                "expected_attendance": 50,
            }
            booking = await centres.client.put(
                f"/v1/centres/{centre_id}/bookings/feest-1", json=rental, headers=centres.as_partner()
            )
            # the centre alone cannot see the housing corporation's plan
            assert booking.json()["problems"] == []
            confirmed = await centres.client.post(
                "/v1/bookings/feest-1/confirm", headers=centres.coordinator(centre_id)
            )
            assert confirmed.status_code == 200, confirmed.text

            async def detected() -> bool:
                return bool(await venue_conflicts(kafka_bootstrap, centre_org))

            await wait_for(detected, timeout=240, interval=0.5)
            found = await venue_conflicts(kafka_bootstrap, centre_org)
            assert len({c["conflict_id"] for c in found}) == 1
            conflict = found[0]
            assert conflict["rule"] == "venue_double_booking"
            assert "Wijkcentrum Moerwijk" in conflict["explanation"]["nl"]  # type: ignore[index]
            organisers = {a["organisation"] for a in conflict["activities"]}  # type: ignore[union-attr]
            assert organisers == {centre_org, partners.slugs["haag-wonen"]}

            # operations accept the clash: the centres' consumer takes the acknowledgement in its stride
            sent = await publish_acknowledgement(kafka_bootstrap, conflict["conflict_id"])
            group = f"{centres.app.state.runtime.consumer_group}-conflicts"
            await wait_until_committed(kafka_bootstrap, group, next_offsets([sent]), timeout=120)
            dead = await read_topic(kafka_bootstrap, dead_letter(SCHEDULING_CONFLICTS), timeout=10)
            assert not [r for r in dead if str(conflict["conflict_id"]).encode() == r.key]
    finally:
        await scheduler.stop()


async def publish_acknowledgement(bootstrap: str, conflict_id: object) -> RecordMetadata:
    """``conflict.acknowledged`` for ``conflict_id``, as the scheduler publishes it."""
    acknowledged = ConflictAcknowledged(
        conflict_id=str(conflict_id), reason="accepted for the test", acknowledged_by="werkplaats-ops"
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        event = new_event(acknowledged, source="scheduling")
        return await producer.send_and_wait(
            SCHEDULING_CONFLICTS, encode_event(event), key=str(conflict_id).encode()
        )
    finally:
        await producer.stop()


async def agenda_entries(bootstrap: str, organisation: str) -> list[dict[str, object]]:
    found = []
    for record in await read_topic(bootstrap, SCHEDULING_AGENDA, timeout=30):
        document = json.loads(record.value)
        if (
            document["type"] == "agenda.activity_upserted"
            and document["data"]["organisation"] == organisation
        ):
            found.append(document["data"])
    return found


async def test_the_scheduler_knows_registered_centres_and_checks_their_rooms_and_hours(
    kafka_bootstrap: str, unique: Callable[[str], str], tmp_path: Path
) -> None:
    area, day = fresh_area(), quiet_evening()
    centre_id = unique("wijkcentrum")
    async with running_centres(
        kafka_bootstrap, unique, f"sqlite+aiosqlite:///{tmp_path / 'c.db'}", tmp_path
    ) as centres:
        body = centre_body(unique("welzijn"), neighbourhoods=[area.wijk])
        put = await centres.client.put(f"/v1/centres/{centre_id}", json=body, headers=centres.staff())
        assert put.status_code == 200
        await wait_for_events(kafka_bootstrap, centre_id, "centre.registered", 1)
    group = unique("sched")
    await skip_history(kafka_bootstrap, group)
    settings = SchedulingSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 's.db'}", consumer_group=group, outbox_idle_poll_s=0.2
    )
    scheduler = create_runtime(settings, bootstrap_servers=kafka_bootstrap)
    await scheduler.start()
    try:
        async with Partners(kafka_bootstrap, "hof-wonen") as partners:
            crowded = activity(
                "informatieavond",
                at(day, 21),
                2,
                [area.buurten[0]],
                kind="social",
                venue={"venue_id": centre_id, "room": "Grote zaal"},
                expected_attendance=150,
            )
            elsewhere = activity(
                "wijkschouw",
                at(day, 10),
                1,
                [area.buurten[1]],
                kind="social",
                venue={"venue_id": unique("nowhere")},
            )
            await partners.publish("hof-wonen", crowded)
            await partners.publish("hof-wonen", elsewhere)
            slug = partners.slugs["hof-wonen"]

            async def both_rules() -> bool:
                rules = {c["rule"] for c in await venue_conflicts(kafka_bootstrap, slug)}
                return {"room_capacity", "outside_opening_hours"} <= rules

            await wait_for(both_rules, timeout=240, interval=0.5)
            found = {c["rule"]: c for c in await venue_conflicts(kafka_bootstrap, slug)}
            assert found["room_capacity"]["severity"] == "medium"
            assert "150" in found["room_capacity"]["explanation"]["nl"]

            # another scheduler on a shared broker may publish the same activities too: look for ours
            async def flagged() -> bool:
                seen: dict[str, set[object]] = {}
                for entry in await agenda_entries(kafka_bootstrap, slug):
                    seen.setdefault(entry["activity"]["activity_id"], set()).add(entry["venue_known"])  # type: ignore[index]
                return True in seen.get("informatieavond", set()) and False in seen.get("wijkschouw", set())

            await wait_for(flagged, timeout=120, interval=0.5)
    finally:
        await scheduler.stop()
