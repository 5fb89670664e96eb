"""The destination guard: which addresses outbound HTTP may connect to, judged once per look-up."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
"""``(host, port)`` to the addresses it resolves to."""


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


async def system_resolver(host: str, port: int) -> Sequence[str]:
    """The addresses the operating system resolves ``host`` to."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def check_scheme(scheme: str, host: str) -> None:
    """Refuse (``OutboundRefusedError``) anything but http and https with a host."""
    if scheme not in ("http", "https") or not host:
        raise OutboundRefusedError(f"only http and https URLs are allowed, not {scheme!r}")


def is_address(host: str) -> bool:
    """Whether ``host`` is an IP address literal rather than a name."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Guard:
    """Resolves a host once and hands out only addresses the policy allows."""

    policy: OutboundPolicy
    resolver: Resolver = system_resolver

    async def addresses(self, host: str, port: int) -> Sequence[str]:
        """Every address of ``host``, all allowed; ``OutboundRefusedError`` if any one is not."""
        candidates: Sequence[str]
        if is_address(host):
            candidates = [str(ipaddress.ip_address(host))]
        else:
            try:
                candidates = await self.resolver(host, port)
            except OSError as error:
                raise OutboundError(f"{host} cannot be resolved: {error}") from None
        if not candidates:
            raise OutboundError(f"{host} resolves to no address")
        if self.policy.allows_host(host):
            return candidates
        refused = [a for a in candidates if not self.policy.allows_address(ipaddress.ip_address(a))]
        if refused:
            raise OutboundRefusedError(
                f"{host} resolves to {refused[0]}, which is not a public address "
                "(allow it with WERKPLAATS_OUTBOUND_ALLOW)"
            )
        return candidates

    async def check_url(self, url: str, *, resolve: bool = True) -> None:
        """Refuse (``OutboundRefusedError``) a URL whose destination is not allowed; connects nowhere.

        With ``resolve`` False a host name is not looked up (only an address literal is judged):
        for registering a URL, whose name is checked again on every request anyway.
        """
        parts = urlsplit(url)
        host = parts.hostname or ""
        check_scheme(parts.scheme, host)
        if resolve or is_address(host):
            try:
                port = parts.port or (443 if parts.scheme == "https" else 80)
            except ValueError:
                raise OutboundRefusedError("the URL's port is not a number") from None
            await self.addresses(host, port)
