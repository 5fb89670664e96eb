"""The reach HTTP API and the public wijk page on a real broker and both databases."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from contracts import OrganisationRole
from reach_support import (
    Stack,
    evening,
    report,
    reports_of,
    send_report,
    stack_fixture,  # noqa: F401 - the fixture
)
from scheduling_support import activity
from support.testing import wait_for
from werkplaats.organisations import add_organisation


async def key_of(bootstrap: str, slug: str) -> dict[str, str]:
    secret = (await add_organisation(bootstrap, slug, name=slug, role=OrganisationRole.PARTNER)).secret
    return {"Authorization": f"Bearer {secret}"}


def body(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = report("x", evening(5), 0, []).model_dump(mode="json") | fields
    del data["activity_id"]
    return data


async def test_an_organiser_reports_over_http_and_the_report_takes_the_kafka_path(
    kafka_bootstrap: str, stack: Stack
) -> None:
    partners, area = stack.partners, stack.area
    headers = await key_of(kafka_bootstrap, partners.slugs["staedion"])
    start = evening(6)
    await partners.publish("staedion", activity("avond", start, 2, [area.wijk], expected_attendance=30))

    async def known() -> bool:
        response = await stack.reach_api.post(
            "/v1/activities/avond/reports",
            json=body(occurrence_start=start.isoformat(), attendance=27, reach_methods=["via_centre"]),
            headers=headers,
        )

        return response.status_code == 202

    await wait_for(known, timeout=180, interval=0.3)  # 404 until the agenda shows the activity
    await wait_for(lambda: reports_of(stack, "staedion"), timeout=180, interval=0.3)
    response = await stack.reach_api.get("/v1/activities/avond/reports", headers=headers)
    assert response.status_code == 200
    [stored] = response.json()
    assert (stored["attendance"], stored["reach_methods"]) == (27, ["via_centre"])

    figures = await stack.reach_api.get("/v1/figures", params={"wijk": area.wijk}, headers=headers)
    assert figures.status_code == 200
    assert figures.json()["overall"]["reports"] == 1
    assert figures.json()["overall"]["shown"] is False  # one report is below the minimum of two
    assert figures.json()["overall"]["mean_attendance"] is None


async def test_http_refuses_another_organisations_activity_and_personal_data(
    kafka_bootstrap: str, stack: Stack
) -> None:
    partners, area = stack.partners, stack.area
    start = evening(8)
    await partners.publish("staedion", activity("avond", start, 2, [area.wijk]))
    own = await key_of(kafka_bootstrap, partners.slugs["staedion"])
    other = await key_of(kafka_bootstrap, partners.slugs["haagwonen"])
    valid = body(occurrence_start=start.isoformat(), attendance=10, reach_methods=["flyer"])

    async def unpromised_is_judged() -> bool:
        response = await stack.reach_api.post(
            "/v1/activities/avond/reports", json=valid | {"follow_up": None}, headers=own
        )
        if response.status_code == 404:  # the agenda does not show the activity yet
            return False
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "follow_up"]
        return True

    await wait_for(unpromised_is_judged, timeout=180, interval=0.3)
    stranger = await stack.reach_api.post("/v1/activities/avond/reports", json=valid, headers=other)
    assert stranger.status_code == 404
    assert "has no activity 'avond'" in stranger.json()["detail"]

    leaky = await stack.reach_api.post(
        "/v1/activities/avond/reports", json=valid | {"input_summary": "mail jan@example.org"}, headers=own
    )
    assert leaky.status_code == 422
    [problem] = leaky.json()["detail"]
    assert problem["loc"] == ["body", "input_summary"]
    assert "e-mail address" in problem["msg"]

    elsewhere = await stack.reach_api.post(
        "/v1/activities/avond/reports", json=valid | {"occurrence_start": evening(9).isoformat()}, headers=own
    )
    assert elsewhere.status_code == 422
    assert elsewhere.json()["detail"][0]["loc"] == ["body", "occurrence_start"]
    assert (await stack.reach_api.post("/v1/activities/avond/reports", json=valid)).status_code == 401
    assert await reports_of(stack, "haagwonen") == 0


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.cells: list[str] = []
        self.headers_scoped = 0
        self._in_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.lang = dict(attrs).get("lang")
        if tag == "th" and dict(attrs).get("scope") == "col":
            self.headers_scoped += 1
        if tag == "td":
            self._in_cell = True
            self.cells.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._in_cell = False

    def handle_data(self, data: str) -> None:
        if self._in_cell:
            self.cells[-1] += data


async def test_the_public_wijk_page_lists_consultations_and_what_is_done_with_the_input(
    kafka_bootstrap: str, stack: Stack
) -> None:
    partners, area = stack.partners, stack.area
    start = evening(12)
    await partners.publish(
        "staedion", activity("inspraak", start, 2, [area.buurten[0]], title="Plein <b>&</b> groen")
    )
    await partners.publish("staedion", activity("zonder-verslag", evening(11), 2, [area.buurten[1]]))
    promise = {"action": "Het plein krijgt meer groen.", "residents_hear_back_by": "2020-01-01"}
    await send_report(partners, "staedion", report("inspraak", start, 44, ["letter"], follow_up=promise))
    await wait_for(lambda: reports_of(stack, "staedion"), timeout=180, interval=0.3)

    response = await stack.reach_api.get(f"/wijken/{area.wijk}")  # no key: public
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = Page()
    page.feed(response.text)
    assert page.lang == "nl"
    assert page.headers_scoped == 6
    text = " | ".join(page.cells)
    assert "Plein <b>&</b> groen" in text  # escaped in the HTML, shown as written
    assert "<b>" not in response.text
    assert "Het plein krijgt meer groen." in text
    assert "Terugkoppeling te laat" in text
    assert "44" in text
    assert "Nog geen verslag van de organisator." in text


async def test_due_reports_and_overdue_promises_are_listed_and_operations_report_for_an_organiser(
    kafka_bootstrap: str, stack: Stack
) -> None:
    partners, area = stack.partners, stack.area
    staedion, haagwonen = partners.slugs["staedion"], partners.slugs["haagwonen"]
    headers = await key_of(kafka_bootstrap, staedion)
    other = await key_of(kafka_bootstrap, haagwonen)
    operations = (
        await add_organisation(
            kafka_bootstrap, f"ops-{staedion}", name="ops", role=OrganisationRole.OPERATIONS
        )
    ).secret
    ops = {"Authorization": f"Bearer {operations}"}
    start = evening(6)
    await partners.publish("staedion", activity("zonder", start, 2, [area.wijk]))
    await partners.publish("staedion", activity("belofte", start, 2, [area.buurten[0]]))

    async def listed() -> list[str]:
        response = await stack.reach_api.get("/v1/reports/due", headers=headers)
        assert response.status_code == 200
        return sorted(item["activity_id"] for item in response.json())

    await wait_for(lambda: _equals(listed, ["belofte", "zonder"]), timeout=180, interval=0.3)
    as_ops = await stack.reach_api.get("/v1/reports/due", params={"organisation": staedion}, headers=ops)
    assert sorted(item["activity_id"] for item in as_ops.json()) == ["belofte", "zonder"]
    assert (await stack.reach_api.get("/v1/reports/due", headers=other)).json() == []
    sneaky = await stack.reach_api.get("/v1/reports/due", params={"organisation": staedion}, headers=other)
    assert sneaky.status_code == 403
    assert (await stack.reach_api.get("/v1/promises/overdue", headers=headers)).status_code == 403

    promise = {"action": "Terugkoppeling per brief.", "residents_hear_back_by": "2020-01-01"}
    filed = body(occurrence_start=start.isoformat(), attendance=12, follow_up=promise)
    refused = await stack.reach_api.post(
        "/v1/activities/belofte/reports", params={"organisation": staedion}, json=filed, headers=other
    )
    assert refused.status_code == 403
    accepted = await stack.reach_api.post(
        "/v1/activities/belofte/reports", params={"organisation": staedion}, json=filed, headers=ops
    )
    assert accepted.status_code == 202
    await wait_for(lambda: _equals(listed, ["zonder"]), timeout=180, interval=0.3)

    async def overdue() -> list[tuple[str, str]]:
        response = await stack.reach_api.get("/v1/promises/overdue", headers=ops)
        return [(item["organisation"], item["activity_id"]) for item in response.json()]

    await wait_for(lambda: _equals(overdue, [(staedion, "belofte")]), timeout=60, interval=0.3)


async def _equals(read: Any, wanted: Any) -> bool:
    return bool(await read() == wanted)
