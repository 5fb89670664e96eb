"""The composition root of the notifications service: ``create_runtime`` and ``create_app``."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources

import httpx
import structlog
from fastapi import FastAPI

from contracts import OrganisationRole
from contracts.topics import (
    ORGANISATIONS,
    REACH_EVENTS,
    SCHEDULING_CONFLICTS,
    all_service_topics,
    dead_letter,
)
from notifications import api, cli
from notifications.channels.dispatch import Channels
from notifications.channels.email import EmailChannel, SmtpConfig
from notifications.channels.initiators import InitiatorAddresses
from notifications.channels.webhook import WebhookChannel
from notifications.service.decisions import Clock, Notifier
from notifications.service.digests import run_digests
from notifications.service.handoff import Handoffs
from notifications.service.initiatives import InitiativeAlerts
from notifications.service.reach import ReachAlerts
from notifications.service.reconcile import record_settled, settled_since
from notifications.service.sending import Sender, SenderPolicy
from notifications.settings import NotificationsSettings
from notifications.store import SqlNotificationsUnitOfWork
from notifications.store.recipients import RecipientsCache
from notifications.store.secrets import webhook_secret, webhook_secrets
from notifications.subscribers import subscribe, subscribe_initiatives, subscribe_reach
from werkplaats.auth import Authenticator
from werkplaats.background import BackgroundTask
from werkplaats.consumer import UnitOfWorkFactory
from werkplaats.db import Database
from werkplaats.kafka_address import resolve_bootstrap
from werkplaats.migrations import upgrade
from werkplaats.organisations import OrganisationDirectory
from werkplaats.outbound import GuardedClient, pooled_outbound_client
from werkplaats.retry import Backoff, repeat
from werkplaats.runtime import ServiceRuntime
from werkplaats.services import ServiceAccess, ServiceDefinition
from werkplaats.settings import ServiceSettings

NAME = "notifications"
TITLE = "Werkplaats notifications"
DESCRIPTION = "Conflict warnings by e-mail, signed webhook and live feed; subscriptions."
log = structlog.get_logger(__name__)


def migrations_location() -> str:
    """Where the notifications migrations live."""
    return str(resources.files("notifications").joinpath("migrations"))


@dataclass
class NotificationsService:
    """The parts of one notifications process."""

    runtime: ServiceRuntime
    notifier: Notifier
    sender: Sender
    directory: OrganisationDirectory
    authenticator: Authenticator
    outbound: GuardedClient


class Ticker:
    """Checks now and then for follow-ups whose quiet period ended and for digests that are due."""

    def __init__(
        self,
        runtime: ServiceRuntime,
        notifier: Notifier,
        interval_s: float,
        units: UnitOfWorkFactory[SqlNotificationsUnitOfWork] = SqlNotificationsUnitOfWork,
    ) -> None:
        self.runtime = runtime
        self.notifier = notifier
        self.interval_s = interval_s
        self.units = units
        self._background = BackgroundTask(self.run, "notifications-ticker")

    async def tick(self) -> None:
        """Record the follow-ups and digests due now, in one transaction."""
        async with self.runtime.database.unit_of_work(self.units) as unit:
            await self.notifier.run_follow_ups(unit)
            if await run_digests(unit, self.notifier):
                unit.after_commit(self.notifier.on_decided)

    async def run(self) -> None:
        """Tick until cancelled; a failed tick is logged and tried again next time."""
        await repeat(
            self.tick,
            event="notifications_tick_failed",
            pause=self.interval_s,
            backoff=Backoff.constant(self.interval_s),
        )

    def start(self) -> None:
        """Run in the background."""
        self._background.start()

    async def stop(self) -> None:
        """Stop ticking."""
        await self._background.stop()


def smtp_config(settings: NotificationsSettings) -> SmtpConfig:
    """The SMTP settings as the e-mail channel takes them."""
    return SmtpConfig(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_sender,
        starttls=settings.smtp_starttls,
        username=settings.smtp_username,
        password=settings.smtp_password,
        verify_tls=settings.smtp_tls_verify,
        ca_file=settings.smtp_tls_ca_file,
        plaintext_login=settings.smtp_allow_plaintext_login,
        timeout_s=settings.smtp_timeout_s,
        message_id_domain=settings.message_id_domain,
    )


def create_service(
    settings: NotificationsSettings | None = None,
    *,
    bootstrap_servers: str | None = None,
    clock: Clock | None = None,  # when decisions, follow-ups and digests happen; the sender keeps real time
) -> NotificationsService:
    """Wire the service: consumer, notifier, sender, ticker, directory, migrations and topics."""
    settings = settings or NotificationsSettings()
    bootstrap = bootstrap_servers or resolve_bootstrap(settings)
    runtime = ServiceRuntime(NAME, settings, bootstrap_servers=bootstrap)
    directory = OrganisationDirectory(bootstrap, security=settings)

    def lookup(slug: str) -> tuple[str, str | None] | None:
        organisation = directory.get(slug)
        return (organisation.name, organisation.contact_email) if organisation else None

    notifier = Notifier(
        lookup,
        is_revoked=directory.is_revoked,
        quiet=timedelta(seconds=settings.quiet_period_s),
        smtp_endpoint=f"smtp://{settings.smtp_host}:{settings.smtp_port}",
        clock=clock or (lambda: datetime.now(UTC)),
    )
    email = EmailChannel(smtp_config(settings), settings.dashboard_url)
    outbound = pooled_outbound_client(
        settings.outbound_allow, total_s=settings.webhook_timeout_s, max_connections=200
    )
    initiatives_client = httpx.AsyncClient(timeout=settings.webhook_timeout_s)
    initiators = InitiatorAddresses(
        initiatives_client,
        settings.initiatives_url,
        settings.initiatives_key.get_secret_value() if settings.initiatives_key else None,
    )
    channels = Channels(
        email,
        WebhookChannel(outbound, settings.dashboard_url),
        functools.partial(webhook_secret, runtime.database),
        initiators,
        secrets_of=functools.partial(webhook_secrets, runtime.database),
    )

    policy = SenderPolicy(
        batch=settings.sender_batch,
        lease=timedelta(seconds=settings.lease_s),
        per_endpoint=settings.per_endpoint_concurrency,
        # claimed ahead waits for at most one round of sends, so a lease of two attempts outlasts it
        ahead=min(SenderPolicy.ahead, settings.per_endpoint_concurrency),
        poll_s=settings.sender_poll_s,
        retry_base_s=settings.retry_base_s,
        retry_max_s=settings.retry_max_s,
        budget=timedelta(seconds=settings.retry_budget_s),
        mark_linger_s=settings.mark_linger_s,
    )
    sender = Sender(
        runtime.database, channels.send, policy, prepare=channels.prepare, remember=channels.remember
    )
    notifier.handoffs = Handoffs(sender)  # decided deliveries go straight to the sender, no claim
    notifier.on_decided = sender.notify  # digests, initiative and reach alerts: claimed at once
    units = functools.partial(SqlNotificationsUnitOfWork, recipients=RecipientsCache())
    subscribe(runtime, notifier, from_beginning=settings.start_from == "earliest", unit_of_work=units)

    def operations_contacts() -> list[tuple[str, str]]:
        return [
            (organisation.slug, organisation.contact_email)
            for organisation in directory.all()
            if organisation.role is OrganisationRole.OPERATIONS and organisation.contact_email
        ]

    alerts = InitiativeAlerts(notifier, settings.builder_contacts, operations_contacts, notifier.clock)
    subscribe_initiatives(runtime, alerts, from_beginning=settings.start_from == "earliest")

    def operations_slugs() -> list[str]:
        return [
            organisation.slug
            for organisation in directory.all()
            if organisation.role is OrganisationRole.OPERATIONS
        ]

    reach = ReachAlerts(notifier, operations_slugs)
    subscribe_reach(runtime, reach, from_beginning=settings.start_from == "earliest")
    ticker = Ticker(runtime, notifier, settings.tick_s, units)

    async def prepare() -> None:
        await upgrade(runtime.database, migrations_location())
        await runtime.ensure_topics(all_service_topics())
        await directory.start()
        sender.start()
        ticker.start()

    async def finish() -> None:
        await ticker.stop()
        await sender.stop()
        await directory.stop()
        await outbound.aclose()
        await initiatives_client.aclose()

    runtime.startup.append(prepare)
    runtime.shutdown.append(finish)
    return NotificationsService(runtime, notifier, sender, directory, Authenticator(directory), outbound)


def create_runtime(
    settings: NotificationsSettings | None = None, *, bootstrap_servers: str | None = None
) -> ServiceRuntime:
    """The notifications service's runtime (consumers, sender, ticker), without HTTP."""
    return create_service(settings, bootstrap_servers=bootstrap_servers).runtime


def create_app(
    settings: NotificationsSettings | None = None, *, bootstrap_servers: str | None = None
) -> FastAPI:
    """The notifications service as an ASGI app; its lifespan runs consumers, sender and relay."""
    service = create_service(settings, bootstrap_servers=bootstrap_servers)
    runtime = service.runtime
    context = api.ApiContext(database=runtime.database, auth=service.authenticator, outbound=service.outbound)
    app = runtime.http_app(*api.routers(context), title=TITLE, description=DESCRIPTION, service=service)
    api.install(app)
    return app


async def reconcile(settings: ServiceSettings, bootstrap: str, since: datetime) -> int:
    """After a restore: record the deliveries ``notifications.deliveries`` shows since ``since``."""
    database = Database(settings.database_url or settings.sqlite_url(NAME))
    try:
        await upgrade(database, migrations_location())
        outcomes = await settled_since(bootstrap, since, security=settings)
        return await record_settled(database, outcomes)
    finally:
        await database.dispose()


SERVICE = ServiceDefinition(
    name=NAME,
    settings=NotificationsSettings,
    create_app=create_app,
    create_runtime=create_runtime,
    cli=cli.register,
    reconcile=reconcile,
    access=ServiceAccess(
        reads=(SCHEDULING_CONFLICTS, "initiatives.events", REACH_EVENTS, ORGANISATIONS),
        writes=(
            "notifications.",
            dead_letter(SCHEDULING_CONFLICTS),
            dead_letter("initiatives.events"),
            dead_letter(REACH_EVENTS),
        ),
        creates=("notifications.",),
    ),
)
"""The notifications service as ``werkplaats`` finds it (entry point ``werkplaats.services``)."""
