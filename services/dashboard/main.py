"""The composition root of the dashboard: ``create_app(settings=None)``."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from dashboard.accounts import Passwords
from dashboard.demo import prepare_demo
from dashboard.live import LiveFeed
from dashboard.owners import OwnerClient, Scheduling
from dashboard.readmodel import ReadModel
from dashboard.settings import DashboardSettings
from dashboard.subscribers import subscribe
from dashboard.web.agenda import agenda_router
from dashboard.web.auth import auth_router
from dashboard.web.conflicts import conflicts_router, render_change
from dashboard.web.context import WebContext
from dashboard.web.drafts import drafts_router
from dashboard.web.rendering import Templates
from dashboard.web.security import (
    CookiePolicy,
    CsrfError,
    ForbiddenError,
    SecurityMiddleware,
    SignInRequiredError,
)
from werkplaats.kafka_address import resolve_bootstrap
from werkplaats.migrations import upgrade
from werkplaats.organisations import OrganisationDirectory
from werkplaats.runtime import ServiceRuntime

NAME = "dashboard"


def migrations_location() -> str:
    """Where the dashboard migrations live."""
    return str(resources.files("dashboard").joinpath("migrations"))


@dataclass
class Dashboard:
    """The parts of one dashboard process."""

    runtime: ServiceRuntime
    web: WebContext
    directory: OrganisationDirectory


def build(settings: DashboardSettings | None = None, *, bootstrap_servers: str | None = None) -> Dashboard:
    """Wire the dashboard: read model consumer, live feed, owners' clients, directory, migrations."""
    settings = settings or DashboardSettings()
    bootstrap = bootstrap_servers or resolve_bootstrap(settings)
    runtime = ServiceRuntime(NAME, settings, bootstrap_servers=bootstrap)
    directory = OrganisationDirectory(bootstrap, security=settings)
    client = httpx.AsyncClient(timeout=10)
    key = settings.operations_key.get_secret_value() if settings.operations_key else None
    scheduling = OwnerClient(client, settings.scheduling_url, key)
    templates = Templates()
    cookies = CookiePolicy(secure=settings.secure_cookies, session_seconds=int(settings.session_hours * 3600))
    web: WebContext

    def render(change: object, language: str) -> dict[str, object]:
        return render_change(web, change, language)  # type: ignore[arg-type]

    live = LiveFeed(runtime.database, render, poll_s=settings.live_poll_s, heartbeat_s=settings.heartbeat_s)
    web = WebContext(
        settings=settings,
        database=runtime.database,
        templates=templates,
        cookies=cookies,
        live=live,
        scheduling=Scheduling(scheduling),
        initiatives=OwnerClient(client, settings.initiatives_url),
        centres=OwnerClient(client, settings.centres_url),
        passwords=passwords_of(settings),
    )
    model = ReadModel(on_changed=live.wake)
    subscribe(runtime, model, from_beginning=settings.start_from == "earliest")

    async def prepare() -> None:
        await upgrade(runtime.database, migrations_location())
        await web.load_secrets()
        if settings.demo:
            demo_key = await prepare_demo(runtime.database, web.passwords, settings, bootstrap)
            if scheduling.key is None:
                scheduling.key = demo_key
        await directory.start()
        await live.start()

    async def finish() -> None:
        await live.stop()
        await directory.stop()
        await client.aclose()

    runtime.startup.append(prepare)
    runtime.shutdown.append(finish)
    return Dashboard(runtime, web, directory)


def passwords_of(settings: DashboardSettings) -> Passwords:
    """Password hashing at the configured cost."""
    return Passwords(
        memory_kib=settings.password_memory_kib,
        time_cost=settings.password_time_cost,
        parallelism=settings.password_parallelism,
    )


def create_app(settings: DashboardSettings | None = None, *, bootstrap_servers: str | None = None) -> FastAPI:
    """The dashboard as an ASGI app; its lifespan runs the read model consumer and the live feed."""
    dashboard = build(settings, bootstrap_servers=bootstrap_servers)
    runtime, web = dashboard.runtime, dashboard.web
    app = runtime.http_app(
        auth_router(web),
        conflicts_router(web, dashboard.directory),
        agenda_router(web),
        drafts_router(web),
        title="Werkplaats dashboard",
        description="Where operations staff, community builders and coordinators work.",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    static = resources.files("dashboard").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    install_error_pages(app, web)
    app.add_middleware(SecurityMiddleware, cookies=web.cookies)
    app.state.settings = runtime.settings
    app.state.runtime = runtime
    app.state.dashboard = dashboard
    return app


def install_error_pages(app: FastAPI, web: WebContext) -> None:
    """Sign-in redirects, and readable pages for refusals and missing pages."""

    @app.exception_handler(SignInRequiredError)
    async def sign_in_first(request: Request, _: Exception) -> Response:
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

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
