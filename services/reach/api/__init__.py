"""The reach HTTP API: partners report over HTTP; figures and advice for policy officers and planners.

``pages`` is the public participation report per wijk (HTML, no key).
"""

from typing import Any

from fastapi import APIRouter

from reach.api.context import ApiContext
from reach.api.knowledge import knowledge_router
from reach.api.pages import pages_router
from reach.api.reports import follow_up_router, reports_router

__all__ = ["ApiContext", "install", "pages_router", "routers"]


def routers(context: ApiContext) -> list[APIRouter]:
    """Every router of the reach API (the public pages are added by ``main``)."""
    return [reports_router(context), follow_up_router(context), knowledge_router(context)]


def install(app: Any) -> None:
    """Nothing beyond FastAPI's own error mapping: refusals are raised as 404 or 422 naming the field."""
