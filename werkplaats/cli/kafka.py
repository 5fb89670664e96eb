"""`werkplaats kafka`: start, stop and inspect the local Kafka broker, and declare the topics."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from contracts.topics import TopicSpec, all_service_topics, partner_topics
from werkplaats.localkafka import ArtifactError, BrokerError, LocalKafka
from werkplaats.topics_admin import TopicCreationError, ensure_topics

app = typer.Typer(
    help="Run a local single-node Apache Kafka broker (no Docker), or use $KAFKA_BOOTSTRAP_SERVERS.",
    no_args_is_help=True,
)


def _started(kafka: LocalKafka, timeout: float) -> str:
    try:
        return kafka.ensure_started(timeout=timeout)
    except (BrokerError, ArtifactError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error


@app.command()
def start(
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the broker to answer.")] = 60.0,
) -> None:
    """Start the local broker unless one runs, wait until it answers, print its bootstrap address."""
    kafka = LocalKafka.from_env()
    if not kafka.external_bootstrap and not kafka.status().running:
        typer.echo(f"starting Kafka in {kafka.data_dir} ...", err=True)
    typer.echo(_started(kafka, timeout))


@app.command()
def stop(
    timeout: Annotated[float, typer.Option(help="Seconds to wait after SIGTERM before SIGKILL.")] = 30.0,
) -> None:
    """Stop the local broker (SIGTERM, then SIGKILL); no-op when it is not running."""
    kafka = LocalKafka.from_env()
    if kafka.external_bootstrap:
        typer.echo(f"external broker {kafka.external_bootstrap} ($KAFKA_BOOTSTRAP_SERVERS): nothing to stop")
        return
    typer.echo("stopped" if kafka.stop(timeout=timeout) else "not running")


@app.command()
def status() -> None:
    """Print ``running <address> (pid N)``, or ``stopped`` and exit 1."""
    current = LocalKafka.from_env().status()
    typer.echo(current.describe())
    if not current.running:
        raise typer.Exit(1)


@app.command()
def topics(
    org: Annotated[
        list[str] | None, typer.Option("--org", help="Organisation slug; repeat for more.")
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the broker to answer.")] = 60.0,
) -> None:
    """Create every missing service topic, and the partner topics of each --org."""
    specs: list[TopicSpec] = list(all_service_topics())
    try:
        for slug in org or []:
            specs += partner_topics(slug)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--org") from error
    bootstrap = _started(LocalKafka.from_env(), timeout)
    try:
        created = asyncio.run(ensure_topics(bootstrap, specs))
    except TopicCreationError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    for name in created:
        typer.echo(f"created {name}")
    typer.echo(f"{len(created)} created, {len(specs) - len(created)} already present on {bootstrap}")
