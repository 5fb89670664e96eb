"""`werkplaats kafka`: start, stop and inspect the local Kafka broker, declare topics, add principals."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from contracts.topics import TopicSpec, all_service_topics, check_org_slug, partner_topics
from werkplaats.kafka_address import ensure_broker, operator_security
from werkplaats.kafka_security import KafkaSecurityError
from werkplaats.localkafka import ArtifactError, BrokerError, LocalKafka
from werkplaats.localkafka.cluster import LocalKafkaCluster
from werkplaats.localkafka.security import KafkaSecurityAdmin, SecurityToolError, client_properties_hint
from werkplaats.settings import RuntimeSettings
from werkplaats.topics_admin import TopicCreationError, ensure_topics

app = typer.Typer(
    help="Run a local single-node Apache Kafka broker (no Docker), or use $KAFKA_BOOTSTRAP_SERVERS.",
    no_args_is_help=True,
)
principals = typer.Typer(
    help="SCRAM principals and their ACLs on a SASL broker (passwords are shown once).", no_args_is_help=True
)
app.add_typer(principals, name="principals")


def _started(kafka: LocalKafka, timeout: float) -> str:
    try:
        return kafka.ensure_started(timeout=timeout)
    except (BrokerError, ArtifactError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error


@app.command()
def start(
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the broker to answer.")] = 60.0,
    sasl: Annotated[
        bool | None,
        typer.Option(
            "--sasl/--no-sasl",
            help="SASL/SCRAM-SHA-512 with ACLs (super user `admin`); unset: as at the last start.",
        ),
    ] = None,
    brokers: Annotated[
        int,
        typer.Option(
            min=1, help="Nodes: 1 (default) or a KRaft cluster of combined broker+controller nodes, e.g. 3."
        ),
    ] = 1,
) -> None:
    """Start the local broker unless one runs, wait until it answers, print its bootstrap address."""
    if brokers > 1:
        _start_cluster(brokers, timeout, sasl)
        return
    kafka = LocalKafka.from_env(sasl=sasl)
    if not kafka.external_bootstrap and not kafka.status().running:
        typer.echo(f"starting Kafka in {kafka.data_dir} ...", err=True)
    typer.echo(_started(kafka, timeout))


def _start_cluster(brokers: int, timeout: float, sasl: bool | None) -> None:
    """Start (or join up) the local cluster of ``brokers`` nodes and print its bootstrap addresses."""
    if LocalKafka.from_env().external_bootstrap:
        typer.echo(
            "error: $KAFKA_BOOTSTRAP_SERVERS names an external broker; unset it for a local cluster", err=True
        )
        raise typer.Exit(1)
    if sasl:
        typer.echo("error: the local cluster runs without SASL; use one broker for --sasl", err=True)
        raise typer.Exit(1)
    cluster = LocalKafkaCluster(brokers=brokers)
    typer.echo(f"starting a {brokers}-node Kafka cluster in {cluster.data_dir} ...", err=True)
    try:
        bootstrap = cluster.ensure_started(timeout=timeout)
    except (BrokerError, ArtifactError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    for node in cluster.status():
        typer.echo(node.describe(), err=True)
    typer.echo(bootstrap)


@app.command()
def stop(
    timeout: Annotated[float, typer.Option(help="Seconds to wait after SIGTERM before SIGKILL.")] = 30.0,
) -> None:
    """Stop the local broker (SIGTERM, then SIGKILL); no-op when it is not running."""
    kafka = LocalKafka.from_env()
    if kafka.external_bootstrap:
        typer.echo(f"external broker {kafka.external_bootstrap} ($KAFKA_BOOTSTRAP_SERVERS): nothing to stop")
        return
    stopped = kafka.stop(timeout=timeout)
    stopped = LocalKafkaCluster().stop(timeout=timeout) or stopped
    typer.echo("stopped" if stopped else "not running")


@app.command()
def status() -> None:
    """Print ``running <address> (pid N)`` (and each node of a local cluster), or ``stopped`` and exit 1."""
    current = LocalKafka.from_env().status()
    typer.echo(current.describe())
    cluster = LocalKafkaCluster()
    nodes = cluster.status() if cluster.exists() and not current.external else []
    if nodes:
        typer.echo(
            f"cluster {cluster.bootstrap} ({sum(n.running for n in nodes)} of {len(nodes)} nodes running)"
        )
    for node in nodes:
        typer.echo(f"  {node.describe()}")
    if not current.running and not any(node.running for node in nodes):
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
        created = asyncio.run(ensure_topics(bootstrap, specs, security=operator_security(RuntimeSettings())))
    except TopicCreationError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    for name in created:
        typer.echo(f"created {name}")
    typer.echo(f"{len(created)} created, {len(specs) - len(created)} already present on {bootstrap}")


def security_admin() -> KafkaSecurityAdmin:
    """The principal administration of the configured broker, as its super user (the local admin)."""
    settings = RuntimeSettings()
    try:
        return KafkaSecurityAdmin(ensure_broker(settings), operator_security(settings))
    except (BrokerError, ArtifactError, KafkaSecurityError, ValueError) as error:
        typer.echo(f"error: {error} (start the broker with --sasl, or set KAFKA_SASL_*)", err=True)
        raise typer.Exit(1) from error


def show_password(user: str, password: str, bootstrap: str) -> None:
    """Print a new principal's password once, with the client settings it goes with."""
    typer.echo(f"Kafka principal User:{user}; store its password now, it is not shown again:")
    typer.echo(password)
    typer.echo(client_properties_hint(bootstrap, user))


@principals.command("add-service")
def add_service(
    name: Annotated[str, typer.Argument(help="Service name, e.g. scheduling.")],
    group_prefix: Annotated[
        str | None, typer.Option(help="Prefix of its consumer groups; the name if unset.")
    ] = None,
) -> None:
    """Create a service principal with the ACLs the service needs, and print its password once."""
    admin = security_admin()
    try:
        password = admin.add_service(check_org_slug(name), group_prefix=group_prefix)
    except (SecurityToolError, ValueError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    show_password(name, password, admin.bootstrap)


@principals.command("add-partner")
def add_partner(
    slug: Annotated[str, typer.Argument(help="The organisation's slug.")],
) -> None:
    """Create (or re-key) a partner principal that may write only partner.<slug>.*; print its password."""
    admin = security_admin()
    try:
        password = admin.add_partner(slug)
    except (SecurityToolError, ValueError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    show_password(slug, password, admin.bootstrap)


@principals.command("remove-partner")
def remove_partner(
    slug: Annotated[str, typer.Argument(help="The organisation's slug.")],
) -> None:
    """Remove a partner's principal and its ACLs: it can no longer log in; its topics keep their history."""
    try:
        security_admin().remove_partner(slug)
    except (SecurityToolError, ValueError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    typer.echo(f"removed User:{slug} and its ACLs")


@principals.command("script")
def script() -> None:
    """Print the script that creates every service's SCRAM principal and ACLs inside a broker container."""
    from werkplaats.localkafka.security import provisioning_script

    typer.echo(provisioning_script(), nl=False)


@principals.command("acls")
def acls(
    user: Annotated[str | None, typer.Argument(help="Only this principal's ACLs.")] = None,
) -> None:
    """List the ACLs on the broker (of one principal)."""
    try:
        typer.echo(security_admin().list_acls(user))
    except SecurityToolError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
