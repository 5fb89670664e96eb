"""``werkplaats subscriptions`` and ``werkplaats org-webhooks`` on a real database (SQLite, PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

import pytest
import typer
from typer.testing import CliRunner, Result

from notifications import cli as notifications_cli
from notifications.service import subscriptions
from werkplaats.db import Database

Cli = Callable[..., Awaitable[Result]]
SECRET = "a-webhook-secret-0123456789"


@pytest.fixture
def app() -> typer.Typer:
    from werkplaats.cli import app

    notifications_cli.register(app)
    return app


@pytest.fixture
def werkplaats(app: typer.Typer, database_url: str) -> Cli:
    runner = CliRunner()

    async def run(*args: str, stdin: str | None = None) -> Result:
        """``werkplaats <args>`` in a thread (it runs its own event loop), on the test's database."""
        environment = {"NOTIFICATIONS_DATABASE_URL": database_url}
        return await asyncio.to_thread(runner.invoke, app, list(args), input=stdin, env=environment)

    return run


async def test_a_subscription_is_added_listed_and_removed(werkplaats: Cli, database_url: str) -> None:
    added = await werkplaats(
        "subscriptions",
        "add",
        "--email",
        "wijkteam@example.org",
        "--neighbourhood",
        "WK051836",
        "--neighbourhood",
        "BU05183601",
        "--min-severity",
        "medium",
        "--digest-at",
        "08:00",
    )
    assert added.exit_code == 0, added.output
    subscription_id = added.stdout.strip()
    listing = await werkplaats("subscriptions", "list")
    assert listing.exit_code == 0
    (line,) = listing.stdout.splitlines()
    assert line.split() == [
        subscription_id,
        "wijkteam@example.org",
        "conflict.detected,conflict.resolved",
        "≥medium",
        "BU05183601,WK051836",
        "digest",
        "08:00",
    ]
    removed = await werkplaats("subscriptions", "remove", subscription_id)
    assert (removed.exit_code, removed.stdout.strip()) == (0, f"removed {subscription_id}")
    assert (await werkplaats("subscriptions", "list")).stdout == ""
    database = Database(database_url)
    try:
        assert await subscriptions.list_subscriptions(database) == []
    finally:
        await database.dispose()


async def test_a_webhook_subscription_lists_as_json_without_its_secret(werkplaats: Cli) -> None:
    added = await werkplaats(
        "subscriptions",
        "add",
        "--webhook",
        "https://hooks.example.org/werkplaats",
        "--secret",
        SECRET,
        "--event",
        "conflict.detected",
        "--event",
        "conflict.acknowledged",
        "--organisation",
        "staedion",
    )
    assert added.exit_code == 0, added.output
    listing = await werkplaats("subscriptions", "list", "--json")
    assert SECRET not in listing.stdout
    (view,) = json.loads(listing.stdout)
    assert view["subscription_id"] == added.stdout.strip()
    assert view["webhook_url"] == "https://hooks.example.org/werkplaats"
    assert view["event_types"] == ["conflict.detected", "conflict.acknowledged"]
    assert view["organisations"] == ["staedion"]
    assert (view["delivery"], view["digest_at"], view["created_by"]) == ("immediate", None, "operations")


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (
            ["--email", "a@example.org", "--webhook", "https://h.example.org", "--secret", SECRET],
            "exactly one",
        ),
        ([], "exactly one of"),
        (["--email", "not-an-address"], "email:"),
        (["--email", "a@example.org", "--neighbourhood", "Moerwijk"], "neighbourhoods.0:"),
        (["--email", "a@example.org", "--min-severity", "urgent"], "min_severity:"),
        (["--email", "a@example.org", "--digest-at", "25:00"], "digest_at:"),
        (["--webhook", "https://h.example.org", "--secret", "short"], "webhook.secret:"),
    ],
)
async def test_a_bad_subscription_is_refused_with_what_is_wrong(
    werkplaats: Cli, args: list[str], problem: str
) -> None:
    result = await werkplaats("subscriptions", "add", *args)
    assert result.exit_code == 2
    assert problem in result.stderr
    assert (await werkplaats("subscriptions", "list")).stdout == ""


async def test_removing_an_unknown_subscription_fails(werkplaats: Cli) -> None:
    result = await werkplaats("subscriptions", "remove", "no-such-id")
    assert result.exit_code == 2
    assert "no subscription no-such-id" in result.stderr


async def test_an_organisation_webhook_is_set_replaced_listed_and_removed(werkplaats: Cli) -> None:
    first = await werkplaats(
        "org-webhooks", "set", "staedion", "https://a.example.org/hook", stdin=SECRET + "\n"
    )
    assert (first.exit_code, first.stdout.splitlines()[-1]) == (0, "staedion: webhook set"), first.output
    assert SECRET not in first.stdout, "the prompted secret is not echoed"
    replaced = await werkplaats(
        "org-webhooks", "set", "staedion", "https://b.example.org/hook", "--secret", SECRET
    )
    assert replaced.exit_code == 0
    other = await werkplaats("org-webhooks", "set", "haagwonen", "https://c.example.org/", "--secret", SECRET)
    assert other.exit_code == 0
    listing = await werkplaats("org-webhooks", "list")
    assert listing.stdout.splitlines() == [
        "haagwonen  https://c.example.org/",
        "staedion  https://b.example.org/hook",
    ]
    removed = await werkplaats("org-webhooks", "remove", "staedion")
    assert (removed.exit_code, removed.stdout.strip()) == (0, "staedion: webhook removed")
    again = await werkplaats("org-webhooks", "remove", "staedion")
    assert (again.exit_code, "staedion has no webhook" in again.stderr) == (2, True)
    assert (await werkplaats("org-webhooks", "list")).stdout.splitlines() == [
        "haagwonen  https://c.example.org/"
    ]


async def test_a_bad_organisation_webhook_is_refused(werkplaats: Cli) -> None:
    result = await werkplaats("org-webhooks", "set", "staedion", "not a url", "--secret", "short")
    assert result.exit_code == 2
    assert "url:" in result.stderr
    assert "secret:" in result.stderr
