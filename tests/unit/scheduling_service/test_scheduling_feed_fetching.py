"""Fetching a partner's calendar from a real local HTTP server: redirects, refusals, size, conditional GET."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from scheduling.feeds.fetch import FetchError, fetch_calendar, new_client

LOOPBACK = "127.0.0.1/32"
CALENDAR = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
LAST_MODIFIED = formatdate(1_790_000_000, usegmt=True)
Route = Callable[[BaseHTTPRequestHandler], None]


class FeedServer:
    """A threaded HTTP server on 127.0.0.1 answering each path by a route, recording what it was asked."""

    def __init__(self, routes: dict[str, Route]) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server.requests.append((self.path, dict(self.headers.items())))
                routes.get(self.path, _status(404))(self)

            def log_message(self, *_: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.http.server_address[1]}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


def _status(code: int, headers: dict[str, str] | None = None, body: bytes = b"") -> Route:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(code)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return answer


def _calendar(handler: BaseHTTPRequestHandler) -> None:
    """The calendar, or 304 when the client already has this version (If-Modified-Since or ETag)."""
    if (
        handler.headers.get("If-Modified-Since") == LAST_MODIFIED
        or handler.headers.get("If-None-Match") == '"v1"'
    ):
        _status(304, {"ETag": '"v1"', "Last-Modified": LAST_MODIFIED})(handler)
        return
    headers = {"Content-Type": "text/calendar", "ETag": '"v1"', "Last-Modified": LAST_MODIFIED}
    _status(200, headers, CALENDAR)(handler)


def _streamed(size: int) -> Route:
    """A chunked answer that declares no length, ``size`` bytes in all."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        chunk = b"x" * 1024
        for _ in range(size // len(chunk)):
            handler.wfile.write(b"400\r\n" + chunk + b"\r\n")
        handler.wfile.write(b"0\r\n\r\n")

    return answer


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    server = FeedServer(
        {
            "/secret-token/agenda.ics": _calendar,
            "/moved.ics": _status(301, {"Location": "/secret-token/agenda.ics"}),
            "/hop.ics": _status(302, {"Location": "/moved.ics"}),
            "/loop.ics": _status(302, {"Location": "/loop.ics"}),
            "/gone.ics": _status(410),
            "/broken.ics": _status(500, body=b"oops"),
            "/big.ics": _status(200, {"Content-Type": "text/calendar"}, b"x" * 5000),
            "/streamed.ics": _streamed(8 * 1024),
            "/elsewhere.ics": _status(302, {"Location": "http://127.0.0.2:9/agenda.ics"}),
        }
    )
    yield server
    server.close()


async def test_the_calendar_is_fetched_with_its_validators(feeds: FeedServer) -> None:
    async with new_client(LOOPBACK) as client:
        fetched = await fetch_calendar(client, feeds.base + "/secret-token/agenda.ics")
    assert fetched.body == CALENDAR
    assert (fetched.etag, fetched.last_modified) == ('"v1"', LAST_MODIFIED)
    assert "text/calendar" in feeds.requests[0][1]["Accept"]


async def test_redirects_are_followed_to_the_calendar(feeds: FeedServer) -> None:
    async with new_client(LOOPBACK) as client:
        fetched = await fetch_calendar(client, feeds.base + "/hop.ics")
    assert fetched.body == CALENDAR
    assert [path for path, _ in feeds.requests] == ["/hop.ics", "/moved.ics", "/secret-token/agenda.ics"]


async def test_a_redirect_loop_fails_after_a_bounded_number_of_hops(feeds: FeedServer) -> None:
    async with new_client(LOOPBACK) as client:
        with pytest.raises(FetchError, match="redirects"):
            await fetch_calendar(client, feeds.base + "/loop.ics")
    assert 1 < len(feeds.requests) <= 12


async def test_a_redirect_outside_the_allowed_addresses_is_refused_before_connecting(
    feeds: FeedServer,
) -> None:
    async with new_client(LOOPBACK) as client:
        with pytest.raises(FetchError, match="could not be fetched"):
            await fetch_calendar(client, feeds.base + "/elsewhere.ics")
    assert [path for path, _ in feeds.requests] == ["/elsewhere.ics"]


@pytest.mark.parametrize(("path", "status"), [("/gone.ics", 410), ("/broken.ics", 500), ("/absent.ics", 404)])
async def test_an_answer_other_than_200_fails_naming_the_status_but_not_the_path(
    feeds: FeedServer, path: str, status: int
) -> None:
    async with new_client(LOOPBACK) as client:
        with pytest.raises(FetchError, match=f"answered HTTP {status}") as failed:
            await fetch_calendar(client, feeds.base + path)
    assert path.strip("/") not in str(failed.value)
    assert str(failed.value).startswith(feeds.base + "/…")


@pytest.mark.parametrize("path", ["/big.ics", "/streamed.ics"])
async def test_a_calendar_over_the_size_limit_fails_declared_or_streamed(
    feeds: FeedServer, path: str
) -> None:
    async with new_client(LOOPBACK) as client:
        with pytest.raises(FetchError, match=r"at most 4000|larger than 4000"):
            await fetch_calendar(client, feeds.base + path, max_bytes=4000)
        assert (await fetch_calendar(client, feeds.base + path, max_bytes=10_000)).body is not None


async def test_an_unchanged_calendar_is_not_downloaded_again(feeds: FeedServer) -> None:
    async with new_client(LOOPBACK) as client:
        first = await fetch_calendar(client, feeds.base + "/secret-token/agenda.ics")
        again = await fetch_calendar(
            client, feeds.base + "/secret-token/agenda.ics", last_modified=first.last_modified
        )
        by_etag = await fetch_calendar(client, feeds.base + "/secret-token/agenda.ics", etag=first.etag)
    assert again.body is None
    assert by_etag.body is None
    assert (again.etag, again.last_modified) == (None, LAST_MODIFIED)
    assert feeds.requests[1][1]["If-Modified-Since"] == LAST_MODIFIED
    assert "If-None-Match" not in feeds.requests[1][1]
    assert feeds.requests[2][1]["If-None-Match"] == '"v1"'
    assert "If-Modified-Since" not in feeds.requests[0][1]
