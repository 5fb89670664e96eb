"""The initiatives flow on the real broker and both databases: submission to agenda conflicts and closing."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from contracts import ConflictDetected, ConflictResolved
from contracts.topics import SCHEDULING_CONFLICTS, partner_activities
from initiatives_support import events_of, form, publish, running, send_raw, types_of
from support.testing import read_topic, wait_for


def conflict_with(activity_id: str, conflict_id: str) -> ConflictDetected:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=10)
    return ConflictDetected.model_validate(
        {
            "conflict_id": conflict_id,
            "rule": "neighbourhood_overlap",
            "severity": "high",
            "activities": [
                {
                    "organisation": "initiatives",
                    "activity_id": activity_id,
                    "occurrence_start": start.isoformat(),
                },
                {
                    "organisation": "staedion",
                    "activity_id": "renovatie-avond",
                    "occurrence_start": start.isoformat(),
                },
            ],
            "neighbourhoods": ["BU05183620"],
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=2)).isoformat(),
            "explanation": {"nl": "Twee avonden tegelijk in Moerwijk-Oost.", "en": "Two evenings at once."},
        }
    )


async def test_an_initiative_goes_from_submission_through_support_to_the_agenda_and_back(
    kafka_bootstrap: str, database_url: str, unique: Callable[[str], str]
) -> None:
    async with running(kafka_bootstrap, database_url, unique("ini")) as service:
        client = service.client
        answer = await client.post("/v1/submissions", json=form())
        assert answer.status_code == 201, answer.text
        receipt = answer.json()
        reference = receipt["initiative_id"]
        assert reference in receipt["confirmation"]["nl"]
        assert "opbouwwerker" in receipt["confirmation"]["nl"].lower()
        assert receipt["builder"] is not None

        seen = await client.get(
            f"/v1/submissions/{reference}", headers={"X-Access-Token": receipt["access_token"]}
        )
        assert seen.json()["status"] == "submitted"

        detail_answer = await client.get(f"/v1/initiatives/{reference}", headers=service.staff)
        assert detail_answer.status_code == 200, detail_answer.text
        detail = detail_answer.json()
        builder = detail["builder_id"]
        assert detail["initiator"]["email"] == "bewoner@example.org"

        today = datetime.now(UTC).date().isoformat()
        steps = [
            ("support", {"kind": "first_contact", "hours": 0.5, "by": builder, "on": today}),
            ("status", {"status": "supported", "by": builder}),
            (
                "support",
                {"kind": "referral", "hours": 0.25, "by": builder, "on": today, "referred_to": "pep"},
            ),
            ("subsidy-check", {"public": True, "one_off": True, "costs": ["food"]}),
        ]
        for path, body in steps:
            response = await client.post(
                f"/v1/initiatives/{reference}/{path}", json=body, headers=service.staff
            )
            assert response.status_code in (200, 201, 204), (path, response.text)
        fit = response.json()
        assert fit["best"] == "sociale-initiatieven-2024"

        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=10)
        activity = {
            "title": "Buurtmaaltijd",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=3)).isoformat(),
        }
        planned = await client.put(
            f"/v1/initiatives/{reference}/activities/maaltijd", json=activity, headers=service.staff
        )
        assert planned.status_code == 202, planned.text
        activity_id = planned.json()["activity_id"]

        await wait_for(lambda: _keys_on(kafka_bootstrap, partner_activities("initiatives"), activity_id))

        conflict_id = f"c-{uuid.uuid4().hex}"
        event_id = uuid.uuid4()
        payload = await publish(
            kafka_bootstrap,
            SCHEDULING_CONFLICTS,
            conflict_with(activity_id, conflict_id),
            key=conflict_id,
            event_id=event_id,
        )
        await send_raw(kafka_bootstrap, SCHEDULING_CONFLICTS, payload, key=conflict_id)  # redelivered

        async def attached() -> bool:
            body = (await client.get(f"/v1/initiatives/{reference}", headers=service.staff)).json()
            return any(c["conflict_id"] == conflict_id for c in body["conflicts"])

        await wait_for(attached)
        resolved = ConflictResolved.model_validate(
            {
                "conflict_id": conflict_id,
                "rule": "neighbourhood_overlap",
                "explanation": {"nl": "Verplaatst.", "en": "Moved."},
            }
        )
        await publish(kafka_bootstrap, SCHEDULING_CONFLICTS, resolved, key=conflict_id)

        async def resolved_too() -> bool:
            body = (await client.get(f"/v1/initiatives/{reference}", headers=service.staff)).json()
            return all(c["resolved"] for c in body["conflicts"])

        await wait_for(resolved_too)
        closing = {
            "status": "declined",
            "reason": "not_feasible",
            "explanation": "Het plein is dan bezet.",
            "by": builder,
        }
        assert (
            await client.post(f"/v1/initiatives/{reference}/status", json=closing, headers=service.staff)
        ).status_code == 204

        seen = (
            await client.get(
                f"/v1/submissions/{reference}", headers={"X-Access-Token": receipt["access_token"]}
            )
        ).json()
        assert (seen["status"], seen["explanation"]) == ("declined", "Het plein is dan bezet.")

        expected = [
            "initiative.submitted",
            "initiative.assigned",
            "initiative.support_logged",
            "initiative.status_changed",
            "initiative.status_changed",
            "initiative.support_logged",
            "initiative.subsidy_checked",
            "initiative.conflict_attached",
            "initiative.conflict_attached",
            "initiative.status_changed",
        ]

        async def all_published() -> bool:
            return len({e.event_id for e in await events_of(kafka_bootstrap, {reference})}) >= len(expected)

        await wait_for(all_published)
        events = list({e.event_id: e for e in await events_of(kafka_bootstrap, {reference})}.values())
        assert types_of(events) == expected
        attached_events = [e.data for e in events if e.type == "initiative.conflict_attached"]
        assert [e.resolved for e in attached_events] == [False, True]
        assert attached_events[0].builder_id == builder
        withdrawn = await read_topic(kafka_bootstrap, partner_activities("initiatives"))
        assert any(r.key == activity_id.encode() and b"activity.withdrawn" in r.value for r in withdrawn)


async def _keys_on(bootstrap: str, topic: str, key: str) -> bool:
    return any(record.key == key.encode() for record in await read_topic(bootstrap, topic))
