"""The HTTP API of initiatives: the public submission and initiator routes, the staff and programme routes.

Routers are built from an :class:`ApiContext`; :func:`install` adds the error handling to the app.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, FastAPI

from initiatives.api.errors import install_error_handlers
from initiatives.api.guard import SubmissionGuard
from initiatives.api.programme import programme_router
from initiatives.api.public import public_router
from initiatives.api.staff import staff_router
from initiatives.context import Context
from werkplaats.auth import Authenticator
from werkplaats.db import Database

__all__ = ["ApiContext", "SubmissionGuard", "install", "routers"]


@dataclass(frozen=True)
class ApiContext:
    """The parts of the service the HTTP routes use."""

    database: Database
    context: Context
    auth: Authenticator


def routers(api: ApiContext) -> list[APIRouter]:
    """Every router of the API."""
    return [
        public_router(api.database, api.context),
        staff_router(api.database, api.context, api.auth),
        programme_router(api.database, api.context, api.auth),
    ]


def install(app: FastAPI) -> None:
    """Service errors and validation problems as 4xx answers that name the field."""
    install_error_handlers(app)
