"""The composition root of the initiatives service: ``build`` and ``create_app``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources

import structlog
from fastapi import FastAPI

from contracts.initiatives import INITIATIVES_ORGANISATION
from contracts.topics import (
    ORGANISATIONS,
    SCHEDULING_CONFLICTS,
    all_service_topics,
    dead_letter,
    partner_topics,
)
from initiatives import api, cli, deadlines, privacy, reminders
from initiatives.context import Clock, Context
from initiatives.demo import publish_demo
from initiatives.domain.assignment import Builder
from initiatives.domain.workdays import dutch_holidays
from initiatives.sealing import Sealer, key_from_file
from initiatives.settings import InitiativesSettings
from initiatives.store import unit_of_work
from initiatives.subscribers import subscribe
from werkplaats.auth import Authenticator
from werkplaats.background import BackgroundTask
from werkplaats.db import Database
from werkplaats.kafka_address import resolve_bootstrap
from werkplaats.migrations import upgrade
from werkplaats.organisations import OrganisationDirectory
from werkplaats.runtime import ServiceRuntime
from werkplaats.services import ServiceAccess, ServiceDefinition

NAME = "initiatives"
TITLE = "Werkplaats initiatives"
DESCRIPTION = (
    "Residents' initiatives: submission without an account, intake by community builders within Dutch "
    "working days, support log, subsidy fit, planned activities in the shared agenda."
)
log = structlog.get_logger(__name__)


def migrations_location() -> str:
    """Where the initiatives migrations live."""
    return str(resources.files("initiatives").joinpath("migrations"))


def make_context(settings: InitiativesSettings, clock: Clock | None = None) -> Context:
    """The use cases' context from the settings (the key file is created on first use)."""
    keys = [key.get_secret_value() for key in settings.encryption_keys]
    if not keys:
        keys = [key_from_file(settings.data_dir / "initiatives.key")]
    return Context(
        builders=[Builder(b.id, b.pseudonym, tuple(b.wijken)) for b in settings.builders],
        sealer=Sealer(keys),
        first_contact_working_days=settings.first_contact_working_days,
        contact_retention=timedelta(days=settings.contact_retention_days),
        clock=clock or (lambda: datetime.now(UTC)),
    )


class Keeper:
    """Keeps the deadlines: overdue first contacts, subsidy reminders, erasure of expired contact data."""

    def __init__(self, database: Database, context: Context, interval_s: float) -> None:
        self.database = database
        self.context = context
        self.interval_s = interval_s
        self._background = BackgroundTask(self.run, "initiatives-keeper")

    async def tick(self) -> tuple[int, int]:
        """Raise what is overdue and erase what expired; how many of each."""
        async with unit_of_work(self.database) as unit:
            overdue = await deadlines.raise_overdue(self.context, unit)
        async with unit_of_work(self.database) as unit:
            erased = await privacy.erase_expired(self.context, unit)
        if overdue or erased:
            log.info("deadlines_kept", overdue=overdue, contact_data_erased=erased)
        return overdue, erased

    async def remind(self) -> int:
        """Publish the subsidy reminders due; how many went out."""
        async with unit_of_work(self.database) as unit:
            sent = await reminders.send_subsidy_reminders(self.context, unit)
        if sent:
            log.info("subsidy_reminders_sent", reminders=sent)
        return sent

    async def run(self) -> None:
        """Tick until cancelled; a failed tick is logged and tried again next time."""
        while True:
            try:
                await self.tick()
                await self.remind()
            except Exception:
                log.exception("initiatives_keeper_failed")
            await asyncio.sleep(self.interval_s)

    def start(self) -> None:
        """Run in the background."""
        self._background.start()

    async def stop(self) -> None:
        """Stop ticking."""
        await self._background.stop()


@dataclass
class InitiativesService:
    """The parts of one initiatives process."""

    runtime: ServiceRuntime
    context: Context
    keeper: Keeper
    directory: OrganisationDirectory
    authenticator: Authenticator


def create_service(
    settings: InitiativesSettings | None = None,
    *,
    bootstrap_servers: str | None = None,
    clock: Clock | None = None,
) -> InitiativesService:
    """Wire the service: context, consumer, keeper, directory, migrations and topics."""
    settings = settings or InitiativesSettings()
    bootstrap = bootstrap_servers or resolve_bootstrap(settings)
    runtime = ServiceRuntime(NAME, settings, bootstrap_servers=bootstrap)
    context = make_context(settings, clock)
    directory = OrganisationDirectory(bootstrap, security=settings)
    keeper = Keeper(runtime.database, context, settings.overdue_check_s)
    subscribe(runtime)

    async def prepare() -> None:
        await upgrade(runtime.database, migrations_location())
        dutch_holidays().get(datetime.now(UTC).date())  # load the holiday tables before the first request
        await runtime.ensure_topics([*all_service_topics(), *partner_topics(INITIATIVES_ORGANISATION)])
        await directory.start()
        keeper.start()

    async def finish() -> None:
        await keeper.stop()
        await directory.stop()

    runtime.startup.append(prepare)
    runtime.shutdown.append(finish)
    return InitiativesService(runtime, context, keeper, directory, Authenticator(directory))


def create_runtime(
    settings: InitiativesSettings | None = None, *, bootstrap_servers: str | None = None
) -> ServiceRuntime:
    """The initiatives service's runtime (consumer, keeper, relay), without HTTP."""
    return create_service(settings, bootstrap_servers=bootstrap_servers).runtime


def create_app(
    settings: InitiativesSettings | None = None,
    *,
    bootstrap_servers: str | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    """The initiatives service as an ASGI app; its lifespan runs the consumer, keeper and relay."""
    settings = settings or InitiativesSettings()
    service = create_service(settings, bootstrap_servers=bootstrap_servers, clock=clock)
    runtime = service.runtime
    context = api.ApiContext(runtime.database, service.context, service.authenticator)
    app = runtime.http_app(*api.routers(context), title=TITLE, description=DESCRIPTION, service=service)
    api.install(app)
    app.add_middleware(
        api.SubmissionGuard,
        per_minute=settings.submissions_per_minute,
        max_bytes=settings.max_submission_bytes,
        client_header=settings.trusted_proxy_header,
    )
    return app


SERVICE = ServiceDefinition(
    name=NAME,
    settings=InitiativesSettings,
    create_app=create_app,
    create_runtime=create_runtime,
    cli=cli.register,
    demo=publish_demo,
    access=ServiceAccess(
        reads=(SCHEDULING_CONFLICTS, ORGANISATIONS),
        writes=("initiatives.", "partner.initiatives.", dead_letter(SCHEDULING_CONFLICTS)),
        creates=("initiatives.", "partner.initiatives."),
    ),
)
"""The initiatives service as ``werkplaats`` finds it (entry point ``werkplaats.services``)."""
