"""The scheduling HTTP API without a broker: keys, roles, limits, and validation that names the field."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from contracts import (
    ActivityPublished,
    AgendaActivityUpserted,
    OrganisationRole,
    OrganisationUpdated,
    encode_event,
    new_event,
)
from scheduling import api
from scheduling.domain import Agenda, load_areas
from scheduling.service.agenda_view import AgendaView
from scheduling.settings import SchedulingSettings
from werkplaats.auth import Authenticator
from werkplaats.organisations import OrganisationDirectory, issue_key
from werkplaats.runtime import ServiceRuntime

START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)


def record(data: Any, offset: int = 0) -> SimpleNamespace:
    return SimpleNamespace(value=encode_event(new_event(data, source="test")), offset=offset)


def published(activity_id: str, codes: list[str], **extra: Any) -> ActivityPublished:
    fields = {
        "activity_id": activity_id,
        "title": f"Avond {activity_id}",
        "kind": "consultation",
        "starts_at": START,
        "ends_at": START + timedelta(hours=2),
        "neighbourhoods": codes,
        "target_groups": ["tenants"],
    }
    return ActivityPublished.model_validate(fields | extra)


class Harness:
    def __init__(self, per_minute: int = 600) -> None:
        self.keys: dict[str, str] = {}
        directory = OrganisationDirectory("unused:9092")
        for slug, role in (("org-a", "partner"), ("org-b", "partner"), ("ops", "operations")):
            issued = issue_key()
            self.keys[slug] = issued.secret
            organisation = OrganisationUpdated(
                slug=slug, name=slug, role=OrganisationRole(role), keys=[issued.record]
            )
            directory.apply([record(organisation)])
        settings = SchedulingSettings(database_url="sqlite+aiosqlite:///:memory:", max_body_bytes=4096)
        runtime = ServiceRuntime("scheduling", settings, bootstrap_servers="unused:9092")
        self.view = AgendaView("unused:9092", lambda zone: Agenda(owner_zone=zone), load_areas())
        context = api.ApiContext(
            runtime=runtime,
            view=self.view,
            auth=Authenticator(directory, requests_per_minute=per_minute),
            horizon=timedelta(days=365),
        )
        app = runtime.http_app(*api.routers(context), title="test")
        api.install(app)  # the runtime app limits bodies to settings.max_body_bytes
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")

    def auth(self, slug: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[slug]}"}

    def on_agenda(self, organisation: str, activity: ActivityPublished) -> None:
        self.view.apply(
            [record(AgendaActivityUpserted(organisation=organisation, activity=activity, occurrences=[]))]
        )


@pytest.fixture
async def harness() -> AsyncIterator[Harness]:
    made = Harness()
    yield made
    await made.client.aclose()


def body_of(activity: ActivityPublished) -> dict[str, Any]:
    return dict(activity.model_dump(mode="json"))


async def test_no_key_is_401_with_a_bearer_challenge(harness: Harness) -> None:
    response = await harness.client.get("/v1/agenda")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_too_many_requests_get_429_with_retry_after() -> None:
    harness = Harness(per_minute=2)
    statuses = [(await harness.client.get("/v1/agenda", headers=harness.auth("org-a"))) for _ in range(3)]
    assert [r.status_code for r in statuses] == [200, 200, 429]
    assert int(statuses[-1].headers["Retry-After"]) >= 1
    await harness.client.aclose()


async def test_a_partner_may_not_acknowledge(harness: Harness) -> None:
    response = await harness.client.post(
        "/v1/conflicts/nbo-1/acknowledge", json={"reason": "ok"}, headers=harness.auth("org-a")
    )
    assert response.status_code == 403


async def test_ends_before_start_names_ends_at(harness: Harness) -> None:
    body = body_of(published("a", ["WK051836"])) | {"ends_at": START.isoformat()}
    response = await harness.client.put("/v1/activities/a", json=body, headers=harness.auth("org-a"))
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"loc": ["body", "ends_at"], "msg": "ends_at must be after starts_at", "type": "value_error"}
    ]


async def test_an_activity_id_in_the_body_must_equal_the_path(harness: Harness) -> None:
    body = body_of(published("other", ["WK051836"]))
    response = await harness.client.put("/v1/activities/a", json=body, headers=harness.auth("org-a"))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "activity_id"]


async def test_text_with_nul_is_refused_by_field(harness: Harness) -> None:
    body = body_of(published("a", ["WK051836"])) | {"title": "bad\x00title"}
    response = await harness.client.post("/v1/activities/check", json=body, headers=harness.auth("org-a"))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "title"]


async def test_a_huge_body_is_413(harness: Harness) -> None:
    body = body_of(published("a", ["WK051836"])) | {"title": "x" * 10_000}
    response = await harness.client.put("/v1/activities/a", json=body, headers=harness.auth("org-a"))
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"from": "0001-01-01T00:00:00+14:00"}, "from"),
        ({"neighbourhood": "Moerwijk"}, "neighbourhood"),
        ({"limit": "0"}, "limit"),
    ],
)
async def test_odd_query_values_are_422_naming_them(
    harness: Harness, params: dict[str, str], field: str
) -> None:
    response = await harness.client.get("/v1/agenda", params=params, headers=harness.auth("org-a"))
    assert response.status_code == 422
    assert field in response.json()["detail"][0]["loc"]


async def test_the_agenda_hides_others_expected_attendance_and_a_wijk_matches_its_buurten(
    harness: Harness,
) -> None:
    harness.on_agenda("org-a", published("a", ["BU05183620"], expected_attendance=60))
    harness.on_agenda("org-b", published("b", ["BU05180000"]))
    seen = {}
    for slug in ("org-a", "org-b", "ops"):
        response = await harness.client.get(
            "/v1/agenda", params={"neighbourhood": "WK051836"}, headers=harness.auth(slug)
        )
        [item] = response.json()["items"]
        seen[slug] = item["activity"]["expected_attendance"]
    assert seen == {"org-a": 60, "org-b": None, "ops": 60}


async def test_paging_follows_the_cursor_to_the_end(harness: Harness) -> None:
    for n in range(5):
        start = START + timedelta(days=n)
        harness.on_agenda(
            "org-a", published(f"p{n}", ["WK051899"], starts_at=start, ends_at=start + timedelta(hours=1))
        )
    seen, cursor = [], None
    while True:
        params = {"neighbourhood": "WK051899", "limit": "2"} | ({"cursor": cursor} if cursor else {})
        page = (await harness.client.get("/v1/agenda", params=params, headers=harness.auth("ops"))).json()
        seen += [item["activity"]["activity_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["p0", "p1", "p2", "p3", "p4"]


async def test_check_finds_the_overlap_with_another_organisations_plan_and_publishes_nothing(
    harness: Harness,
) -> None:
    harness.on_agenda("org-a", published("a", ["BU05183620"]))
    draft = body_of(published("b", ["WK051836"]))
    response = await harness.client.post("/v1/activities/check", json=draft, headers=harness.auth("org-b"))
    assert response.status_code == 200, response.text
    rules = [c["rule"] for c in response.json()["conflicts"]]
    assert "neighbourhood_overlap" in rules
    assert len(harness.view.entries) == 1


async def test_the_ics_feed_is_the_same_selection_as_rfc_5545(harness: Harness) -> None:
    harness.on_agenda("org-a", published("a", ["BU05183620"]))
    harness.on_agenda("org-b", published("elders", ["BU05990000"]))
    response = await harness.client.get(
        "/v1/agenda.ics", params={"neighbourhood": "WK051836"}, headers=harness.auth("org-b")
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.text.startswith("BEGIN:VCALENDAR")
    assert response.text.count("BEGIN:VEVENT") == 1
