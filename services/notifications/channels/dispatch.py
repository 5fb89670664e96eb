"""Which channel carries a delivery: e-mail or a signed webhook, as the delivery was recorded."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence

from contracts import RecipientKind
from notifications.channels import PermanentDeliveryError
from notifications.channels.email import EmailChannel
from notifications.channels.initiators import InitiatorAddresses
from notifications.channels.webhook import WebhookChannel
from notifications.notification import notification_of
from notifications.store import NotificationRow

SecretsOf = Callable[[Iterable[str]], Awaitable[dict[str, str | None]]]
PREPARED_FOR_S = 600.0
"""A secret read for a delivery that was not sent within this long is dropped (its lease has ended)."""


class Channels:
    """Sends each delivery through its channel, with its typed notification."""

    def __init__(
        self,
        email: EmailChannel,
        webhook: WebhookChannel,
        secret_of: Callable[[str], Awaitable[str | None]],
        initiators: InitiatorAddresses | None = None,
        secrets_of: SecretsOf | None = None,
    ) -> None:
        self.email = email
        self.webhook = webhook
        self.secret_of = secret_of
        """The signing secret of a recipient reference, read at send time (rows never hold it)."""
        self.initiators = initiators
        self.secrets_of = secrets_of
        """The secrets of many recipients at once, for a batch about to be sent."""
        self._prepared: dict[str, tuple[str | None, float]] = {}

    async def prepare(self, rows: Sequence[NotificationRow]) -> None:
        """Read the signing secrets of a batch about to be sent in one go, instead of one read per send."""
        refs = {row.recipient_ref for row in rows if row.channel == "webhook"}
        if not refs or self.secrets_of is None:
            return
        secrets = await self.secrets_of(refs)
        now = time.monotonic()
        self._drop_stale(now)
        for row in rows:
            if row.channel == "webhook":
                self._prepared[row.notification_id] = (secrets.get(row.recipient_ref), now)

    def remember(self, secrets: Mapping[str, str]) -> None:
        """Keep the secrets of deliveries about to be sent, by delivery id, as read with their decision."""
        now = time.monotonic()
        self._drop_stale(now)
        for notification_id, secret in secrets.items():
            self._prepared[notification_id] = (secret, now)

    def _drop_stale(self, now: float) -> None:
        stale = [key for key, (_, at) in self._prepared.items() if now - at > PREPARED_FOR_S]
        for key in stale:
            del self._prepared[key]

    async def _secret(self, row: NotificationRow) -> str | None:
        prepared = self._prepared.pop(row.notification_id, None)
        if prepared is not None:
            return prepared[0]
        return await self.secret_of(row.recipient_ref)

    async def send(self, row: NotificationRow) -> None:
        """Send one delivery; a DeliveryError says it did not arrive."""
        notification = notification_of(row.payload)
        if row.channel == "webhook":
            secret = await self._secret(row)
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
