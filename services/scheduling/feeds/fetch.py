"""Fetching a calendar over HTTP: time limits, a size limit, and conditional GET (ETag, Last-Modified)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from scheduling.domain.errors import SchedulingError

MAX_BYTES = 10 * 1024 * 1024
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
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
    client: httpx.AsyncClient,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> Fetched:
    """GET ``url`` conditionally; raise ``FetchError`` on failure or when the body exceeds ``max_bytes``."""
    headers = {"Accept": "text/calendar, */*;q=0.5", "User-Agent": USER_AGENT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        async with client.stream("GET", url, headers=headers, follow_redirects=True) as response:
            if response.status_code == httpx.codes.NOT_MODIFIED:
                return Fetched(None, etag, last_modified)
            if response.status_code != httpx.codes.OK:
                raise FetchError(f"{url} answered HTTP {response.status_code}")
            body = await _read_limited(response, max_bytes)
            return Fetched(body, response.headers.get("ETag"), response.headers.get("Last-Modified"))
    except httpx.HTTPError as error:
        raise FetchError(f"{url} could not be fetched: {type(error).__name__}: {error}") from error


async def _read_limited(response: httpx.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"the calendar is {declared} bytes; at most {max_bytes} are read")
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"the calendar is larger than {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def new_client(timeout: httpx.Timeout = TIMEOUT) -> httpx.AsyncClient:
    """An HTTP client with the feed time limits."""
    return httpx.AsyncClient(timeout=timeout)
