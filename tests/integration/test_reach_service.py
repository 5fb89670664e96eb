"""Reach on a real broker: reports flow to figures and advice, once each; strangers are refused."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import pytest

from contracts import OrganisationRole
from contracts.topics import REACH_ADVICE, dead_letter, partner_reports
from reach.domain import AMSTERDAM, Selection, figures, observation
from reach.store import SqlReachUnitOfWork
from reach_support import (
    Stack,
    evening,
    feedback_of,
    report,
    reports_of,
    send_report,
    serving_stack_fixture,  # noqa: F401 - the fixture
    stack_fixture,  # noqa: F401 - the fixture
)
from scheduling_support import activity
from support.testing import read_topic, wait_for
from werkplaats.organisations import add_organisation


async def test_reports_flow_to_figures_and_advice_and_redelivery_counts_once(
    kafka_bootstrap: str, stack: Stack
) -> None:
    partners, area = stack.partners, stack.area
    starts = [evening(days) for days in (30, 23, 16)]
    for number, start in enumerate(starts):
        await partners.publish(
            "staedion", activity(f"avond-{number}", start, 2, [area.buurten[0]], expected_attendance=40)
        )
    # Reports may arrive before the agenda shows their activity: they wait for it.
    await send_report(partners, "staedion", report("avond-0", starts[0], 8, ["flyer"]))
    twice = uuid.uuid4()
    for _ in range(2):  # the same event delivered twice
        await send_report(
            partners, "staedion", report("avond-1", starts[1], 60, ["door_to_door"]), event_id=twice
        )
    await send_report(partners, "staedion", report("avond-2", starts[2], 25, ["flyer", "door_to_door"]))
    # A corrected report of the same occurrence replaces the earlier one.
    await send_report(partners, "staedion", report("avond-2", starts[2], 30, ["flyer", "door_to_door"]))

    key = f"{area.wijk}/tenants/consultation"

    async def advice_on_all_three() -> bool:
        records = [r for r in await read_topic(kafka_bootstrap, REACH_ADVICE) if r.key == key.encode()]
        return bool(records) and json.loads(records[-1].value)["data"]["reports"] == 3

    await wait_for(advice_on_all_three, timeout=180, interval=0.3)
    assert await reports_of(stack, "staedion") == 3

    async with stack.reach.runtime.database.unit_of_work(SqlReachUnitOfWork) as unit:
        seen = [observation(activity, report) for activity, report in await unit.reports.reported()]
    found = figures(seen, Selection(wijk=area.wijk), minimum=2)
    assert found.overall.reports == 3
    assert found.overall.mean_attendance == pytest.approx((8 + 60 + 30) / 3)
    assert found.overall.turnout_ratio == pytest.approx(98 / 120)

    [latest] = [r for r in await read_topic(kafka_bootstrap, REACH_ADVICE) if r.key == key.encode()][-1:]
    advice = json.loads(latest.value)["data"]
    assert [(m["method"], m["reports"], m["turnout_ratio"]) for m in advice["methods"]] == [
        ("door_to_door", 2, pytest.approx(90 / 80)),
        ("flyer", 2, pytest.approx(38 / 80)),
    ]
    assert advice["examples"][0]["organisation"] == partners.slugs["staedion"]
    assert advice["examples"][0]["activity_id"] == "avond-1"


async def test_a_report_on_another_organisations_activity_is_refused_and_the_partner_hears_why(
    kafka_bootstrap: str, stack: Stack
) -> None:
    partners, area = stack.partners, stack.area
    start = evening(10)
    await partners.publish("staedion", activity("inspraak", start, 2, [area.wijk], expected_attendance=40))
    await send_report(partners, "staedion", report("inspraak", start, 41, ["letter"]))
    await wait_for(lambda: reports_of(stack, "staedion"), timeout=180, interval=0.3)

    refused_id = await send_report(partners, "haagwonen", report("inspraak", start, 400, ["flyer"]))
    [rejected] = await feedback_of(kafka_bootstrap, stack, "haagwonen", 1)
    assert rejected["type"] == "activity.rejected"
    data = rejected["data"]
    assert isinstance(data, dict)
    assert data["activity_id"] == "inspraak"
    assert data["rejected_event_id"] == refused_id
    assert data["problems"][0]["field"] == "data.activity_id"
    assert f"{partners.slugs['haagwonen']} has no activity 'inspraak'" in data["reason"]
    assert await reports_of(stack, "haagwonen") == 0
    assert await reports_of(stack, "staedion") == 1


async def test_a_report_with_contact_details_is_dead_lettered_and_the_partner_hears_which_field(
    kafka_bootstrap: str, stack: Stack
) -> None:
    partners = stack.partners
    reported = report("iets", evening(3), 12, ["poster"]).model_dump(mode="json")
    reported["input_summary"] = "Bel Fatima terug op 06-12345678"
    document = {
        "event_id": str(uuid.uuid4()),
        "type": "activity.reported",
        "version": 1,
        "occurred_at": datetime.now(AMSTERDAM).isoformat(),
        "source": partners.slugs["staedion"],
        "data": reported,
    }
    topic = partner_reports(partners.slugs["staedion"])
    await partners.producer.send_and_wait(topic, json.dumps(document).encode(), key=b"iets")
    [rejected] = await feedback_of(kafka_bootstrap, stack, "staedion", 1)
    data = rejected["data"]
    assert isinstance(data, dict)
    assert data["problems"][0]["field"] == "data.input_summary"
    assert "phone number" in data["problems"][0]["problem"]
    assert "06-12345678" not in json.dumps(rejected)  # why, without the personal data
    [dead] = await read_topic(kafka_bootstrap, dead_letter(topic))
    assert dict(dead.headers)["werkplaats-consumer"] == b"reach-reports"


async def test_the_dry_run_check_answers_with_the_advice_of_earlier_reports(
    kafka_bootstrap: str, serving_stack: Stack
) -> None:
    stack = serving_stack
    partners, area = stack.partners, stack.area
    slug = partners.slugs["haagwonen"]
    key = (
        await add_organisation(kafka_bootstrap, slug, name="Haag Wonen", role=OrganisationRole.PARTNER)
    ).secret
    starts = [evening(days) for days in (40, 33)]
    for number, start in enumerate(starts):
        await partners.publish(
            "staedion", activity(f"buurtavond-{number}", start, 2, [area.buurten[1]], expected_attendance=20)
        )
        await send_report(partners, "staedion", report(f"buurtavond-{number}", start, 30, ["key_figure"]))
    draft = activity("plan", evening(-20), 2, [area.buurten[2]], expected_attendance=30).model_dump(
        mode="json"
    )
    headers = {"Authorization": f"Bearer {key}"}

    async def advised() -> list[dict[str, object]]:
        response = await stack.scheduling_api.post("/v1/activities/check", json=draft, headers=headers)
        assert response.status_code == 200, response.text
        return list(response.json()["reach_advice"])

    async def advice_on_both() -> bool:
        found = await advised()
        return bool(found) and found[0]["reports"] == 2

    await wait_for(advice_on_both, timeout=180, interval=0.3)
    [advice] = await advised()
    assert (advice["wijk"], advice["target_group"], advice["kind"]) == (area.wijk, "tenants", "consultation")
    assert advice["sufficient"] is True
    assert advice["methods"][0]["method"] == "key_figure"
    assert advice["methods"][0]["turnout_ratio"] == pytest.approx(1.5)
    assert {e["organisation"] for e in advice["examples"]} == {partners.slugs["staedion"]}
