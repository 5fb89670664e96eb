"""Fetching a calendar through the guarded client: time and size budgets, conditional GET."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from scheduling.domain.errors import SchedulingError
from werkplaats.outbound import OutboundClient, OutboundError, outbound_client

MAX_BYTES = 10 * 1024 * 1024
TOTAL_S = 30.0
USER_AGENT = "Werkplaats-feeds/1 (+https://werkplaats.example/partners)"


class FetchError(SchedulingError, RuntimeError):
    """The calendar could not be fetched: network, status or size; the message says which."""


@dataclass(frozen=True)
class Fetched:
    """A fetched calendar, or ``body`` None when the server says it has not changed (304)."""

    body: bytes | None
    etag: str | None = None
    last_modified: str | None = None


async def fetch_calendar(
    client: OutboundClient,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> Fetched:
    """GET ``url`` conditionally through the guarded client; ``FetchError`` on failure, refusal or size."""
    headers = {"Accept": "text/calendar, */*;q=0.5", "User-Agent": USER_AGENT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    where = redacted(url)
    try:
        response = await client.request(
            "GET", url, headers=headers, follow_redirects=True, max_bytes=max_bytes
        )
    except OutboundError as error:
        raise FetchError(f"{where} could not be fetched: {error}") from error
    if response.status_code == httpx.codes.NOT_MODIFIED:
        return Fetched(None, etag, last_modified)
    if response.status_code != httpx.codes.OK:
        raise FetchError(f"{where} answered HTTP {response.status_code}")
    return Fetched(response.body, response.headers.get("ETag"), response.headers.get("Last-Modified"))


def redacted(url: str) -> str:
    """A feed URL fit for logs and messages: scheme, host and port (paths and queries are often secret)."""
    parts = httpx.URL(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.host}{port}/…"


def new_client(allow: str = "", total_s: float = TOTAL_S) -> OutboundClient:
    """The guarded HTTP client with the feed budgets; ``allow`` is ``WERKPLAATS_OUTBOUND_ALLOW``."""
    return outbound_client(allow, total_s=total_s, max_bytes=MAX_BYTES)
