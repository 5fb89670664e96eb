"""``werkplaats orgs``: register organisations, list them, rotate and revoke their API keys."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated

import typer

from contracts import OrganisationRole
from contracts.topics import check_org_slug
from werkplaats.kafka_address import ensure_broker, operator_security
from werkplaats.organisations import (
    IssuedKey,
    RegistryError,
    add_organisation,
    read_organisations,
    revoke_key,
    revoke_organisation,
    rotate_key,
)
from werkplaats.settings import RuntimeSettings

if TYPE_CHECKING:
    from werkplaats.kafka_security import KafkaSecurity

app = typer.Typer(help="Organisations and their API keys (keys are stored hashed and shown once).")


def _bootstrap() -> str:
    return ensure_broker(RuntimeSettings())


def _security() -> KafkaSecurity:
    return operator_security(RuntimeSettings())


def _show_key(slug: str, issued: IssuedKey) -> None:
    typer.echo(f"API key for {slug} (key id {issued.record.key_id}); store it now, it is not shown again:")
    typer.echo(issued.secret)


def _slug(value: str) -> str:
    try:
        return check_org_slug(value)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error


@app.command()
def add(
    slug: Annotated[str, typer.Argument(help="Lower-case slug, e.g. staedion.", callback=_slug)],
    name: Annotated[str, typer.Option(help="Display name, e.g. 'Staedion'.")],
    role: Annotated[OrganisationRole, typer.Option(help="partner or operations.")] = OrganisationRole.PARTNER,
    contact_email: Annotated[str | None, typer.Option(help="General address for conflict warnings.")] = None,
    kafka: Annotated[
        bool,
        typer.Option(
            "--kafka", help="Also create its SASL principal User:<slug>, allowed to write partner.<slug>.*"
        ),
    ] = False,
) -> None:
    """Register an organisation (and its topics) and print its first API key (and Kafka password) once."""
    bootstrap, security = _bootstrap(), _security()
    if kafka and not security.sasl:
        typer.echo(
            "error: --kafka needs a SASL broker (werkplaats kafka start --sasl, or KAFKA_SASL_*)", err=True
        )
        raise typer.Exit(1)
    if kafka:
        _check_principal_name(bootstrap, security, slug)
    try:
        issued = asyncio.run(
            add_organisation(
                bootstrap, slug, name=name, role=role, contact_email=contact_email, security=security
            )
        )
    except RegistryError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    _show_key(slug, issued)
    if kafka:
        _add_principal(bootstrap, security, slug)


def _check_principal_name(bootstrap: str, security: KafkaSecurity, slug: str) -> None:
    from werkplaats.localkafka.security import KafkaSecurityAdmin, ReservedPrincipalError

    try:
        KafkaSecurityAdmin(bootstrap, security).check_partner_name(slug)
    except ReservedPrincipalError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error


def _add_principal(bootstrap: str, security: KafkaSecurity, slug: str) -> None:
    from werkplaats.cli.kafka import show_password
    from werkplaats.localkafka.security import KafkaSecurityAdmin, SecurityToolError

    try:
        password = KafkaSecurityAdmin(bootstrap, security).add_partner(slug)
    except SecurityToolError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    show_password(slug, password, bootstrap)


@app.command("list")
def list_organisations() -> None:
    """List organisations with their roles and keys (ids only, never secrets)."""
    directory = asyncio.run(read_organisations(_bootstrap(), security=_security()))
    for organisation in directory.all():
        typer.echo(f"{organisation.slug:<28} {organisation.role.value:<11} {organisation.name}")
        for record in organisation.keys:
            state = f"revoked {record.revoked_at:%Y-%m-%d %H:%M}" if record.revoked_at else "active"
            typer.echo(f"    key {record.key_id}  created {record.created_at:%Y-%m-%d %H:%M}  {state}")


@app.command()
def rotate(
    slug: Annotated[str, typer.Argument(help="The organisation.", callback=_slug)],
    revoke_others: Annotated[
        bool, typer.Option(help="Revoke its other keys at once (else they stay valid until revoked).")
    ] = False,
) -> None:
    """Give an organisation a new API key, printed once."""
    try:
        issued = asyncio.run(
            rotate_key(_bootstrap(), slug, revoke_others=revoke_others, security=_security())
        )
    except RegistryError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    _show_key(slug, issued)


@app.command()
def revoke(
    slug: Annotated[str, typer.Argument(help="The organisation.", callback=_slug)],
    key_id: Annotated[str, typer.Argument(help="The key id, as `werkplaats orgs list` shows it.")],
) -> None:
    """Revoke one API key; requests with it are refused from then on."""
    try:
        asyncio.run(revoke_key(_bootstrap(), slug, key_id, security=_security()))
    except RegistryError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    typer.echo(f"revoked key {key_id} of {slug}")


@app.command("revoke-organisation")
def revoke_whole_organisation(
    slug: Annotated[str, typer.Argument(help="The organisation.", callback=_slug)],
) -> None:
    """Revoke an organisation: keys, feeds, Kafka principal, topic and webhooks stop; its history stays."""
    bootstrap, security = _bootstrap(), _security()
    try:
        asyncio.run(revoke_organisation(bootstrap, slug, security=security))
    except RegistryError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    typer.echo(f"revoked {slug}: its keys no longer authenticate; its feeds, topic and webhooks are ignored")
    if security.sasl:
        _remove_principal(bootstrap, security, slug)


def _remove_principal(bootstrap: str, security: KafkaSecurity, slug: str) -> None:
    from werkplaats.localkafka.security import KafkaSecurityAdmin, SecurityToolError

    try:
        KafkaSecurityAdmin(bootstrap, security).remove_partner(slug)
    except (SecurityToolError, ValueError) as error:
        typer.echo(f"error: its Kafka principal could not be removed: {error}", err=True)
        raise typer.Exit(1) from error
    typer.echo(f"removed the Kafka principal User:{slug} and its ACLs")
