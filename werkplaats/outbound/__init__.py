"""Outbound HTTP for every service: guarded clients, so no partner can point Werkplaats at its insides.

Each request (and each redirect hop) resolves the host name once, refuses loopback, private,
link-local, multicast, reserved and other non-public destinations unless the operator allows
them (``WERKPLAATS_OUTBOUND_ALLOW``), and connects only to addresses that were checked (no
second look-up a hostile DNS server could answer differently). A whole exchange, redirects and
body included, has a total time budget and a size budget. ``OutboundClient`` (httpx) serves
occasional requests and tests with a transport of their own; ``PooledOutboundClient`` (aiohttp)
serves many small ones, such as webhooks, with kept-alive connections per endpoint.

Errors::

    OutboundError                  the exchange failed; the message says why (never the URL's query)
    └── OutboundRefusedError       the destination is not allowed (scheme or address)
"""

from __future__ import annotations

from typing import Any

from werkplaats.outbound.client import (
    DEFAULT_MAX_BYTES,
    DEFAULT_TOTAL_S,
    MAX_REDIRECTS,
    OutboundClient,
    OutboundResponse,
)
from werkplaats.outbound.guard import (
    Address,
    Guard,
    Network,
    OutboundError,
    OutboundPolicy,
    OutboundRefusedError,
    Resolver,
    system_resolver,
)
from werkplaats.outbound.pooled import PooledOutboundClient

GuardedClient = OutboundClient | PooledOutboundClient
"""Either guarded client: the same ``request``, ``check`` and ``aclose``."""

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TOTAL_S",
    "MAX_REDIRECTS",
    "Address",
    "Guard",
    "GuardedClient",
    "Network",
    "OutboundClient",
    "OutboundError",
    "OutboundPolicy",
    "OutboundRefusedError",
    "OutboundResponse",
    "PooledOutboundClient",
    "Resolver",
    "outbound_client",
    "pooled_outbound_client",
    "system_resolver",
]


def outbound_client(allow: str, **options: Any) -> OutboundClient:
    """The guarded client with the operator's allow-list (``WERKPLAATS_OUTBOUND_ALLOW``) and ``options``."""
    return OutboundClient(policy=OutboundPolicy.parse(allow), **options)


def pooled_outbound_client(allow: str, **options: Any) -> PooledOutboundClient:
    """The lean guarded client with the operator's allow-list and ``options``."""
    return PooledOutboundClient(policy=OutboundPolicy.parse(allow), **options)
