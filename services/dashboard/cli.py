"""``werkplaats accounts``: the people who sign in to the dashboard."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer

from dashboard.domain import Role
from dashboard.service.accounts import AccountError, create_account, list_accounts
from dashboard.store import SqlDashboardUnitOfWork
from werkplaats.db import Database

T = TypeVar("T")
accounts_app = typer.Typer(help="People who sign in to the dashboard.", no_args_is_help=True)


def _run(work: Callable[[Database], Awaitable[T]]) -> T:
    from dashboard.main import NAME, migrations_location
    from dashboard.settings import DashboardSettings
    from werkplaats.migrations import migrated

    async def main() -> T:
        async with migrated(DashboardSettings(), NAME, migrations_location()) as database:
            return await work(database)

    return asyncio.run(main())


@accounts_app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="What they sign in with.")],
    name: Annotated[str, typer.Option(help="Their name as pages show it.")],
    role: Annotated[Role, typer.Option(help="operations, community_builder or coordinator.")],
    centre: Annotated[str | None, typer.Option(help="A coordinator's centre id.")] = None,
    organisation: Annotated[
        str | None, typer.Option(help="The organisation (slug) they report activities for.")
    ] = None,
    password: Annotated[
        str,
        typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="At least 12 characters."),
    ] = "",
) -> None:
    """Add an account; the password is stored only as its argon2id hash."""
    from dashboard.main import passwords_of
    from dashboard.settings import DashboardSettings

    async def work(database: Database) -> None:
        async with database.unit_of_work(SqlDashboardUnitOfWork) as unit:
            await create_account(
                unit.session,
                passwords_of(DashboardSettings()),
                username=username,
                display_name=name,
                role=role,
                password=password,
                centre_id=centre,
                organisation=organisation,
            )

    try:
        _run(work)
    except AccountError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    typer.echo(f"account {username} added ({role.value})")


@accounts_app.command("list")
def list_() -> None:
    """Every account: user name, role, centre."""

    async def work(database: Database) -> None:
        async with database.unit_of_work(SqlDashboardUnitOfWork) as unit:
            for person in await list_accounts(unit.session):
                fields = (person.username, person.role.value, person.centre_id or "-", person.display_name)
                typer.echo("\t".join(fields))

    _run(work)


def register(app: typer.Typer) -> None:
    """Add ``werkplaats accounts`` to the command."""
    app.add_typer(accounts_app, name="accounts")
