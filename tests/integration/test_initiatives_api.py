"""The initiatives HTTP API: 422 naming the field, spam kept out and never stored, staff keys only."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from initiatives.store import InitiativeRow
from initiatives_support import Running, form, running, tmp_sqlite

BAD_SUBMISSIONS = {
    "title": {"title": "x"},
    "neighbourhoods.0": {"neighbourhoods": ["Moerwijk"]},
    "neighbourhoods": {"neighbourhoods": ["BU05183620", "BU05183399"]},
    "help_wanted.0": {"help_wanted": ["cash"]},
    "help_wanted": {"help_wanted": []},
    "estimated_budget_eur": {"estimated_budget_eur": -5},
    "initiator.email": {"initiator": {"name": "A", "email": "not-an-address"}},
    "initiator": {"initiator": {"name": "A"}},
    "scale": {"scale": "city"},
    "unexpected": {"unexpected": True},
}


@pytest.fixture
async def service(kafka_bootstrap: str, tmp_path: Path, unique: Callable[[str], str]):  # type: ignore[no-untyped-def]
    async with running(
        kafka_bootstrap, tmp_sqlite(tmp_path), unique("ini"), submissions_per_minute=3
    ) as running_:
        yield running_


async def stored(service: Running) -> int:
    async with service.database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(InitiativeRow)) or 0)


@pytest.mark.parametrize(("field", "change"), BAD_SUBMISSIONS.items(), ids=list(BAD_SUBMISSIONS))
async def test_a_bad_submission_gets_a_422_naming_the_field(
    kafka_bootstrap: str,
    database_url: str,
    unique: Callable[[str], str],
    field: str,
    change: dict[str, object],
) -> None:
    async with running(kafka_bootstrap, database_url, unique("ini")) as service:
        answer = await service.client.post("/v1/submissions", json=form(**change))
        assert answer.status_code == 422
        assert field in [problem["field"] for problem in answer.json()["problems"]], answer.json()
        assert "not-an-address" not in answer.text  # what was sent is never echoed
        assert await stored(service) == 0


async def test_staff_calls_with_bad_fields_get_a_422_naming_them(service: Running) -> None:
    reference = (await service.client.post("/v1/submissions", json=form())).json()["initiative_id"]
    cases = {
        "hours": ("support", {"kind": "advice", "hours": 0.3, "by": "cb-moerwijk", "on": "2026-03-02"}),
        "on": ("support", {"kind": "advice", "hours": 1, "by": "cb-moerwijk", "on": "morgen"}),
        "referred_to": ("support", {"kind": "referral", "hours": 1, "by": "cb-moerwijk", "on": "2026-03-02"}),
        "status": ("status", {"status": "finished", "by": "cb-moerwijk"}),
        "merged_into": ("status", {"status": "merged", "merged_into": "INI-1", "by": "x1"}),
        "participants": ("subsidy-check", {"participants": -1}),
    }
    for field, (path, body) in cases.items():
        answer = await service.client.post(
            f"/v1/initiatives/{reference}/{path}", json=body, headers=service.staff
        )
        assert answer.status_code == 422, (field, answer.text)
        assert any(
            p["field"].startswith(field) or field in p["problem"] for p in answer.json()["problems"]
        ), answer.json()
    bad_time = {"title": "Feest", "starts_at": "2026-03-02T19:00:00", "ends_at": "2026-03-02T21:00:00+01:00"}
    answer = await service.client.put(
        f"/v1/initiatives/{reference}/activities/feest", json=bad_time, headers=service.staff
    )
    assert answer.status_code == 422
    assert answer.json()["problems"][0]["field"] == "starts_at"


async def test_a_move_the_lifecycle_does_not_allow_is_a_409_and_an_unknown_reference_a_404(
    service: Running,
) -> None:
    reference = (await service.client.post("/v1/submissions", json=form())).json()["initiative_id"]
    jump = await service.client.post(
        f"/v1/initiatives/{reference}/status",
        json={"status": "completed", "by": "werkplaats"},
        headers=service.staff,
    )
    assert jump.status_code == 409
    assert "cannot go from submitted to completed" in jump.json()["detail"]
    missing = await service.client.get("/v1/initiatives/INI-0000-0000", headers=service.staff)
    assert missing.status_code == 404


async def test_the_honeypot_keeps_a_bot_out_and_nothing_is_stored(service: Running) -> None:
    answer = await service.client.post("/v1/submissions", json=form(website="http://spam.example"))
    assert answer.status_code == 400
    assert await stored(service) == 0


async def test_a_client_submitting_too_often_is_held_back_and_nothing_is_stored(service: Running) -> None:
    answers = [await service.client.post("/v1/submissions", json=form()) for _ in range(5)]
    assert [a.status_code for a in answers] == [201, 201, 201, 429, 429]
    assert int(answers[-1].headers["retry-after"]) >= 1
    assert await stored(service) == 3


async def test_an_oversized_submission_is_refused_before_it_is_read(service: Running) -> None:
    big = form(description="x" * 20_000)
    answer = await service.client.post("/v1/submissions", json=big)
    assert answer.status_code == 413

    async def chunks() -> AsyncIterator[bytes]:
        for chunk in (b'{"title": "', b"y" * 20_000, b'"}'):
            yield chunk

    streamed = await service.client.post(
        "/v1/submissions", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413
    assert await stored(service) == 0


async def test_staff_routes_need_an_operations_key(service: Running) -> None:
    assert (await service.client.get("/v1/initiatives")).status_code == 401
    assert (
        await service.client.get("/v1/reports/initiatives", headers={"Authorization": "Bearer nope"})
    ).status_code == 401


async def test_a_counter_registration_is_recorded_for_the_resident(service: Running) -> None:
    body = form(channel="counter", registered_by="cb-moerwijk")
    answer = await service.client.post("/v1/initiatives", json=body, headers=service.staff)
    assert answer.status_code == 201, answer.text
    listed = (await service.client.get("/v1/initiatives", headers=service.staff)).json()
    assert listed[0]["channel"] == "counter"
    public = await service.client.post("/v1/submissions", json=body)
    assert public.status_code == 422


async def test_the_report_counts_per_wijk_status_and_builder_in_json_and_csv(service: Running) -> None:
    await service.client.post("/v1/submissions", json=form())
    await service.client.post("/v1/submissions", json=form(neighbourhoods=["BU05183399"]))
    figures = (await service.client.get("/v1/reports/initiatives", headers=service.staff)).json()
    assert figures["initiatives"] == 2
    assert figures["per"]["wijk"] == {"WK051833": 1, "WK051836": 1}
    assert figures["per"]["status"] == {"submitted": 2}
    csv = await service.client.get("/v1/reports/initiatives?format=csv", headers=service.staff)
    assert csv.headers["content-type"].startswith("text/csv")
    assert "wijk,WK051836,1" in csv.text.splitlines()


async def test_the_openapi_document_describes_every_route(service: Running) -> None:
    document = (await service.client.get("/openapi.json")).json()
    paths = set(document["paths"])
    assert {
        "/v1/submissions",
        "/v1/submissions/{initiative_id}",
        "/v1/submissions/{initiative_id}/personal-data",
        "/v1/initiatives",
        "/v1/initiatives/{initiative_id}/status",
        "/v1/initiatives/{initiative_id}/activities/{name}",
        "/v1/reports/initiatives",
        "/v1/closed-days/{day}",
    } <= paths
    submission = document["components"]["schemas"]["PublicSubmission"]
    assert {"title", "neighbourhoods", "help_wanted", "initiator"} <= set(submission["required"])
