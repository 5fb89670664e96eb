"""How notifications travel: e-mail over SMTP, signed webhooks, and the live feed (SSE).

Errors::

    NotificationsError         (notifications.domain) root of the service's errors
    └── DeliveryError          a send did not succeed
        └── PermanentDeliveryError  retrying can never help (e.g. the address is refused)
"""

from __future__ import annotations

from notifications.domain import NotificationsError


class DeliveryError(NotificationsError):
    """A send did not succeed; it is retried with backoff until the retry budget is spent."""


class PermanentDeliveryError(DeliveryError):
    """A send that can never succeed; it fails at once."""


__all__ = ["DeliveryError", "PermanentDeliveryError"]
