"""The dashboard's web edge: pages, sign-in, the live stream and the calendar feed.

Routers are built from a :class:`WebContext`; :func:`install` adds the error pages and the security
middleware (headers, CSRF nonce cookie) to the app.
"""

from __future__ import annotations

from importlib import resources
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from dashboard.api.agenda import agenda_router
from dashboard.api.auth import auth_router
from dashboard.api.centres import centres_router
from dashboard.api.charts import charts_router
from dashboard.api.conflicts import conflicts_router, render_change
from dashboard.api.context import WebContext
from dashboard.api.drafts import drafts_router
from dashboard.api.initiatives import initiatives_router
from dashboard.api.reports import reports_router
from dashboard.api.residents import residents_router
from dashboard.api.security import CsrfError, ForbiddenError, SecurityMiddleware, SignInRequiredError
from dashboard.api.volunteers import volunteers_router
from werkplaats.organisations import OrganisationDirectory

__all__ = ["WebContext", "install", "render_change", "routers"]


def routers(web: WebContext, directory: OrganisationDirectory) -> list[APIRouter]:
    """Every router of the dashboard."""
    return [
        auth_router(web),
        conflicts_router(web, directory),
        agenda_router(web),
        drafts_router(web),
        centres_router(web),
        residents_router(web),
        charts_router(web),
        initiatives_router(web),
        volunteers_router(web),
        reports_router(web),
    ]


def install(app: FastAPI, web: WebContext) -> None:
    """Static files, the security middleware, sign-in redirects and readable error pages."""
    static = resources.files("dashboard").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    app.add_middleware(SecurityMiddleware, cookies=web.cookies)

    @app.exception_handler(SignInRequiredError)
    async def sign_in_first(request: Request, _: Exception) -> Response:
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/aanmelden?terug={quote(back, safe='/')}", status_code=303)

    @app.exception_handler(ForbiddenError)
    async def forbidden(request: Request, _: Exception) -> Response:
        return web.page(request, await web.person(request), "forbidden.html", status=403)

    @app.exception_handler(CsrfError)
    async def stale_form(request: Request, _: Exception) -> Response:
        return web.page(request, await web.person(request), "stale_form.html", status=403)

    @app.exception_handler(404)
    async def not_found(request: Request, _: Exception) -> Response:
        return web.page(request, await web.person(request), "not_found.html", status=404)
