"""The HTTP API of notifications: subscriptions, organisations' webhooks and the live feed (operations)."""

from notifications.api.errors import install_error_handlers
from notifications.api.feed import feed_router
from notifications.api.subscriptions import subscriptions_router

__all__ = ["feed_router", "install_error_handlers", "subscriptions_router"]
