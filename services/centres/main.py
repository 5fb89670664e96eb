"""The composition root of the centres service: ``create_service``, ``create_runtime`` and ``create_app``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from importlib import resources

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from centres import api, cli
from centres.domain.allowance import load_caps
from centres.dryrun import SchedulingDryRun
from centres.sealing import Sealer, keys_from
from centres.service.common import Clock, Context, system_clock
from centres.settings import CentresSettings
from centres.store import CentreRow
from centres.subscribers import subscribe
from centres.ticker import Ticker
from contracts.topics import (
    ORGANISATIONS,
    SCHEDULING_CONFLICTS,
    all_service_topics,
    dead_letter,
    partner_topics,
)
from werkplaats.auth import Authenticator
from werkplaats.background import BackgroundTask
from werkplaats.kafka_address import resolve_bootstrap
from werkplaats.migrations import upgrade
from werkplaats.organisations import OrganisationDirectory
from werkplaats.runtime import ServiceRuntime
from werkplaats.services import ServiceAccess, ServiceDefinition

NAME = "centres"
TITLE = "Werkplaats centres"
DESCRIPTION = (
    "Community centres and rooms everybody can see, bookings published as the centre's activities, "
    "coaching, budgets, subsidies, volunteers and the tax-free allowance within the law."
)


def migrations_location() -> str:
    """Where the centres migrations live."""
    return str(resources.files("centres").joinpath("migrations"))


def context_of(settings: CentresSettings, clock: Clock = system_clock) -> Context:
    """The use cases' context: the data keys, the caps, the clock and the reminder and warning steps."""
    secret = settings.data_keys.get_secret_value() if settings.data_keys else None
    return Context(
        sealer=Sealer(keys_from(secret, settings.data_dir / "centres.key")),
        caps=load_caps(),
        clock=clock,
        reminder_days=tuple(settings.reminder_days),
        warning_percents=tuple(settings.warning_percents),
    )


@dataclass
class CentresService:
    """The parts of one centres process."""

    runtime: ServiceRuntime
    context: Context
    directory: OrganisationDirectory
    authenticator: Authenticator
    ticker: Ticker
    dry_run: SchedulingDryRun | None


def create_service(
    settings: CentresSettings | None = None,
    *,
    bootstrap_servers: str | None = None,
    clock: Clock | None = None,
) -> CentresService:
    """Wire the service: database and migrations, topics, outbox relay, directory, ticker, dry run."""
    settings = settings or CentresSettings()
    bootstrap = bootstrap_servers or resolve_bootstrap(settings)
    runtime = ServiceRuntime(NAME, settings, bootstrap_servers=bootstrap)
    context = context_of(settings, clock or system_clock)
    directory = OrganisationDirectory(bootstrap, security=settings)
    ticker = Ticker(runtime.database, context, settings.tick_s)
    client = httpx.AsyncClient(timeout=10)
    dry_run = None
    if settings.scheduling_url and settings.scheduling_api_key:
        dry_run = SchedulingDryRun(
            client, settings.scheduling_url, settings.scheduling_api_key.get_secret_value()
        )
    topics_watch = BackgroundTask(lambda: _ensure_partner_topics(runtime), "centres-topics")
    subscribe(runtime)

    async def prepare() -> None:
        await upgrade(runtime.database, migrations_location())
        await runtime.ensure_topics(all_service_topics())
        await _ensure_partner_topics(runtime, once=True)
        await directory.start()
        ticker.start()
        topics_watch.start()

    async def finish() -> None:
        await topics_watch.stop()
        await ticker.stop()
        await directory.stop()
        await client.aclose()

    runtime.startup.append(prepare)
    runtime.shutdown.append(finish)
    return CentresService(runtime, context, directory, Authenticator(directory), ticker, dry_run)


async def _ensure_partner_topics(runtime: ServiceRuntime, *, once: bool = False) -> None:
    """Keep the activities topic of every centre's organisation in existence (the relay publishes there)."""
    while True:
        async with runtime.database.sessions() as session:
            organisations = set(await session.scalars(select(CentreRow.organisation)))
        for organisation in sorted(organisations):
            await runtime.ensure_topics(partner_topics(organisation))
        if once:
            return
        await asyncio.sleep(2.0)


def create_runtime(
    settings: CentresSettings | None = None, *, bootstrap_servers: str | None = None
) -> ServiceRuntime:
    """The centres service's runtime (relay, ticker), without HTTP."""
    return create_service(settings, bootstrap_servers=bootstrap_servers).runtime


def create_app(
    settings: CentresSettings | None = None,
    *,
    bootstrap_servers: str | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    """The centres service as an ASGI app; its lifespan runs the relay and the ticker."""
    service = create_service(settings, bootstrap_servers=bootstrap_servers, clock=clock)
    runtime = service.runtime

    async def topics_for(organisation: str) -> None:
        await runtime.ensure_topics(partner_topics(organisation))

    context = api.ApiContext(
        runtime.database, service.context, service.authenticator, service.dry_run, topics_for
    )
    app = runtime.http_app(*api.routers(context), title=TITLE, description=DESCRIPTION, service=service)
    api.install(app)
    return app


async def _load_demo(bootstrap: str) -> int:
    from centres.demo import load_demo

    return await load_demo(bootstrap)


SERVICE = ServiceDefinition(
    name=NAME,
    settings=CentresSettings,
    create_app=create_app,
    create_runtime=create_runtime,
    cli=cli.register,
    demo=_load_demo,
    access=ServiceAccess(
        reads=(SCHEDULING_CONFLICTS, ORGANISATIONS),
        writes=("centres.", "partner.", dead_letter(SCHEDULING_CONFLICTS)),
        creates=("centres.", "partner."),
    ),
)
"""The centres service as ``werkplaats`` finds it (entry point ``werkplaats.services``)."""
