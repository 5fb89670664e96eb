"""``werkplaats subscriptions`` and ``werkplaats org-webhooks``: manage who hears about conflicts."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from notifications.service import subscriptions
from werkplaats.db import Database

subscriptions_app = typer.Typer(help="Who hears about conflicts, what and how.", no_args_is_help=True)
webhooks_app = typer.Typer(help="Organisations' webhooks (used instead of their contact address).")


def _database() -> Database:
    from notifications.main import NAME
    from notifications.settings import NotificationsSettings

    settings = NotificationsSettings()
    return Database(settings.database_url or settings.sqlite_url(NAME))


def _run(work: Any) -> Any:
    async def main() -> Any:
        from notifications.main import migrations_location
        from werkplaats.migrations import upgrade

        database = _database()
        try:
            await upgrade(database, migrations_location())
            return await work(database)
        finally:
            await database.dispose()

    return asyncio.run(main())


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


@subscriptions_app.command("add")
def add(
    email: Annotated[str | None, typer.Option(help="A person's e-mail address.")] = None,
    webhook: Annotated[str | None, typer.Option(help="Or a webhook URL.")] = None,
    secret: Annotated[str | None, typer.Option(help="The webhook's signing secret (16+ chars).")] = None,
    event: Annotated[
        list[str] | None, typer.Option(help="Event type; repeat. Default detected+resolved.")
    ] = None,
    min_severity: Annotated[str, typer.Option(help="low, medium or high.")] = "low",
    neighbourhood: Annotated[list[str] | None, typer.Option(help="CBS wijk/buurt code; repeat.")] = None,
    organisation: Annotated[list[str] | None, typer.Option(help="Organisation slug; repeat.")] = None,
    digest_at: Annotated[str | None, typer.Option(help="HH:MM: a daily digest instead of at once.")] = None,
    created_by: Annotated[str, typer.Option(help="Who asks (an operations slug).")] = "operations",
) -> None:
    """Subscribe a person or a webhook."""
    document: dict[str, Any] = {
        "email": email,
        "webhook": {"url": webhook, "secret": secret} if webhook else None,
        "min_severity": min_severity,
        "neighbourhoods": neighbourhood or [],
        "organisations": organisation or [],
        "delivery": "digest" if digest_at else "immediate",
        "digest_at": digest_at,
    }
    if event:
        document["event_types"] = event
    try:
        request = subscriptions.SubscriptionRequest.model_validate(document)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'input'}: {e['msg']}" for e in error.errors())
        raise _fail(problems) from None
    created = _run(lambda db: subscriptions.add_subscription(db, request, created_by=created_by))
    typer.echo(created.subscription_id)


@subscriptions_app.command("list")
def listing(as_json: Annotated[bool, typer.Option("--json", help="As JSON.")] = False) -> None:
    """Every subscription (secrets are never shown)."""
    views = _run(subscriptions.list_subscriptions)
    if as_json:
        typer.echo(json.dumps([v.model_dump(mode="json") for v in views], indent=2))
        return
    for v in views:
        who = v.email or v.webhook_url
        how = f"digest {v.digest_at}" if v.delivery == "digest" else "immediately"
        where = ",".join(v.neighbourhoods) or "all areas"
        typer.echo(f"{v.subscription_id}  {who}  {','.join(v.event_types)} ≥{v.min_severity}  {where}  {how}")


@subscriptions_app.command("remove")
def remove(subscription_id: str) -> None:
    """Remove a subscription."""
    if not _run(lambda db: subscriptions.remove_subscription(db, subscription_id)):
        raise _fail(f"no subscription {subscription_id}")
    typer.echo(f"removed {subscription_id}")


@webhooks_app.command("set")
def set_webhook(
    slug: str,
    url: str,
    secret: Annotated[str, typer.Option(prompt=True, hide_input=True, help="Signing secret.")],
) -> None:
    """Register (or replace) an organisation's webhook."""
    try:
        request = subscriptions.OrganisationWebhookRequest.model_validate({"url": url, "secret": secret})
    except ValidationError as error:
        raise _fail("; ".join(f"{e['loc'][0]}: {e['msg']}" for e in error.errors())) from None
    _run(lambda db: subscriptions.set_organisation_webhook(db, slug, request))
    typer.echo(f"{slug}: webhook set")


@webhooks_app.command("list")
def list_webhooks() -> None:
    """Organisations' webhook URLs."""
    for slug, url in _run(subscriptions.list_organisation_webhooks).items():
        typer.echo(f"{slug}  {url}")


@webhooks_app.command("remove")
def remove_webhook(slug: str) -> None:
    """Remove an organisation's webhook."""
    if not _run(lambda db: subscriptions.remove_organisation_webhook(db, slug)):
        raise _fail(f"{slug} has no webhook")
    typer.echo(f"{slug}: webhook removed")


def register(app: typer.Typer) -> None:
    """Add the notifications commands to the ``werkplaats`` command (once)."""
    if any(group.name == "subscriptions" for group in app.registered_groups):
        return
    app.add_typer(subscriptions_app, name="subscriptions")
    app.add_typer(webhooks_app, name="org-webhooks")
