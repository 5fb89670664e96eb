"""The lean guarded client (aiohttp): kept-alive connections per endpoint, little CPU per request.

The guard is the connector's resolver, so the addresses it allows are the only ones connected to; it
judges every new connection (no DNS cache), and address literals, which aiohttp never resolves, are
checked before each request. Redirects are followed here, hop by hop, only when asked for; the time
budget covers the whole exchange, the size budget the decoded answer. TLS certificates are verified
against the host name; no proxy from the environment, no cookies kept.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import aiohttp
import httpx
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from werkplaats.outbound.client import MAX_REDIRECTS, BudgetedClient, OutboundResponse, read_limited
from werkplaats.outbound.guard import Guard, OutboundError, check_scheme, is_address

REDIRECTS = frozenset({301, 302, 303, 307, 308})


class _GuardResolver(AbstractResolver):
    """aiohttp's resolver, answering only with addresses the guard allows."""

    def __init__(self, guard: Guard) -> None:
        self.guard = guard

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in await self.guard.addresses(host, port)
        ]

    async def close(self) -> None:
        return None


@dataclass
class PooledOutboundClient(BudgetedClient):
    """The guarded client for many small requests: webhooks. Same guarantees as ``OutboundClient``."""

    _session: aiohttp.ClientSession | None = field(default=None, init=False, repr=False)

    library_errors: ClassVar[tuple[type[Exception], ...]] = (aiohttp.ClientError, ValueError)

    async def _exchange(
        self,
        method: str,
        target: str,
        headers: Mapping[str, str] | None,
        content: bytes | None,
        follow_redirects: bool,
        limit: int,
    ) -> OutboundResponse:
        url = URL(target)
        for _ in range(MAX_REDIRECTS + 1):
            await self._check_literal(url)
            async with self._http().request(
                method, url, headers=headers, data=content, allow_redirects=False
            ) as response:
                location = response.headers.get("Location")
                if follow_redirects and response.status in REDIRECTS and location:
                    url = url.join(URL(location))
                    if response.status == 303 or (response.status in (301, 302) and method == "POST"):
                        method, content = "GET", None
                    continue
                body = await read_limited(
                    response.content.iter_any(), response.headers.get("Content-Length"), limit
                )
                return OutboundResponse(
                    response.status, httpx.Headers(list(response.raw_headers)), body, str(response.url)
                )
        raise OutboundError(f"more than {MAX_REDIRECTS} redirects")

    async def _check_literal(self, url: URL) -> None:
        """Check the scheme, and an address literal (aiohttp connects to those without resolving)."""
        host = url.host or ""
        check_scheme(url.scheme, host)
        if is_address(host):
            await self.guard.addresses(host, url.port or 0)

    def _describe(self, error: Exception) -> str:
        return f"{type(error).__name__}: {_without_url(error)}"

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(  # no DNS cache: each new connection is checked afresh
                limit=self.max_connections, resolver=_GuardResolver(self.guard), use_dns_cache=False, ssl=True
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=self.total_s),
                cookie_jar=aiohttp.DummyCookieJar(),
                trust_env=False,
            )
        return self._session

    async def aclose(self) -> None:
        """Close the connections."""
        if self._session is not None:
            await self._session.close()
            self._session = None


def _without_url(error: Exception) -> str:
    """An error's message without the URL it may carry (whose query can hold a secret)."""
    if isinstance(error, aiohttp.ClientConnectorError):
        return f"cannot connect to {error.host}:{error.port}: {error.os_error.strerror or error.os_error}"
    if isinstance(error, aiohttp.InvalidURL | ValueError):
        return "not a valid URL"
    return str(error)
