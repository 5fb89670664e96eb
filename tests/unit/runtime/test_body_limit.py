"""One body limit for every service's HTTP API, applied before authentication reads anything."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from notifications.main import create_app as notifications_app
from notifications.settings import NotificationsSettings
from scheduling.main import create_app as scheduling_app
from scheduling.settings import SchedulingSettings

LIMIT = 4096
NOWHERE = "127.0.0.1:1"  # the apps are not started: nothing connects


def apps(tmp_path: Path) -> dict[str, tuple[FastAPI, str]]:
    database = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    return {
        "notifications": (
            notifications_app(
                NotificationsSettings(database_url=database, max_body_bytes=LIMIT),
                bootstrap_servers="127.0.0.1:1",
            ),
            "/v1/subscriptions",
        ),
        "scheduling": (
            scheduling_app(
                SchedulingSettings(database_url=database, max_body_bytes=LIMIT),
                bootstrap_servers="127.0.0.1:1",
            ),
            "/v1/activities/check",
        ),
    }


async def chunks(size: int) -> AsyncIterator[bytes]:
    for _ in range(size // 1024):
        yield b" " * 1024


@pytest.mark.parametrize("service", ["notifications", "scheduling"])
@pytest.mark.parametrize(
    "body", [lambda: {"content": b"{" + b" " * 2 * LIMIT + b"}"}, lambda: {"content": chunks(2 * LIMIT)}]
)
async def test_a_body_over_the_limit_is_413_before_authentication(
    tmp_path: Path, service: str, body: Callable[[], dict[str, Any]]
) -> None:
    app, path = apps(tmp_path)[service]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as client:
        response = await client.post(path, headers={"Content-Type": "application/json"}, **body())
    assert response.status_code == 413
    assert f"at most {LIMIT} bytes" in response.json()["detail"]


@pytest.mark.parametrize("service", ["notifications", "scheduling"])
async def test_a_body_that_is_not_utf8_json_is_a_422_naming_the_body(tmp_path: Path, service: str) -> None:
    app, path = apps(tmp_path)[service]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as client:
        response = await client.post(path, headers={"Content-Type": "application/json"}, content=b"{\xff\xfe")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body"]
