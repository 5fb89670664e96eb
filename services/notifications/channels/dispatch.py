"""Which channel carries a delivery: e-mail or a signed webhook, as the delivery was recorded."""

from __future__ import annotations

from notifications.channels.email import EmailChannel
from notifications.channels.webhook import WebhookChannel
from notifications.notification import notification_of
from notifications.store import NotificationRow


class Channels:
    """Sends each delivery through its channel, with its typed notification."""

    def __init__(self, email: EmailChannel, webhook: WebhookChannel) -> None:
        self.email = email
        self.webhook = webhook

    async def send(self, row: NotificationRow) -> None:
        """Send one delivery; a DeliveryError says it did not arrive."""
        notification = notification_of(row.payload)
        if row.channel == "webhook":
            await self.webhook.send(row.notification_id, row.address, row.secret or "", notification)
        else:
            await self.email.send(row.notification_id, row.address, notification)
