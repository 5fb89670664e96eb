"""``werkplaats demo``: publish the Zuidwest demo plans."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated

import typer

from scheduling.cli.common import fail


def demo(
    today: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Plan the month after this day (default: today)."),
    ] = None,
) -> None:
    """Publish a month of Zuidwest plans (with every kind of conflict) on the partners' topics."""
    from scheduling.demo import publish_demo
    from werkplaats.kafka_address import ensure_broker
    from werkplaats.localkafka import ArtifactError, BrokerError
    from werkplaats.settings import RuntimeSettings

    try:
        bootstrap = ensure_broker(RuntimeSettings())
    except (BrokerError, ArtifactError) as error:
        raise fail(str(error)) from error
    typer.echo(f"publishing the Zuidwest demo on {bootstrap} ...", err=True)
    count = asyncio.run(publish_demo(bootstrap, today=today.date() if today else None))
    typer.echo(
        f"published {count} activity.published events for Moerwijk, Morgenstond and Bouwlust en Vrederust"
    )
