"""What the scheduling commands share: errors, languages, and the service database."""

from __future__ import annotations

from enum import StrEnum

import typer

from werkplaats.db import Database


class Language(StrEnum):
    """Language of the output."""

    NL = "nl"
    EN = "en"


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``error: message`` on stderr; return the exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


async def open_database() -> Database:
    """Open the scheduling database (``SCHEDULING_DATABASE_URL`` or its SQLite default), migrated."""
    from scheduling.main import migrations_location
    from werkplaats.migrations import upgrade

    database = Database(database_url())
    await upgrade(database, migrations_location())
    return database


def database_url() -> str:
    """The scheduling database: ``SCHEDULING_DATABASE_URL`` or its SQLite default."""
    from scheduling.main import NAME
    from scheduling.settings import SchedulingSettings

    settings = SchedulingSettings()
    return settings.database_url_of(NAME)


def database_description() -> str:
    """The database URL without its password, to show people."""
    from sqlalchemy.engine import make_url

    return make_url(database_url()).render_as_string(hide_password=True)


# --- werkplaats dates ------------------------------------------------------------------------------
