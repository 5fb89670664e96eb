"""Outbound HTTP for every service: one guarded client, so no partner can point Werkplaats at its insides.

Each request (and each redirect hop) resolves the host name once, refuses loopback, private,
link-local, multicast, reserved and other non-public destinations unless the operator allows
them (``WERKPLAATS_OUTBOUND_ALLOW``), and connects to the very address that was checked (no
second look-up a hostile DNS server could answer differently). A whole exchange, redirects and
body included, has a total time budget and a size budget.

Errors::

    OutboundError                  the exchange failed; the message says why (never the URL's query)
    └── OutboundRefusedError       the destination is not allowed (scheme or address)
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
"""``(host, port)`` to the addresses it resolves to."""

DEFAULT_TOTAL_S = 30.0
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 5


class OutboundError(RuntimeError):
    """An outbound exchange failed: network, time budget, size budget or a refused destination."""


class OutboundRefusedError(OutboundError):
    """The destination is not allowed: not http(s), or an address that is not public nor allowed."""


@dataclass(frozen=True)
class OutboundPolicy:
    """Which destinations are allowed besides public addresses: host names and networks."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, allow: str) -> OutboundPolicy:
        """From ``WERKPLAATS_OUTBOUND_ALLOW``: comma-separated host names, addresses or CIDRs."""
        hosts: set[str] = set()
        networks: list[Network] = []
        for entry in (part.strip() for part in allow.split(",")):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                hosts.add(entry.lower().rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    def allows_host(self, host: str) -> bool:
        """Whether the operator named this host itself."""
        return host.lower().rstrip(".") in self.hosts

    def allows_address(self, address: Address) -> bool:
        """Whether ``address`` is public, or in an allowed network."""
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(address in network for network in self.networks):
            return True
        return address.is_global and not (address.is_multicast or address.is_reserved)


@dataclass(frozen=True)
class OutboundResponse:
    """A complete answer: status, headers and the body (within the size budget)."""

    status_code: int
    headers: httpx.Headers
    body: bytes
    url: str


async def system_resolver(host: str, port: int) -> Sequence[str]:
    """The addresses the operating system resolves ``host`` to."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class _GuardedTransport(httpx.AsyncBaseTransport):
    """Checks and pins the destination of every request it sends, redirect hops included."""

    def __init__(self, policy: OutboundPolicy, resolver: Resolver, inner: httpx.AsyncBaseTransport) -> None:
        self.policy, self.resolver, self.inner = policy, resolver, inner

    async def check(self, url: httpx.URL) -> str:
        """The address to connect to for ``url``, once checked; ``OutboundRefusedError`` if not allowed."""
        if url.scheme not in ("http", "https") or not url.host:
            raise OutboundRefusedError(f"only http and https URLs are allowed, not {url.scheme!r}")
        return await self._checked_address(url.host, url.port or (443 if url.scheme == "https" else 80))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        address = await self.check(url)
        extensions = dict(request.extensions)
        if url.scheme == "https":
            extensions["sni_hostname"] = url.host  # the certificate is checked against the name
        pinned = httpx.Request(
            request.method,
            url.copy_with(host=address),
            headers=request.headers,  # keeps Host: the name, not the address
            stream=request.stream,
            extensions=extensions,
        )
        return await self.inner.handle_async_request(pinned)

    async def _checked_address(self, host: str, port: int) -> str:
        try:
            literal: Address | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            candidates: Sequence[str] = [str(literal)]
        else:
            try:
                candidates = await self.resolver(host, port)
            except OSError as error:
                raise OutboundError(f"{host} cannot be resolved: {error}") from None
        if not candidates:
            raise OutboundError(f"{host} resolves to no address")
        if self.policy.allows_host(host):
            return candidates[0]
        refused = [a for a in candidates if not self.policy.allows_address(ipaddress.ip_address(a))]
        if refused:
            raise OutboundRefusedError(
                f"{host} resolves to {refused[0]}, which is not a public address "
                "(allow it with WERKPLAATS_OUTBOUND_ALLOW)"
            )
        return candidates[0]

    async def aclose(self) -> None:
        await self.inner.aclose()


class _NoTransport(httpx.AsyncBaseTransport):
    """Sends nothing: for checking a destination only."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise OutboundError("not for sending")


@dataclass
class OutboundClient:
    """The one way services reach other servers: guarded destinations, a time and a size budget."""

    policy: OutboundPolicy = field(default_factory=OutboundPolicy)
    total_s: float = DEFAULT_TOTAL_S
    max_bytes: int = DEFAULT_MAX_BYTES
    resolver: Resolver = system_resolver
    transport: httpx.AsyncBaseTransport | None = None
    max_connections: int = 100
    _client: httpx.AsyncClient | None = field(default=None, init=False, repr=False)

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
        follow_redirects: bool = False,
        max_bytes: int | None = None,
    ) -> OutboundResponse:
        """Send one request and read the whole answer; ``OutboundError`` when anything is refused or fails."""
        limit = self.max_bytes if max_bytes is None else max_bytes
        try:
            async with asyncio.timeout(self.total_s):
                return await self._exchange(method, url, headers, content, follow_redirects, limit)
        except TimeoutError:
            raise OutboundError(f"no complete answer within {self.total_s:g} s") from None
        except httpx.TooManyRedirects:
            raise OutboundError(f"more than {MAX_REDIRECTS} redirects") from None
        except httpx.HTTPError as error:
            raise OutboundError(f"{type(error).__name__}: {error}") from None

    async def _exchange(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        content: bytes | None,
        follow_redirects: bool,
        limit: int,
    ) -> OutboundResponse:
        client = self._http()
        request = client.build_request(method, url, headers=headers, content=content)
        response = await client.send(request, stream=True, follow_redirects=follow_redirects)
        try:
            body = await _read_limited(response, limit)
        finally:
            await response.aclose()
        return OutboundResponse(response.status_code, response.headers, body, str(response.url))

    async def check(self, url: str, *, resolve: bool = True) -> None:
        """Refuse (``OutboundRefusedError``) a URL whose destination is not allowed; connects nowhere.

        With ``resolve`` False a host name is not looked up (only an address literal is judged):
        for registering a URL, whose name is checked again on every request anyway.
        """
        parsed = httpx.URL(url)
        if not resolve and not _is_address(parsed.host):
            if parsed.scheme not in ("http", "https") or not parsed.host:
                raise OutboundRefusedError(f"only http and https URLs are allowed, not {parsed.scheme!r}")
            return
        await _GuardedTransport(self.policy, self.resolver, _NoTransport()).check(parsed)

    def _guard(self) -> _GuardedTransport:
        inner = self.transport or httpx.AsyncHTTPTransport(
            limits=httpx.Limits(max_connections=self.max_connections)
        )
        return _GuardedTransport(self.policy, self.resolver, inner)

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            guarded = self._guard()
            timeout = httpx.Timeout(self.total_s)
            self._client = httpx.AsyncClient(transport=guarded, timeout=timeout, max_redirects=MAX_REDIRECTS)
        return self._client

    async def aclose(self) -> None:
        """Close the connections."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def __aenter__(self) -> OutboundClient:
        return self

    async def __aexit__(self, *_: Any) -> None:
        await self.aclose()


async def _read_limited(response: httpx.Response, limit: int) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise OutboundError(f"the answer is {declared} bytes; at most {limit} are read")
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():  # decoded: the budget holds for what is unpacked too
        size += len(chunk)
        if size > limit:
            raise OutboundError(f"the answer is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def outbound_client(allow: str, **options: Any) -> OutboundClient:
    """The guarded client with the operator's allow-list (``WERKPLAATS_OUTBOUND_ALLOW``) and ``options``."""
    return OutboundClient(policy=OutboundPolicy.parse(allow), **options)
