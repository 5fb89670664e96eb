"""Alembic environment of the notifications service; run through werkplaats.migrations.upgrade."""

from notifications.store import NotificationsBase
from werkplaats.migrations import run_environment

run_environment(NotificationsBase.metadata, "alembic_version_notifications")
