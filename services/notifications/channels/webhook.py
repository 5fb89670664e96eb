"""Webhooks: a JSON POST signed with HMAC-SHA256 over ``timestamp + "." + body``, with a stable delivery id.

Receivers verify ``X-Werkplaats-Signature: sha256=<hex>`` against their secret, reject a
``X-Werkplaats-Timestamp`` older than a few minutes (replays), and drop an ``X-Werkplaats-Delivery``
id they have seen before (a retry after a lost answer carries the same id).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import urlsplit

from notifications.channels import DeliveryError, PermanentDeliveryError, rendering
from notifications.notification import Notification
from werkplaats.outbound import GuardedClient, OutboundError, OutboundRefusedError

TIMESTAMP = "X-Werkplaats-Timestamp"
SIGNATURE = "X-Werkplaats-Signature"
DELIVERY = "X-Werkplaats-Delivery"
EVENT = "X-Werkplaats-Event"
REPLAY_WINDOW_S = 300
MAX_ANSWER_BYTES = 64 * 1024
"""A receiver's answer is read up to this size; a longer one is a failed attempt."""


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256 with ``secret`` over ``timestamp + "." + body``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    secret: str,
    headers: dict[str, str],
    body: bytes,
    *,
    now: float | None = None,
    window_s: int = REPLAY_WINDOW_S,
) -> bool:
    """What a receiver checks: a valid signature and a fresh timestamp (header names case-insensitive)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    timestamp = lowered.get(TIMESTAMP.lower(), "")
    given = lowered.get(SIGNATURE.lower(), "")
    if not timestamp.isdigit():
        return False
    if abs((now if now is not None else time.time()) - int(timestamp)) > window_s:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), given)


def endpoint_of(url: str) -> str:
    """The endpoint a URL's backoff state belongs to: scheme, host, port and path (no query)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


class WebhookChannel:
    """POSTs signed notifications through the guarded client; not 2xx, too slow or too long is a failure."""

    def __init__(self, client: GuardedClient, dashboard_url: str) -> None:
        self.client = client
        self.dashboard_url = dashboard_url

    async def send(self, notification_id: str, url: str, secret: str, notification: Notification) -> None:
        """POST one notification; raise a DeliveryError when the receiver does not accept it."""
        body = json.dumps(
            rendering.webhook_body(notification_id, notification, self.dashboard_url), separators=(",", ":")
        ).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP: timestamp,
            SIGNATURE: signature(secret, timestamp, body),
            DELIVERY: notification_id,
            EVENT: notification.type,
        }
        try:
            response = await self.client.request(
                "POST", url, content=body, headers=headers, max_bytes=MAX_ANSWER_BYTES
            )
        except OutboundRefusedError as error:
            raise PermanentDeliveryError(f"webhook refused: {error}") from error
        except OutboundError as error:
            raise DeliveryError(f"webhook: {error}") from error
        if response.status_code == 410:  # Gone: the receiver asks never to be called again
            raise PermanentDeliveryError(f"webhook answered {response.status_code}")
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"webhook answered {response.status_code}")
