"""Subscriptions and webhooks kept between transactions: read again after any change, by any writer.

On SQLite and PostgreSQL: the database bumps ``recipients_version`` in the transaction of every change,
so a process that keeps what it read sees a change made by another instance's API, a tool or plain SQL
in its next transaction, and reads nothing but the version while nothing changed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from notifications.service import subscriptions
from notifications.store import SqlNotificationsUnitOfWork
from notifications.store.recipients import RecipientsCache
from test_notifications_support import notifications_database
from werkplaats.db import Database

Statements = list[str]


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    async with notifications_database(database_url) as database:
        yield database


def record_statements(database: Database) -> Statements:
    """Every SQL statement ``database`` runs from now on."""
    seen: Statements = []

    def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", before)
    return seen


async def decided_with(
    database: Database, cache: RecipientsCache, slugs: tuple[str, ...] = ("staedion",)
) -> tuple[set[str], dict[str, Any]]:
    """The subscription ids and webhooks one transaction of the consumer would decide with."""
    async with database.unit_of_work(lambda s: SqlNotificationsUnitOfWork(s, cache)) as unit:
        found = {subscription.subscription_id for subscription in await unit.subscriptions.all()}
        return found, await unit.webhooks.of(slugs)


def reads_of(statements: Statements, table: str) -> int:
    return sum(1 for s in statements if s.lstrip().upper().startswith("SELECT") and f"FROM {table}" in s)


async def add(database: Database, email: str) -> str:
    request = subscriptions.SubscriptionRequest.model_validate({"email": email})
    return (await subscriptions.add_subscription(database, request, created_by="ops")).subscription_id


async def test_while_nothing_changes_a_transaction_reads_only_the_version(database: Database) -> None:
    cache = RecipientsCache()
    first = await add(database, "ops@example.org")
    assert (await decided_with(database, cache))[0] == {first}
    statements = record_statements(database)
    for _ in range(3):
        assert (await decided_with(database, cache))[0] == {first}
    assert reads_of(statements, "subscriptions") == 0
    assert reads_of(statements, "organisation_webhooks") == 0
    assert reads_of(statements, "recipients_version") == 3


ChangeMade = Callable[[Database, str], Any]


async def _removed(database: Database, subscription_id: str) -> None:
    await subscriptions.remove_subscription(database, subscription_id)


async def _updated_by_plain_sql(database: Database, subscription_id: str) -> None:
    async with database.transaction() as session:
        await session.execute(
            sa.text("UPDATE subscriptions SET min_severity = 'high' WHERE subscription_id = :id"),
            {"id": subscription_id},
        )


@pytest.mark.parametrize("change", [_removed, _updated_by_plain_sql], ids=["removed", "updated-by-sql"])
async def test_a_change_by_any_writer_is_seen_in_the_next_transaction(
    database: Database, change: ChangeMade
) -> None:
    cache = RecipientsCache()
    kept = await add(database, "kept@example.org")
    changed = await add(database, "changed@example.org")
    assert (await decided_with(database, cache))[0] == {kept, changed}
    other_instance = Database(str(database.engine.url.render_as_string(hide_password=False)))
    try:
        await change(other_instance, changed)
    finally:
        await other_instance.dispose()
    async with database.unit_of_work(lambda s: SqlNotificationsUnitOfWork(s, cache)) as unit:
        after = {s.subscription_id: s for s in await unit.subscriptions.all()}
    if change is _removed:
        assert set(after) == {kept}
    else:
        assert after[changed].min_severity.value == "high"


async def test_an_organisation_webhook_set_or_removed_is_seen_in_the_next_transaction(
    database: Database,
) -> None:
    cache = RecipientsCache()
    assert (await decided_with(database, cache))[1] == {"staedion": None}
    hook = subscriptions.OrganisationWebhookRequest.model_validate(
        {"url": "https://hooks.example.org/staedion", "secret": "s" * 32}
    )
    await subscriptions.set_organisation_webhook(database, "staedion", hook)
    assert (await decided_with(database, cache))[1] == {
        "staedion": ("https://hooks.example.org/staedion", "s" * 32)
    }
    await subscriptions.remove_organisation_webhook(database, "staedion")
    assert (await decided_with(database, cache))[1] == {"staedion": None}
