"""The centres API on the real broker and both databases: centres, scope, volunteers and capped allowances."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from centres_support import (
    MARKER,
    MARKER_EMAIL,
    Centres,
    centre_body,
    events_of,
    running_centres,
    wait_for_events,
)
from contracts.topics import partner_activities


@pytest.fixture
async def centres(kafka_bootstrap: str, unique: Callable[[str], str], database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    async with running_centres(kafka_bootstrap, unique, database_url, tmp_path) as service:
        yield service


async def register(centres: Centres, centre_id: str, organisation: str = "mooi-welzijn-test") -> None:
    response = await centres.client.put(
        f"/v1/centres/{centre_id}", json=centre_body(organisation), headers=centres.staff()
    )
    assert response.status_code == 200, response.text


async def test_a_registered_centre_is_published_and_listed(
    centres: Centres, unique: Callable[[str], str]
) -> None:
    centre_id = unique("wijkcentrum")
    await register(centres, centre_id)
    [event] = await wait_for_events(centres.bootstrap, centre_id, "centre.registered", 1)
    assert event["data"]["rooms"][0]["capacity"] == 80
    assert event["data"]["opening_hours"][0] == {"weekday": 1, "opens": "09:00:00", "closes": "22:00:00"}
    listed = await centres.client.get("/v1/centres", headers=centres.as_partner())
    assert centre_id in [c["centre_id"] for c in listed.json()]
    await register(centres, centre_id)
    await wait_for_events(centres.bootstrap, centre_id, "centre.updated", 1)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rooms": [{"room_id": "a", "name": "A", "capacity": 0}]}, "rooms.0.capacity"),
        ({"neighbourhoods": ["Moerwijk"]}, "neighbourhoods"),
        ({"opening_hours": [{"weekday": 8, "opens": "09:00", "closes": "22:00"}]}, "opening_hours.0.weekday"),
        ({"organisation": "Mooi Welzijn"}, "organisation"),
    ],
)
async def test_bad_centre_input_gets_a_422_naming_the_field(
    centres: Centres, unique: Callable[[str], str], change: dict[str, object], field: str
) -> None:
    response = await centres.client.put(
        f"/v1/centres/{unique('c')}", json=centre_body("mooi-welzijn") | change, headers=centres.staff()
    )
    assert response.status_code == 422
    fields = [".".join(str(p) for p in item["loc"][1:]) for item in response.json()["detail"]]
    assert any(f.startswith(field) for f in fields), response.json()


async def test_a_coordinator_acts_only_for_their_own_centre(
    centres: Centres, unique: Callable[[str], str]
) -> None:
    mine, other = unique("mine"), unique("other")
    await register(centres, mine)
    await register(centres, other)
    own = await centres.client.put(
        f"/v1/centres/{mine}", json=centre_body("mooi-welzijn"), headers=centres.coordinator(mine)
    )
    assert own.status_code == 200
    theirs = await centres.client.put(
        f"/v1/centres/{other}", json=centre_body("mooi-welzijn"), headers=centres.coordinator(mine)
    )
    assert theirs.status_code == 403
    budget = await centres.client.get(f"/v1/centres/{other}/budgets/2026", headers=centres.coordinator(mine))
    assert budget.status_code == 403
    no_centre = await centres.client.get(
        "/v1/centres", headers=centres.staff() | {"X-Acting-Role": "coordinator"}
    )
    assert no_centre.status_code == 422
    assert no_centre.json()["detail"][0]["loc"] == ["header", "x-acting-centre"]


async def test_a_partner_key_may_not_act_for_a_person(centres: Centres) -> None:
    response = await centres.client.get(
        "/v1/centres", headers=centres.as_partner() | {"X-Acting-Role": "staff"}
    )
    assert response.status_code == 403
    assert (await centres.client.get("/v1/centres")).status_code == 401


async def volunteer(centres: Centres, centre_id: str, birth_date: str = "1990-05-01") -> str:
    response = await centres.client.post(
        "/v1/volunteers",
        json={"centre_id": centre_id, "name": MARKER, "email": MARKER_EMAIL, "birth_date": birth_date},
        headers=centres.coordinator(centre_id),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def hours(
    centres: Centres, volunteer_id: str, centre_id: str, entry_id: str, day: str, amount: str
) -> None:
    response = await centres.client.put(
        f"/v1/volunteers/{volunteer_id}/hours/{entry_id}",
        json={"centre_id": centre_id, "worked_on": day, "hours": amount},
        headers=centres.coordinator(centre_id),
    )
    assert response.status_code == 204, response.text


async def pay(
    centres: Centres,
    volunteer_id: str,
    centre_id: str,
    payment_id: str,
    amount: str,
    entries: list[str],
    **extra: object,
):  # type: ignore[no-untyped-def]
    body = {"centre_id": centre_id, "route": "allowance", "amount": amount, "entry_ids": entries} | extra
    return await centres.client.put(
        f"/v1/volunteers/{volunteer_id}/payments/{payment_id}",
        json=body,
        headers=centres.coordinator(centre_id),
    )


async def test_allowances_count_across_centres_and_a_payment_past_the_cap_is_refused_with_the_room(
    centres: Centres, unique: Callable[[str], str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    north, south = unique("north"), unique("south")
    await register(centres, north)
    await register(centres, south)
    volunteer_id = await volunteer(centres, north)
    joined = await centres.client.put(
        f"/v1/volunteers/{volunteer_id}/centres/{south}",
        json={"needs_vog": False},
        headers=centres.coordinator(south),
    )
    assert joined.status_code == 204
    for day in range(2, 12):  # 10 days of 4 hours at 5.60 (2025): 224.00 of hourly room
        await hours(
            centres,
            volunteer_id,
            north if day % 2 else south,
            f"{volunteer_id}-{day}",
            f"2025-06-{day:02d}",
            "4",
        )
    north_entries = [f"{volunteer_id}-{d}" for d in range(3, 12, 2)]
    south_entries = [f"{volunteer_id}-{d}" for d in range(2, 12, 2)]
    first = await pay(centres, volunteer_id, north, f"{volunteer_id}-p1", "100.00", north_entries)
    assert first.status_code == 200, first.text
    refused = await pay(centres, volunteer_id, south, f"{volunteer_id}-p2", "112.00", south_entries)
    assert refused.status_code == 422
    body = refused.json()
    assert body["detail"][0]["loc"] == ["body", "amount"]
    assert body["outcome"]["exceeded"] == ["monthly"]
    assert body["outcome"]["room"]["monthly"] == "110.00"
    fitting = await pay(centres, volunteer_id, south, f"{volunteer_id}-p3", "110.00", south_entries)
    assert fitting.status_code == 200, fitting.text
    again = await pay(centres, volunteer_id, south, f"{volunteer_id}-p3", "110.00", south_entries)
    assert again.status_code == 200

    paid = await wait_for_events(centres.bootstrap, volunteer_id, "allowance.paid", 2)
    warnings = await wait_for_events(centres.bootstrap, volunteer_id, "allowance.cap_warning", 1)
    refusals = await wait_for_events(centres.bootstrap, volunteer_id, "allowance.refused", 1)
    assert sorted(e["data"]["payment_id"] for e in paid) == [f"{volunteer_id}-p1", f"{volunteer_id}-p3"]
    assert [(w["data"]["cap"], w["data"]["percent"]) for w in warnings] == [("monthly", 100)]
    assert refusals[0]["data"]["room"]["monthly"] == "110.00"
    everything = await events_of(centres.bootstrap, volunteer_id)
    assert len([e for e in everything if e["type"] == "allowance.paid"]) == 2

    overview = await centres.client.get(
        f"/v1/volunteers/{volunteer_id}/allowance/2025", headers=centres.staff()
    )
    assert overview.json()["months"][5]["counted"] == "210.00"
    assert overview.json()["room"] == "1890.00"
    assert MARKER not in caplog.text
    assert MARKER_EMAIL not in caplog.text


async def test_an_exception_past_a_cap_is_recorded_with_its_justification(
    centres: Centres, unique: Callable[[str], str]
) -> None:
    centre_id = unique("c")
    await register(centres, centre_id)
    volunteer_id = await volunteer(centres, centre_id)
    await hours(centres, volunteer_id, centre_id, f"{volunteer_id}-1", "2026-03-03", "2")
    refused = await pay(centres, volunteer_id, centre_id, f"{volunteer_id}-p", "15.00", [f"{volunteer_id}-1"])
    assert refused.json()["outcome"]["room"]["hourly"] == "11.50"
    excused = await pay(
        centres,
        volunteer_id,
        centre_id,
        f"{volunteer_id}-p",
        "15.00",
        [f"{volunteer_id}-1"],
        exception={"caps": ["hourly"], "justification": "Gastdocent met vakkennis; geen marktconform loon."},
    )
    assert excused.status_code == 200
    assert excused.json()["exception"] is True
    [paid] = await wait_for_events(centres.bootstrap, volunteer_id, "allowance.paid", 1)
    assert paid["data"]["exception_caps"] == ["hourly"]


async def test_costs_with_receipts_are_the_uncapped_route(
    centres: Centres, unique: Callable[[str], str]
) -> None:
    centre_id = unique("c")
    await register(centres, centre_id)
    volunteer_id = await volunteer(centres, centre_id)
    body = {
        "centre_id": centre_id,
        "route": "cost_reimbursement",
        "amount": "480.00",
        "worked_on": "2026-04-10",
        "receipts": 3,
    }
    response = await centres.client.put(
        f"/v1/volunteers/{volunteer_id}/payments/{volunteer_id}-c", json=body, headers=centres.staff()
    )
    assert response.status_code == 200, response.text
    without_receipts = body | {"receipts": 0}
    bad = await centres.client.put(
        f"/v1/volunteers/{volunteer_id}/payments/{volunteer_id}-d",
        json=without_receipts,
        headers=centres.staff(),
    )
    assert bad.status_code == 422


async def test_work_that_needs_a_vog_waits_for_one(centres: Centres, unique: Callable[[str], str]) -> None:
    centre_id = unique("c")
    await register(centres, centre_id)
    response = await centres.client.post(
        "/v1/volunteers",
        json={"centre_id": centre_id, "name": "Jan", "birth_date": "2000-01-01", "needs_vog": True},
        headers=centres.staff(),
    )
    volunteer_id = response.json()["id"]
    logged = await centres.client.put(
        f"/v1/volunteers/{volunteer_id}/hours/{volunteer_id}-1",
        json={"centre_id": centre_id, "worked_on": "2026-02-02", "hours": "3"},
        headers=centres.staff(),
    )
    assert logged.status_code == 422
    assert logged.json()["detail"][0]["loc"] == ["body", "worked_on"]
    vog = await centres.client.put(
        f"/v1/volunteers/{volunteer_id}/vog", json={"issued_on": "2026-01-15"}, headers=centres.staff()
    )
    assert vog.status_code == 204
    logged = await centres.client.put(
        f"/v1/volunteers/{volunteer_id}/hours/{volunteer_id}-1",
        json={"centre_id": centre_id, "worked_on": "2026-02-02", "hours": "3"},
        headers=centres.staff(),
    )
    assert logged.status_code == 204


async def test_personal_data_stays_sealed_in_the_database(
    centres: Centres, unique: Callable[[str], str], database_url: str
) -> None:
    centre_id = unique("c")
    await register(centres, centre_id)
    volunteer_id = await volunteer(centres, centre_id)
    shown = await centres.client.get(f"/v1/volunteers/{volunteer_id}", headers=centres.coordinator(centre_id))
    assert shown.json()["name"] == MARKER
    elsewhere = unique("elsewhere")
    await register(centres, elsewhere)
    hidden = await centres.client.get(
        f"/v1/volunteers/{volunteer_id}", headers=centres.coordinator(elsewhere)
    )
    assert hidden.status_code == 404
    async with centres.app.state.runtime.database.sessions() as session:
        from sqlalchemy import text

        rows = (await session.execute(text("SELECT sealed FROM volunteers"))).scalars().all()
    assert rows
    assert all(MARKER.encode() not in bytes(row) for row in rows)


async def test_a_confirmed_booking_is_published_as_the_centres_activity(
    centres: Centres, unique: Callable[[str], str]
) -> None:
    centre_id, organisation = unique("c"), unique("welzijn")
    await register(centres, centre_id, organisation)
    booking_id = unique("b")
    request = {
        "room_id": "Grote zaal",
        "title": "Bewonersavond Staedion",
        "kind": "residents_meeting",
        "starts_at": "2026-03-10T19:00:00+01:00",
        "ends_at": "2026-03-10T21:00:00+01:00",
        "expected_attendance": 60,
    }
    requested = await centres.client.put(
        f"/v1/centres/{centre_id}/bookings/{booking_id}", json=request, headers=centres.as_partner()
    )
    assert requested.status_code == 200, requested.text
    assert requested.json()["status"] == "requested"
    assert requested.json()["booked_by"] == centres.partner_slug
    partner_confirms = await centres.client.post(
        f"/v1/bookings/{booking_id}/confirm", headers=centres.as_partner()
    )
    assert partner_confirms.status_code == 403
    confirmed = await centres.client.post(
        f"/v1/bookings/{booking_id}/confirm", headers=centres.coordinator(centre_id)
    )
    assert confirmed.json()["status"] == "confirmed"
    assert confirmed.json()["rent"] == "25.00"
    [published] = await wait_for_events(
        centres.bootstrap,
        f"booking:{booking_id}",
        "activity.published",
        1,
        topic=partner_activities(organisation),
    )
    assert published["data"]["venue"] == {"venue_id": centre_id, "room": "Grote zaal"}
    assert published["source"] == organisation
    clash = request | {"starts_at": "2026-03-10T20:00:00+01:00", "ends_at": "2026-03-10T22:00:00+01:00"}
    second = unique("b")
    taken = await centres.client.put(
        f"/v1/centres/{centre_id}/bookings/{second}", json=clash, headers=centres.as_partner()
    )
    assert "already booked" in taken.json()["problems"][0]
    refused = await centres.client.post(
        f"/v1/bookings/{second}/confirm", headers=centres.coordinator(centre_id)
    )
    assert refused.status_code == 422
