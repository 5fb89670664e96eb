"""The operations guide documents every notifications setting and the webhook headers."""

from __future__ import annotations

from pathlib import Path

from notifications.channels import webhook
from notifications.settings import NotificationsSettings

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "operations.md"


def test_every_notifications_setting_is_documented() -> None:
    text = GUIDE.read_text()
    for name, field in NotificationsSettings.model_fields.items():
        if field.validation_alias is None:
            assert f"`NOTIFICATIONS_{name.upper()}`" in text, name


def test_the_webhook_headers_are_documented() -> None:
    text = GUIDE.read_text()
    for header in (webhook.DELIVERY, webhook.TIMESTAMP, webhook.SIGNATURE, webhook.EVENT):
        assert f"`{header}`" in text
