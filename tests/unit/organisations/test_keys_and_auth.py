"""API keys are shown once and stored hashed; requests are authenticated, authorised and rate limited."""

from datetime import UTC, datetime
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI

from contracts import OrganisationRole, OrganisationUpdated, encode_event, new_event
from werkplaats.auth import Authenticator, RateLimiter
from werkplaats.organisations import OrganisationDirectory, hash_key, issue_key, key_id_of


class Record:
    def __init__(self, value: bytes, offset: int = 0) -> None:
        self.value, self.offset = value, offset


def directory_with(*organisations: OrganisationUpdated) -> OrganisationDirectory:
    directory = OrganisationDirectory("unused:9092")
    directory.apply([Record(encode_event(new_event(o, source="werkplaats"))) for o in organisations])  # type: ignore[misc]
    return directory


def organisation(slug: str, role: OrganisationRole, *keys: object) -> OrganisationUpdated:
    return OrganisationUpdated(slug=slug, name=slug.title(), role=role, keys=list(keys))  # type: ignore[arg-type]


def test_a_key_is_random_and_only_its_hash_is_kept() -> None:
    first, second = issue_key(), issue_key()
    assert first.secret != second.secret
    assert first.record.sha256 == hash_key(first.secret)
    assert first.secret not in first.record.model_dump_json()
    assert key_id_of(first.secret) == first.record.key_id


def test_only_a_valid_unrevoked_key_authenticates() -> None:
    good, revoked = issue_key(), issue_key()
    revoked_record = revoked.record.model_copy(update={"revoked_at": datetime.now(UTC)})
    directory = directory_with(
        organisation("staedion", OrganisationRole.PARTNER, good.record, revoked_record)
    )
    assert directory.authenticate(good.secret).slug == "staedion"  # type: ignore[union-attr]
    assert directory.authenticate(revoked.secret) is None
    assert directory.authenticate(good.secret[:-1] + "x") is None
    assert directory.authenticate("not a key") is None


def test_the_latest_state_of_an_organisation_wins() -> None:
    old, new = issue_key(), issue_key()
    directory = directory_with(
        organisation("staedion", OrganisationRole.PARTNER, old.record),
        organisation("staedion", OrganisationRole.PARTNER, new.record),
    )
    assert directory.authenticate(old.secret) is None
    assert directory.authenticate(new.secret) is not None


def test_rate_limiter_refuses_beyond_the_rate_and_says_when_to_retry() -> None:
    now = [0.0]
    limiter = RateLimiter(per_minute=2, clock=lambda: now[0])
    assert limiter.retry_after("k") is None
    assert limiter.retry_after("k") is None
    assert limiter.retry_after("k") == 30
    assert limiter.retry_after("other") is None
    now[0] = 30.0
    assert limiter.retry_after("k") is None


@pytest.fixture
def keys() -> dict[str, str]:
    return {"partner": issue_key().secret, "operations": issue_key().secret}


@pytest.fixture
def client(keys: dict[str, str]) -> httpx.AsyncClient:
    directory = directory_with(
        organisation("staedion", OrganisationRole.PARTNER, _record(keys["partner"])),
        organisation("npzw", OrganisationRole.OPERATIONS, _record(keys["operations"])),
    )
    auth = Authenticator(directory, requests_per_minute=3, unauthenticated_per_minute=5)
    app = FastAPI()

    @app.get("/anyone")
    async def anyone(caller: Annotated[OrganisationUpdated, Depends(auth.caller())]) -> str:
        return caller.slug

    @app.get("/operations")
    async def operations(
        caller: Annotated[OrganisationUpdated, Depends(auth.caller(OrganisationRole.OPERATIONS))],
    ) -> str:
        return caller.slug

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


def _record(secret: str) -> object:
    key_id = key_id_of(secret)
    assert key_id is not None
    from contracts import ApiKeyRecord

    return ApiKeyRecord(key_id=key_id, sha256=hash_key(secret), created_at=datetime.now(UTC))


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


async def test_missing_or_wrong_key_is_401(client: httpx.AsyncClient) -> None:
    missing = await client.get("/anyone")
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    assert (await client.get("/anyone", headers=bearer("wp_00000000_" + "x" * 43))).status_code == 401


async def test_partner_key_is_403_where_operations_is_needed(
    client: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    assert (await client.get("/anyone", headers=bearer(keys["partner"]))).json() == "staedion"
    refused = await client.get("/operations", headers=bearer(keys["partner"]))
    assert refused.status_code == 403
    assert "operations" in refused.json()["detail"]
    assert (await client.get("/operations", headers=bearer(keys["operations"]))).json() == "npzw"


async def test_too_many_requests_is_429_with_retry_after(
    client: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    for _ in range(3):
        assert (await client.get("/anyone", headers=bearer(keys["partner"]))).status_code == 200
    limited = await client.get("/anyone", headers=bearer(keys["partner"]))
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert (await client.get("/anyone", headers=bearer(keys["operations"]))).status_code == 200


async def test_requests_without_a_valid_key_are_limited_per_client(
    client: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    wrong = bearer("wp_00000000_" + "x" * 43)
    for _ in range(5):
        assert (await client.get("/anyone", headers=wrong)).status_code == 401
    limited = await client.get("/anyone")
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert (await client.get("/anyone", headers=bearer(keys["partner"]))).status_code == 200


def test_a_revoked_organisation_no_longer_authenticates_even_with_an_unrevoked_key() -> None:
    key = issue_key()
    active = organisation("staedion", OrganisationRole.PARTNER, key.record)
    revoked = active.model_copy(update={"revoked_at": datetime.now(UTC)})
    assert directory_with(active).authenticate(key.secret) is not None
    later = directory_with(active, revoked)
    assert later.authenticate(key.secret) is None
    assert later.is_revoked("staedion")
    assert not later.is_revoked("unknown")
