"""The composition root of the dashboard: ``create_service``, ``create_runtime``, ``create_app``."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import httpx
from fastapi import FastAPI

from contracts.topics import (
    CENTRES_EVENTS,
    ORGANISATIONS,
    SCHEDULING_AGENDA,
    SCHEDULING_CONFLICTS,
    dead_letter,
)
from dashboard import api, cli
from dashboard.api.context import WebContext
from dashboard.api.rendering import Templates
from dashboard.api.security import CookiePolicy
from dashboard.demo import demo_notes, prepare_demo
from dashboard.owners import OwnerClient, Reach, Scheduling
from dashboard.service import Passwords, ReadModel
from dashboard.service.live import Change, LiveFeed
from dashboard.settings import DashboardSettings
from dashboard.subscribers import subscribe, subscribe_volunteers
from werkplaats.kafka_address import resolve_bootstrap
from werkplaats.migrations import upgrade
from werkplaats.organisations import OrganisationDirectory
from werkplaats.runtime import ServiceRuntime
from werkplaats.services import ServiceAccess, ServiceDefinition

NAME = "dashboard"
TITLE = "Werkplaats dashboard"
DESCRIPTION = "Where operations staff, community builders and coordinators work: live, in Dutch."


def migrations_location() -> str:
    """Where the dashboard migrations live."""
    return str(resources.files("dashboard").joinpath("migrations"))


@dataclass
class DashboardService:
    """The parts of one dashboard process."""

    runtime: ServiceRuntime
    web: WebContext
    directory: OrganisationDirectory


def passwords_of(settings: DashboardSettings) -> Passwords:
    """Password hashing at the configured cost."""
    return Passwords(
        memory_kib=settings.password_memory_kib,
        time_cost=settings.password_time_cost,
        parallelism=settings.password_parallelism,
    )


def create_service(
    settings: DashboardSettings | None = None, *, bootstrap_servers: str | None = None
) -> DashboardService:
    """Wire the dashboard: read-model consumer, live feed, the owners' clients, directory, migrations."""
    settings = settings or DashboardSettings()
    bootstrap = bootstrap_servers or resolve_bootstrap(settings)
    runtime = ServiceRuntime(NAME, settings, bootstrap_servers=bootstrap)
    directory = OrganisationDirectory(bootstrap, security=settings)
    client = httpx.AsyncClient(timeout=10)
    key = settings.operations_key.get_secret_value() if settings.operations_key else None
    scheduling = OwnerClient(client, settings.scheduling_url, key)
    web: WebContext

    def render(change: Change, language: str) -> dict[str, object]:
        return api.render_change(web, change, language)

    live = LiveFeed(runtime.database, render, poll_s=settings.live_poll_s, heartbeat_s=settings.heartbeat_s)
    web = WebContext(
        settings=settings,
        database=runtime.database,
        templates=Templates(),
        cookies=CookiePolicy(
            secure=settings.secure_cookies, session_seconds=int(settings.session_hours * 3600)
        ),
        live=live,
        scheduling=Scheduling(scheduling),
        initiatives=OwnerClient(client, settings.initiatives_url, key),
        centres=OwnerClient(client, settings.centres_url, key),
        reach=Reach(OwnerClient(client, settings.reach_url, key)),
        passwords=passwords_of(settings),
    )
    subscribe(runtime, ReadModel(on_changed=live.wake), from_beginning=settings.start_from == "earliest")
    subscribe_volunteers(runtime, from_beginning=settings.start_from == "earliest")

    async def prepare() -> None:
        await upgrade(runtime.database, migrations_location())
        await web.load_secrets()
        if settings.demo:
            demo_key = await prepare_demo(runtime.database, web.passwords, settings, bootstrap)
            for owner in (scheduling, web.initiatives, web.centres, web.reach.owner):
                owner.key = owner.key or demo_key
        await directory.start()
        await live.start()

    async def finish() -> None:
        await live.stop()
        await directory.stop()
        await client.aclose()

    runtime.startup.append(prepare)
    runtime.shutdown.append(finish)
    return DashboardService(runtime, web, directory)


def create_runtime(
    settings: DashboardSettings | None = None, *, bootstrap_servers: str | None = None
) -> ServiceRuntime:
    """The dashboard's runtime (read-model consumer, live feed) without HTTP."""
    return create_service(settings, bootstrap_servers=bootstrap_servers).runtime


def create_app(settings: DashboardSettings | None = None, *, bootstrap_servers: str | None = None) -> FastAPI:
    """The dashboard as an ASGI app; its lifespan runs the read-model consumer and the live feed."""
    service = create_service(settings, bootstrap_servers=bootstrap_servers)
    runtime, web = service.runtime, service.web
    app = runtime.http_app(
        *api.routers(web, service.directory),
        title=TITLE,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        service=service,
    )
    api.install(app, web)
    return app


SERVICE = ServiceDefinition(
    name=NAME,
    settings=DashboardSettings,
    create_app=create_app,
    create_runtime=create_runtime,
    cli=cli.register,
    notes=demo_notes,
    access=ServiceAccess(
        reads=(SCHEDULING_CONFLICTS, SCHEDULING_AGENDA, CENTRES_EVENTS, ORGANISATIONS),
        writes=(
            "dashboard.",
            dead_letter(SCHEDULING_CONFLICTS),
            dead_letter(SCHEDULING_AGENDA),
            dead_letter(CENTRES_EVENTS),
        ),
        creates=("dashboard.",),
    ),
)
"""The dashboard as ``werkplaats`` finds it (entry point ``werkplaats.services``)."""
