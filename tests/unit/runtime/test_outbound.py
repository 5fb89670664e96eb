"""The guarded outbound clients (each test runs on both): only allowed destinations, every redirect
checked, time and size budgets.

Every connection a test makes goes to a loopback server of its own. Names that resolve elsewhere
come from a stub resolver, and the refusal happens before any connection is tried.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest
import trustme

from support.testing import stub_resolver
from werkplaats.outbound import (
    OutboundClient,
    OutboundError,
    OutboundPolicy,
    OutboundRefusedError,
    PooledOutboundClient,
)

Handler = Callable[[asyncio.StreamWriter, str], Awaitable[None]]
LOOPBACK = OutboundPolicy.parse("127.0.0.1/32")


@dataclass
class LoopbackServer:
    """A tiny HTTP server on a loopback address: what it answers, and the requests it saw."""

    handler: Handler
    host: str = "127.0.0.1"
    seen: list[str] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        self.seen.append(head)
        try:
            await self.handler(writer, head)
        finally:
            writer.close()


def answer(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> Handler:
    async def handle(writer: asyncio.StreamWriter, _: str) -> None:
        lines = [f"HTTP/1.1 {status} X", f"Content-Length: {len(body)}", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await writer.drain()

    return handle


@pytest.fixture(params=[OutboundClient, PooledOutboundClient], ids=["httpx", "aiohttp"])
def make_client(request: pytest.FixtureRequest) -> type[OutboundClient | PooledOutboundClient]:
    """Each guarded client in turn: every guarantee holds for both."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., Awaitable[LoopbackServer]]]:
    servers: list[asyncio.Server] = []

    async def start(handler: Handler, host: str = "127.0.0.1") -> LoopbackServer:
        server = LoopbackServer(handler, host)
        listening = await asyncio.start_server(server._serve, host, 0)
        server.port = listening.sockets[0].getsockname()[1]
        servers.append(listening)
        return server

    yield start
    for listening in servers:
        listening.close()
        await listening.wait_closed()


async def test_loopback_is_refused_while_the_allow_list_is_empty(make_client, serve) -> None:
    server = await serve(answer(200, b"geheim"))
    async with make_client() as client:
        with pytest.raises(OutboundRefusedError, match="not a public address"):
            await client.request("GET", server.url + "/intern")
    assert server.seen == []


async def test_an_allowed_network_is_reached(make_client, serve) -> None:
    server = await serve(answer(200, b"BEGIN:VCALENDAR"))
    async with make_client(policy=LOOPBACK) as client:
        response = await client.request("GET", server.url + "/agenda.ics")
    assert (response.status_code, response.body) == (200, b"BEGIN:VCALENDAR")


@pytest.mark.parametrize(
    "address",
    [
        "169.254.169.254",
        "10.0.0.5",
        "192.168.1.10",
        "172.16.0.1",
        "100.64.0.1",
        "224.0.0.1",
        "240.0.0.1",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fd00::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
    ],
)
async def test_names_resolving_to_non_public_addresses_are_refused_before_connecting(
    make_client, address: str
) -> None:
    resolver = stub_resolver({"agenda.partner.example": [address]})
    async with make_client(resolver=resolver) as client:
        with pytest.raises(OutboundRefusedError):
            await client.request("GET", "http://agenda.partner.example/agenda.ics")


async def test_one_non_public_address_among_several_is_enough_to_refuse(make_client) -> None:
    resolver = stub_resolver({"agenda.partner.example": ["93.184.215.14", "10.1.2.3"]})
    async with make_client(resolver=resolver) as client:
        with pytest.raises(OutboundRefusedError, match=re.escape("10.1.2.3")):
            await client.request("GET", "http://agenda.partner.example/")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1/"])
async def test_only_http_and_https_are_spoken(make_client, url: str) -> None:
    async with make_client(policy=LOOPBACK) as client:
        with pytest.raises(OutboundError):
            await client.request("GET", url)


async def test_a_redirect_to_a_metadata_address_is_refused(make_client, serve) -> None:
    resolver = stub_resolver({"metadata.internal": ["169.254.169.254"]})
    server = await serve(answer(302, headers={"Location": "http://metadata.internal/latest/meta-data/"}))
    async with make_client(policy=LOOPBACK, resolver=resolver) as client:
        with pytest.raises(OutboundRefusedError, match=re.escape("169.254.169.254")):
            await client.request("GET", server.url + "/agenda.ics", follow_redirects=True)
    assert len(server.seen) == 1


async def test_a_redirect_to_another_loopback_address_outside_the_allow_list_is_refused(
    make_client, serve
) -> None:
    inside = await serve(answer(200, b"intern"), host="127.0.0.2")
    outside = await serve(answer(302, headers={"Location": inside.url + "/admin"}))
    async with make_client(policy=LOOPBACK) as client:
        with pytest.raises(OutboundRefusedError, match=re.escape("127.0.0.2")):
            await client.request("GET", outside.url + "/agenda.ics", follow_redirects=True)
    assert inside.seen == []


async def test_the_checked_address_is_the_one_connected_to_and_the_name_is_sent_as_host(
    make_client, serve
) -> None:
    server = await serve(answer(200, b"ok"))
    answers = iter([["127.0.0.1"], ["10.0.0.9"]])  # a second look-up would answer differently

    async def rebinding(_host: str, _port: int) -> list[str]:
        return next(answers)

    async with make_client(policy=LOOPBACK, resolver=rebinding) as client:
        response = await client.request("GET", f"http://feeds.partner.example:{server.port}/agenda.ics")
    assert response.body == b"ok"
    assert f"host: feeds.partner.example:{server.port}" in server.seen[0].lower()


async def test_a_host_named_in_the_allow_list_is_reached_whatever_it_resolves_to(make_client, serve) -> None:
    server = await serve(answer(200, b"ok"))
    resolver = stub_resolver({"feeds.local": ["127.0.0.1"]})
    async with make_client(policy=OutboundPolicy.parse(" feeds.local , "), resolver=resolver) as client:
        assert (await client.request("GET", f"http://FEEDS.local:{server.port}/")).body == b"ok"
    async with make_client(resolver=resolver) as client:
        with pytest.raises(OutboundRefusedError):
            await client.request("GET", f"http://feeds.local:{server.port}/")
    assert len(server.seen) == 1


async def test_an_answer_that_trickles_past_the_time_budget_fails(make_client, serve) -> None:
    release = asyncio.Event()

    async def trickle(writer: asyncio.StreamWriter, _: str) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
        while not release.is_set():
            writer.write(b"x")
            await writer.drain()
            await asyncio.sleep(0.05)

    server = await serve(trickle)
    loop = asyncio.get_running_loop()
    began = loop.time()
    async with make_client(policy=LOOPBACK, total_s=0.5) as client:
        with pytest.raises(OutboundError, match=re.escape("within 0.5 s")):
            await client.request("GET", server.url)
    release.set()
    assert loop.time() - began < 3


@pytest.mark.parametrize("declared", [True, False])
async def test_an_answer_over_the_size_budget_fails(make_client, serve, declared: bool) -> None:
    body = b"x" * 5000

    async def big(writer: asyncio.StreamWriter, _: str) -> None:
        length = f"Content-Length: {len(body)}\r\n" if declared else ""
        writer.write(f"HTTP/1.1 200 OK\r\n{length}Connection: close\r\n\r\n".encode() + body)
        await writer.drain()

    server = await serve(big)
    async with make_client(policy=LOOPBACK, max_bytes=1000) as client:
        with pytest.raises(OutboundError, match=r"at most 1000|larger than 1000"):
            await client.request("GET", server.url)


async def test_checking_a_url_connects_nowhere(make_client, serve) -> None:
    server = await serve(answer(200))
    await make_client(policy=LOOPBACK).check(server.url)
    with pytest.raises(OutboundRefusedError):
        await make_client().check(server.url)
    assert server.seen == []


async def test_a_redirect_is_answered_not_followed_unless_asked(make_client, serve) -> None:
    target = await serve(answer(200, b"elsewhere"))
    server = await serve(answer(302, headers={"Location": target.url + "/hook"}))
    async with make_client(policy=LOOPBACK) as client:
        response = await client.request("POST", server.url + "/hook", content=b"{}")
    assert response.status_code == 302
    assert target.seen == []


async def test_a_certificate_from_an_unknown_authority_is_refused(make_client) -> None:
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    trustme.CA().issue_cert("127.0.0.1").configure_cert(server_context)
    seen: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            seen.append(await reader.readuntil(b"\r\n\r\n"))
        writer.close()

    listening = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server_context)
    port = listening.sockets[0].getsockname()[1]
    try:
        async with make_client(policy=LOOPBACK) as client:
            with pytest.raises(OutboundError, match=r"(?i)certificate verify failed"):
                await client.request("POST", f"https://127.0.0.1:{port}/hook", content=b"{}")
    finally:
        listening.close()
        await listening.wait_closed()
    assert seen == []


async def test_the_lean_client_keeps_one_connection_per_endpoint_alive() -> None:
    connections: list[int] = []

    async def keep_alive(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(0)
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = re.search(rb"(?i)content-length: (\d+)", head)
                await reader.readexactly(int(length.group(1)) if length else 0)
                connections[-1] += 1
                writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
        writer.close()

    listening = await asyncio.start_server(keep_alive, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    try:
        async with PooledOutboundClient(policy=LOOPBACK) as client:
            for _ in range(3):
                response = await client.request("POST", f"http://127.0.0.1:{port}/hook", content=b"{}")
                assert response.status_code == 204
    finally:
        listening.close()
        await listening.wait_closed()
    assert connections == [3]
