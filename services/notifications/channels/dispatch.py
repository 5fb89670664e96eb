"""Which channel carries a delivery: e-mail or a signed webhook, as the delivery was recorded."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from contracts import RecipientKind
from notifications.channels import PermanentDeliveryError
from notifications.channels.email import EmailChannel
from notifications.channels.initiators import InitiatorAddresses
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
        initiators: InitiatorAddresses | None = None,
    ) -> None:
        self.email = email
        self.webhook = webhook
        self.secret_of = secret_of
        """The signing secret of a recipient reference, read at send time (rows never hold it)."""
        self.initiators = initiators

    async def send(self, row: NotificationRow) -> None:
        """Send one delivery; a DeliveryError says it did not arrive."""
        notification = notification_of(row.payload)
        if row.channel == "webhook":
            secret = await self.secret_of(row.recipient_ref)
            if not secret:
                raise PermanentDeliveryError(f"{row.recipient_ref} has no webhook any more")
            await self.webhook.send(row.notification_id, row.address, secret, notification)
        else:
            await self.email.send(row.notification_id, await self._email_address(row), notification)

    async def _email_address(self, row: NotificationRow) -> str:
        """The recorded address; an initiator's is asked of the initiatives service now."""
        if row.recipient_kind != RecipientKind.INITIATOR.value:
            return row.address
        if self.initiators is None:
            raise PermanentDeliveryError("no initiatives service is configured to ask the address of")
        return await self.initiators.address(row.address)
