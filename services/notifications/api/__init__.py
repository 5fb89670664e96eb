"""The HTTP API of notifications: subscriptions, organisations' webhooks and the live feed (operations).

Routers are built from an :class:`ApiContext`; :func:`install` adds the error handling to the app.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, FastAPI

from notifications.api.errors import install_error_handlers
from notifications.api.feed import feed_router
from notifications.api.subscriptions import subscriptions_router
from werkplaats.auth import Authenticator
from werkplaats.db import Database
from werkplaats.outbound import GuardedClient

__all__ = ["ApiContext", "install", "routers"]


@dataclass(frozen=True)
class ApiContext:
    """The parts of the service the HTTP routes use."""

    database: Database
    auth: Authenticator
    outbound: GuardedClient


def routers(context: ApiContext) -> list[APIRouter]:
    """Every router of the API."""
    return [
        subscriptions_router(context.database, context.auth, context.outbound),
        feed_router(context.database, context.auth),
    ]


def install(app: FastAPI) -> None:
    """Validation problems that name their field."""
    install_error_handlers(app)
