"""The notifications store: its tables, repositories and unit of work (SQL, and in memory for tests)."""

from notifications.store.tables import (
    ConflictRow,
    DigestItemRow,
    EndpointRow,
    FeedRow,
    NotificationRow,
    NotificationsBase,
    OrganisationWebhookRow,
    SettledDeliveryRow,
    SubscriptionRow,
    utc,
    utc_or_none,
)
from notifications.store.unit_of_work import NotificationsUnitOfWork, SqlNotificationsUnitOfWork

__all__ = [
    "ConflictRow",
    "DigestItemRow",
    "EndpointRow",
    "FeedRow",
    "NotificationRow",
    "NotificationsBase",
    "NotificationsUnitOfWork",
    "OrganisationWebhookRow",
    "SettledDeliveryRow",
    "SqlNotificationsUnitOfWork",
    "SubscriptionRow",
    "utc",
    "utc_or_none",
]
