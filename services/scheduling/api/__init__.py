"""The scheduling HTTP API of design §4: partners publish their plans, everyone reads the shared agenda.

Routers are built from an :class:`ApiContext`; :func:`install` adds the error handling to the app.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.exceptions import RequestValidationError

from scheduling.api.activities import activities_router
from scheduling.api.agenda import agenda_router
from scheduling.api.conflicts import conflicts_router
from scheduling.api.context import ApiContext
from scheduling.api.errors import on_validation_error
from scheduling.api.occurrences import occurrences_router

__all__ = ["ApiContext", "install", "routers"]


def routers(context: ApiContext) -> list[APIRouter]:
    """Every router of the API."""
    return [
        activities_router(context),
        occurrences_router(context),
        agenda_router(context),
        conflicts_router(context),
    ]


def install(app: FastAPI) -> None:
    """Validation problems that name their field (the runtime limits request bodies)."""
    app.add_exception_handler(RequestValidationError, on_validation_error)
