"""The composition root of the scheduling service: ``create_runtime`` and ``create_app(settings=None)``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from importlib import resources
from typing import TYPE_CHECKING

from fastapi import FastAPI

from contracts.topics import ORGANISATIONS, all_service_topics
from scheduling import api
from scheduling.demo import publish_demo
from scheduling.domain import Agenda, UnfavourableCalendar, load_areas
from scheduling.feeds import FeedPoller
from scheduling.feeds.fetch import new_client
from scheduling.service.agenda_view import AgendaView
from scheduling.service.calendar_keeper import CalendarKeeper
from scheduling.service.detector import ZoneDetector
from scheduling.service.intake import Intake
from scheduling.service.past_conflicts import PastConflictCloser
from scheduling.service.placements import publish_placement
from scheduling.service.reach_advice import ReachAdviceBook
from scheduling.settings import DetectionMode, SchedulingSettings
from scheduling.subscribers import subscribe
from scheduling.venues import VenueDirectory
from werkplaats.auth import Authenticator
from werkplaats.kafka_address import resolve_bootstrap
from werkplaats.migrations import upgrade
from werkplaats.organisations import OrganisationDirectory
from werkplaats.runtime import ServiceRuntime
from werkplaats.services import ServiceAccess, ServiceDefinition

if TYPE_CHECKING:
    import typer

NAME = "scheduling"
TITLE = "Werkplaats scheduling"
DESCRIPTION = (
    "The shared participation agenda of Den Haag Zuidwest and its conflict warnings. Partners publish "
    "their plans with an organisation API key (`Authorization: Bearer <key>`); the organiser is always "
    "the key's organisation."
)


def migrations_location() -> str:
    """Where the scheduling migrations live."""
    return str(resources.files("scheduling").joinpath("migrations"))


@dataclass(frozen=True)
class SchedulingService:
    """The wired scheduler: its runtime and what the HTTP API reads."""

    runtime: ServiceRuntime
    view: AgendaView
    directory: OrganisationDirectory
    advice: ReachAdviceBook


def create_service(
    settings: SchedulingSettings | None = None, *, bootstrap_servers: str | None = None, serving: bool = True
) -> SchedulingService:
    """Wire the scheduler: intake, zone detection (inline or partitioned), calendar; ``serving`` the view too.

    The organisations directory names organisations in explanations; the agenda view is started with
    the runtime only when ``serving``.
    """
    settings = settings or SchedulingSettings()
    bootstrap = bootstrap_servers or resolve_bootstrap(settings)
    runtime = ServiceRuntime(NAME, settings, bootstrap_servers=bootstrap)
    horizon = timedelta(days=settings.horizon_days)
    keeper: CalendarKeeper | None = None

    def new_agenda(zone: str | None) -> Agenda:
        assert keeper is not None
        return Agenda(
            calendar=keeper.calendar,
            overload_threshold=settings.overload_threshold,
            horizon=horizon,
            owner_zone=zone,
            venues=venues.get,
        )

    venues = VenueDirectory(bootstrap, security=settings)
    areas = load_areas()
    directory = OrganisationDirectory(bootstrap, security=settings)
    detector = ZoneDetector(new_agenda, areas, organisation_names=directory.names, venue_names=venues.names)

    def use_calendar(calendar: UnfavourableCalendar) -> None:
        detector.use_calendar(calendar)
        view.use_calendar(calendar)

    keeper = CalendarKeeper(runtime.database, settings.unfavourable_dates_file, use_calendar)
    poller = FeedPoller(
        runtime.database,
        ensure_topics=runtime.ensure_topics,
        tick_s=settings.feed_poll_s,
        client=new_client(settings.outbound_allow),
        is_revoked=directory.is_revoked,
    )
    view = AgendaView(
        bootstrap,
        new_agenda,
        areas,
        organisation_names=directory.names,
        venue_names=venues.names,
        security=settings,
    )
    advice = ReachAdviceBook(bootstrap, security=settings)
    inline = settings.detection is DetectionMode.INLINE
    subscribe(
        runtime,
        Intake(
            horizon=horizon, venue_known=venues.knows, place=detector.apply if inline else publish_placement
        ),
        detector,
        partner_pattern=settings.partner_topic_pattern,
        is_revoked=directory.is_revoked,
        inline=inline,
    )

    followers = [venues.start, directory.start, *([advice.start] if serving else [])]

    async def prepare() -> None:
        await upgrade(runtime.database, migrations_location())
        await runtime.ensure_topics(all_service_topics())
        await keeper.refresh()
        await asyncio.gather(*(start() for start in followers))  # each reads its topic to the end
        keeper.start()
        poller.start()
        closer.start()

    closer = PastConflictCloser(runtime.database)
    runtime.startup += [prepare]
    runtime.shutdown += [keeper.stop, poller.stop, closer.stop, venues.stop, directory.stop]
    if serving:
        runtime.startup += [view.start]  # the view loads in the background from here
        runtime.shutdown[0:0] = [advice.stop, view.stop]
        runtime.readiness_notes.append(view.readiness)
    return SchedulingService(runtime, view, directory, advice)


def create_runtime(
    settings: SchedulingSettings | None = None, *, bootstrap_servers: str | None = None
) -> ServiceRuntime:
    """The scheduler's runtime (consumers, outbox relay, calendar) without the HTTP API's parts."""
    return create_service(settings, bootstrap_servers=bootstrap_servers, serving=False).runtime


def create_app(
    settings: SchedulingSettings | None = None, *, bootstrap_servers: str | None = None
) -> FastAPI:
    """The scheduling service as an ASGI app with the HTTP API; its lifespan runs the whole service."""
    scheduler = create_service(settings, bootstrap_servers=bootstrap_servers)
    runtime = scheduler.runtime
    assert isinstance(runtime.settings, SchedulingSettings)
    context = api.ApiContext(
        runtime=runtime,
        view=scheduler.view,
        auth=Authenticator(scheduler.directory, requests_per_minute=runtime.settings.requests_per_minute),
        horizon=timedelta(days=runtime.settings.horizon_days),
        advice=scheduler.advice,
    )
    app = runtime.http_app(*api.routers(context), title=TITLE, description=DESCRIPTION, service=scheduler)
    api.install(app)
    return app


def register_commands(app: typer.Typer) -> None:
    """Add the scheduler's commands to ``werkplaats`` (imported only when the command line is built)."""
    from scheduling import cli

    cli.register(app)


SERVICE = ServiceDefinition(
    name=NAME,
    settings=SchedulingSettings,
    create_app=create_app,
    create_runtime=create_runtime,
    cli=register_commands,
    demo=publish_demo,
    access=ServiceAccess(
        reads=(
            "partner.",
            "scheduling.",
            ORGANISATIONS,
            "centres.events",
            "initiatives.events",
            "reach.advice",
        ),
        writes=("scheduling.", "partner."),
        creates=("scheduling.", "partner."),
    ),
)
"""The scheduling service as ``werkplaats`` finds it (entry point ``werkplaats.services``)."""
