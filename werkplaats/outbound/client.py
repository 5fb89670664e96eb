"""The general guarded client (httpx): redirects on request, a transport of its own for tests.

Each request (and each redirect hop) resolves the host name once, refuses loopback, private,
link-local, multicast, reserved and other non-public destinations unless the operator allows
them (``WERKPLAATS_OUTBOUND_ALLOW``), and connects to the very address that was checked (no
second look-up a hostile DNS server could answer differently). A whole exchange, redirects and
body included, has a total time budget and a size budget.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

import httpx

from werkplaats.outbound.guard import (
    Guard,
    OutboundError,
    OutboundPolicy,
    Resolver,
    check_scheme,
    system_resolver,
)

DEFAULT_TOTAL_S = 30.0
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 5


@dataclass(frozen=True)
class OutboundResponse:
    """A complete answer: status, headers and the body (within the size budget)."""

    status_code: int
    headers: httpx.Headers
    body: bytes
    url: str


class _GuardedTransport(httpx.AsyncBaseTransport):
    """Checks and pins the destination of every request it sends, redirect hops included."""

    def __init__(self, guard: Guard, inner: httpx.AsyncBaseTransport) -> None:
        self.guard, self.inner = guard, inner

    async def check(self, url: httpx.URL) -> str:
        """The address to connect to for ``url``, once checked; ``OutboundRefusedError`` if not allowed."""
        check_scheme(url.scheme, url.host)
        port = url.port or (443 if url.scheme == "https" else 80)
        return (await self.guard.addresses(url.host, port))[0]

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

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass
class BudgetedClient:
    """What both guarded clients share: the policy, the time and size budgets, and the errors they raise."""

    policy: OutboundPolicy = field(default_factory=OutboundPolicy)
    total_s: float = DEFAULT_TOTAL_S
    max_bytes: int = DEFAULT_MAX_BYTES
    resolver: Resolver = system_resolver
    max_connections: int = 100

    library_errors: ClassVar[tuple[type[Exception], ...]] = ()
    """The HTTP library's failures, raised again as ``OutboundError``."""

    @property
    def guard(self) -> Guard:
        """The policy and resolver that judge every destination."""
        return Guard(self.policy, self.resolver)

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
        except self.library_errors as error:
            raise OutboundError(self._describe(error)) from None

    async def _exchange(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        content: bytes | None,
        follow_redirects: bool,
        limit: int,
    ) -> OutboundResponse:
        raise NotImplementedError

    def _describe(self, error: Exception) -> str:
        """What went wrong, for the ``OutboundError`` (never the URL's query)."""
        return f"{type(error).__name__}: {error}"

    async def check(self, url: str, *, resolve: bool = True) -> None:
        """Refuse (``OutboundRefusedError``) a URL whose destination is not allowed; connects nowhere."""
        await self.guard.check_url(url, resolve=resolve)

    async def aclose(self) -> None:
        """Close the connections."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: Any) -> None:
        await self.aclose()


@dataclass
class OutboundClient(BudgetedClient):
    """The one way services reach other servers: guarded destinations, a time and a size budget."""

    transport: httpx.AsyncBaseTransport | None = None
    _client: httpx.AsyncClient | None = field(default=None, init=False, repr=False)

    library_errors: ClassVar[tuple[type[Exception], ...]] = (httpx.HTTPError,)

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
            body = await read_limited(response.aiter_bytes(), response.headers.get("Content-Length"), limit)
        finally:
            await response.aclose()
        return OutboundResponse(response.status_code, response.headers, body, str(response.url))

    def _describe(self, error: Exception) -> str:
        if isinstance(error, httpx.TooManyRedirects):
            return f"more than {MAX_REDIRECTS} redirects"
        return super()._describe(error)

    def _guard(self) -> _GuardedTransport:
        inner = self.transport or httpx.AsyncHTTPTransport(
            limits=httpx.Limits(max_connections=self.max_connections)
        )
        return _GuardedTransport(self.guard, inner)

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


async def read_limited(chunks: AsyncIterator[bytes], declared: str | None, limit: int) -> bytes:
    """An answer's decoded ``chunks``, refused once they (or its ``Content-Length``) pass ``limit`` bytes."""
    if declared and declared.isdigit() and int(declared) > limit:
        raise OutboundError(f"the answer is {declared} bytes; at most {limit} are read")
    parts, size = [], 0
    async for chunk in chunks:  # decoded: the budget holds for what is unpacked too
        size += len(chunk)
        if size > limit:
            raise OutboundError(f"the answer is larger than {limit} bytes")
        parts.append(chunk)
    return b"".join(parts)
