"""Secrets and personal data stay out of logs and error messages: statement values, feed links."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from scheduling.feeds.fetch import redacted
from werkplaats.db import Database


async def insert_twice(database: Database, address: str) -> None:
    async with database.transaction() as session:
        for _ in range(2):
            await session.execute(text("INSERT INTO people_t (email) VALUES (:email)"), {"email": address})


async def test_database_errors_do_not_carry_the_values_of_the_statement(database_url: str) -> None:
    database = Database(database_url)
    address = "j.jansen@voorbeeld.nl"
    try:
        async with database.transaction() as session:
            await session.execute(
                text("CREATE TABLE IF NOT EXISTS people_t (email VARCHAR(200) PRIMARY KEY)")
            )
            await session.execute(text("DELETE FROM people_t"))
        with pytest.raises(IntegrityError) as caught:
            await insert_twice(database, address)
        assert address not in str(caught.value)
    finally:
        async with database.transaction() as session:
            await session.execute(text("DROP TABLE IF EXISTS people_t"))
        await database.dispose()


def test_a_feed_link_is_shown_without_its_secret_path_and_query() -> None:
    shown = redacted("https://agenda.partner.example:8443/ical/s3cr3t-t0ken/basic.ics?key=abc")
    assert shown == "https://agenda.partner.example:8443/…"
