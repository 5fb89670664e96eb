"""How notifications travel: e-mail over SMTP, signed webhooks, and the live feed (SSE).

Errors::

    DeliveryError              a send did not succeed
    └── PermanentDeliveryError retrying can never help (e.g. the address is refused)
"""

from __future__ import annotations


class DeliveryError(Exception):
    """A send did not succeed; it is retried with backoff until the retry budget is spent."""


class PermanentDeliveryError(DeliveryError):
    """A send that can never succeed; it fails at once."""


__all__ = ["DeliveryError", "PermanentDeliveryError"]
