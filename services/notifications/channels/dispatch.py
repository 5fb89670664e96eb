"""Which channel carries a delivery: e-mail or a signed webhook, as the delivery was recorded."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from notifications.channels import PermanentDeliveryError
from notifications.channels.email import EmailChannel
from notifications.channels.webhook import WebhookChannel
from notifications.notification import notification_of
from notifications.store import NotificationRow


class Channels:
    """Sends each delivery through its channel, with its typed notification."""

    def __init__(
        self,
        email: EmailChannel,
        webhook: WebhookChannel,
        secret_of: Callable[[str], Awaitable[str | None]],
    ) -> None:
        self.email = email
        self.webhook = webhook
        self.secret_of = secret_of
        """The signing secret of a recipient reference, read at send time (rows never hold it)."""

    async def send(self, row: NotificationRow) -> None:
        """Send one delivery; a DeliveryError says it did not arrive."""
        notification = notification_of(row.payload)
        if row.channel == "webhook":
            secret = await self.secret_of(row.recipient_ref)
            if not secret:
                raise PermanentDeliveryError(f"{row.recipient_ref} has no webhook any more")
            await self.webhook.send(row.notification_id, row.address, secret, notification)
        else:
            await self.email.send(row.notification_id, row.address, notification)
