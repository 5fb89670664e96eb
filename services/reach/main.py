"""The composition root of the reach service: ``build``, ``create_runtime`` and ``create_app``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources

from fastapi import FastAPI

from contracts.topics import ORGANISATIONS, all_service_topics
from reach import api, cli
from reach.demo import publish_demo
from reach.service import Clock, Policy, Reach, Ticker
from reach.settings import ReachSettings
from reach.subscribers import subscribe
from werkplaats.auth import Authenticator
from werkplaats.kafka_address import resolve_bootstrap
from werkplaats.migrations import upgrade
from werkplaats.organisations import OrganisationDirectory
from werkplaats.runtime import ServiceRuntime
from werkplaats.services import ServiceAccess, ServiceDefinition

NAME = "reach"
TITLE = "Werkplaats reach knowledge"
DESCRIPTION = (
    "Which ways of reaching residents work, where and for whom. Organisers report how their activities "
    "went (`Authorization: Bearer <key>`: only on their own activities); figures and advice sum up the "
    "reports of every organisation; `/wijken/{wijk}` is the public participation report."
)


def migrations_location() -> str:
    """Where the reach migrations live."""
    return str(resources.files("reach").joinpath("migrations"))


@dataclass(frozen=True)
class ReachService:
    """The parts of one reach process."""

    runtime: ServiceRuntime
    reach: Reach
    ticker: Ticker
    directory: OrganisationDirectory


def policy_of(settings: ReachSettings) -> Policy:
    """The service's judgement as configured."""
    return Policy(
        minimum_reports=settings.minimum_reports,
        pending_grace=timedelta(seconds=settings.pending_grace_s),
        report_after=timedelta(days=settings.report_after_days),
        reminder_window=timedelta(days=settings.reminder_window_days),
    )


def create_service(
    settings: ReachSettings | None = None, *, bootstrap_servers: str | None = None, clock: Clock | None = None
) -> ReachService:
    """Wire the service: consumers, ticker, organisations, migrations and topics."""
    settings = settings or ReachSettings()
    bootstrap = bootstrap_servers or resolve_bootstrap(settings)
    runtime = ServiceRuntime(NAME, settings, bootstrap_servers=bootstrap)
    reach = Reach(policy_of(settings), clock or (lambda: datetime.now(UTC)))
    subscribe(runtime, reach, partner_pattern=settings.partner_topic_pattern)
    ticker = Ticker(runtime.database, reach, settings.tick_s)
    directory = OrganisationDirectory(bootstrap, security=settings)

    async def prepare() -> None:
        await upgrade(runtime.database, migrations_location())
        await runtime.ensure_topics(all_service_topics())
        await directory.start()
        ticker.start()

    async def finish() -> None:
        await ticker.stop()
        await directory.stop()

    runtime.startup.append(prepare)
    runtime.shutdown.append(finish)
    return ReachService(runtime, reach, ticker, directory)


def create_runtime(
    settings: ReachSettings | None = None, *, bootstrap_servers: str | None = None
) -> ServiceRuntime:
    """The reach service's runtime (consumers, ticker, relay), without HTTP."""
    return create_service(settings, bootstrap_servers=bootstrap_servers).runtime


def create_app(settings: ReachSettings | None = None, *, bootstrap_servers: str | None = None) -> FastAPI:
    """The reach service as an ASGI app; its lifespan runs consumers, ticker and relay."""
    service = create_service(settings, bootstrap_servers=bootstrap_servers)
    runtime = service.runtime
    assert isinstance(runtime.settings, ReachSettings)
    context = api.ApiContext(
        runtime=runtime,
        auth=Authenticator(service.directory, requests_per_minute=runtime.settings.requests_per_minute),
        minimum_reports=runtime.settings.minimum_reports,
        reach=service.reach,
    )
    app = runtime.http_app(
        *api.routers(context),
        api.pages_router(runtime.database, service.directory.names),
        title=TITLE,
        description=DESCRIPTION,
        service=service,
    )
    api.install(app)
    return app


SERVICE = ServiceDefinition(
    name=NAME,
    settings=ReachSettings,
    create_app=create_app,
    create_runtime=create_runtime,
    cli=cli.register,
    demo=publish_demo,
    access=ServiceAccess(
        reads=("partner.", "scheduling.agenda", "reach.", ORGANISATIONS),
        writes=("reach.", "partner."),
        creates=("reach.", "partner."),
    ),
)
"""The reach service as ``werkplaats`` finds it (entry point ``werkplaats.services``)."""
