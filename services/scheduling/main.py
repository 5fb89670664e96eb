"""The composition root of the scheduling service: ``create_app(settings=None)``."""

from __future__ import annotations

from datetime import timedelta
from importlib import resources

from fastapi import FastAPI

from contracts.topics import all_service_topics
from scheduling.dates import CalendarKeeper
from scheduling.detector import ZoneDetector
from scheduling.domain import Agenda, load_areas
from scheduling.intake import Intake
from scheduling.settings import SchedulingSettings
from scheduling.subscribers import subscribe
from werkplaats.kafka_address import resolve_bootstrap
from werkplaats.migrations import upgrade
from werkplaats.runtime import ServiceRuntime

NAME = "scheduling"


def migrations_location() -> str:
    """Where the scheduling migrations live."""
    return str(resources.files("scheduling").joinpath("migrations"))


def create_runtime(
    settings: SchedulingSettings | None = None, *, bootstrap_servers: str | None = None
) -> ServiceRuntime:
    """Wire the scheduler: intake, zone detection, calendar, migrations and topics."""
    settings = settings or SchedulingSettings()
    runtime = ServiceRuntime(
        NAME, settings, bootstrap_servers=bootstrap_servers or resolve_bootstrap(settings)
    )
    horizon = timedelta(days=settings.horizon_days)
    keeper: CalendarKeeper | None = None

    def new_agenda(zone: str) -> Agenda:
        assert keeper is not None
        return Agenda(
            calendar=keeper.calendar,
            overload_threshold=settings.overload_threshold,
            horizon=horizon,
            owner_zone=zone,
        )

    detector = ZoneDetector(new_agenda, load_areas())
    keeper = CalendarKeeper(runtime.database, settings.unfavourable_dates_file, detector.use_calendar)
    subscribe(runtime, Intake(horizon=horizon), detector, partner_pattern=settings.partner_topic_pattern)

    async def prepare() -> None:
        await upgrade(runtime.database, migrations_location())
        await runtime.ensure_topics(all_service_topics())
        await keeper.refresh()
        keeper.start()

    runtime.startup.append(prepare)
    runtime.shutdown.append(keeper.stop)
    return runtime


def create_app(
    settings: SchedulingSettings | None = None, *, bootstrap_servers: str | None = None
) -> FastAPI:
    """The scheduling service as an ASGI app; its lifespan runs the consumers and the outbox relay."""
    runtime = create_runtime(settings, bootstrap_servers=bootstrap_servers)
    app = runtime.http_app(
        title="Werkplaats scheduling",
        description="The shared participation agenda of Den Haag Zuidwest and its conflict warnings.",
    )
    app.state.settings = runtime.settings
    app.state.runtime = runtime
    return app
