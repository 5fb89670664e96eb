"""Where an initiator's reminder goes: the address is asked of the initiatives service at send time.

The address never travels on a topic and is never stored here: a delivery to an initiator records
``initiator:<initiative id>`` and the e-mail channel is handed the address only for the send.
"""

from __future__ import annotations

import httpx

from notifications.channels import DeliveryError, PermanentDeliveryError

PREFIX = "initiator:"


def initiator_ref(initiative_id: str) -> str:
    """The recipient reference (and stored address) of an initiative's initiator."""
    return f"{PREFIX}{initiative_id}"


class InitiatorAddresses:
    """Asks the initiatives service for an initiator's e-mail address, with an operations key."""

    def __init__(self, client: httpx.AsyncClient, base_url: str, key: str | None) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.key = key

    async def address(self, ref: str) -> str:
        """The e-mail address behind ``initiator:<initiative id>``; a DeliveryError when there is none now."""
        initiative_id = ref.removeprefix(PREFIX)
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        url = f"{self.base_url}/v1/initiatives/{initiative_id}/contact-address"
        try:
            response = await self.client.get(url, headers=headers)
        except httpx.HTTPError as error:
            raise DeliveryError(f"initiatives did not answer: {type(error).__name__}") from None
        if response.status_code == 404:
            raise PermanentDeliveryError("the initiatives service knows no such initiative")
        if response.status_code != 200:
            raise DeliveryError(f"initiatives answered {response.status_code} for the initiator's address")
        email = response.json().get("email")
        if not email:
            raise PermanentDeliveryError("the initiator left no e-mail address, or it was erased")
        return str(email)
