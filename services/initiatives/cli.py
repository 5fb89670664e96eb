"""``werkplaats initiatives``: list, show, report, reassign, the operations calendar, keep deadlines."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

import typer
from pydantic import ValidationError
from sqlalchemy import select

from initiatives import service, views
from initiatives.context import Context
from initiatives.errors import InitiativesError
from initiatives.forms import Reassignment
from initiatives.store import ClosedDayRow, unit_of_work
from werkplaats.db import Database

app = typer.Typer(help="Residents' initiatives: intake, deadlines, reports.", no_args_is_help=True)
closed_days_app = typer.Typer(
    help="The operations calendar: closed days are no working days.", no_args_is_help=True
)
T = TypeVar("T")


def _run(work: Callable[[Database, Context], Awaitable[T]]) -> T:
    async def main() -> T:
        from initiatives.main import NAME, make_context, migrations_location
        from initiatives.settings import InitiativesSettings
        from werkplaats.migrations import migrated

        settings = InitiativesSettings()
        async with migrated(settings, NAME, migrations_location()) as database:
            return await work(database, make_context(settings))

    return asyncio.run(main())


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


@app.command("list")
def listing(
    status: Annotated[str | None, typer.Option(help="Only this status, e.g. submitted.")] = None,
    wijk: Annotated[str | None, typer.Option(help="Only this wijk, e.g. WK051836.")] = None,
    builder: Annotated[str | None, typer.Option(help="Only this builder id.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="As JSON.")] = False,
) -> None:
    """Initiatives, newest first (no contact data)."""

    async def work(database: Database, context: Context) -> list[dict[str, Any]]:
        async with database.sessions() as session:
            return await views.list_initiatives(
                context, session, status=status, wijk=wijk, builder_id=builder
            )

    rows = _run(work)
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        late = "  OVERDUE" if row["overdue"] else ""
        typer.echo(
            f"{row['initiative_id']}  {row['status']:<10} {row['wijk']}  {row['builder_id'] or '-':<16} "
            f"due {row['first_contact_due']}  {row['title']}{late}"
        )


@app.command("report")
def report(
    fmt: Annotated[Literal["json", "csv"], typer.Option("--format", help="json or csv.")] = "json",
) -> None:
    """The programme's figures: per wijk, theme, status, builder; contact times; hours; subsidies."""

    async def work(database: Database, _: Context) -> dict[str, Any]:
        async with database.sessions() as session:
            return await views.report(session)

    figures = _run(work)
    typer.echo(views.report_csv(figures) if fmt == "csv" else json.dumps(figures, indent=2), nl=fmt != "csv")


@app.command("reassign")
def reassign(
    initiative_id: str,
    builder_id: str,
    by: Annotated[str, typer.Option(help="Who reassigns it.")] = "operations",
) -> None:
    """Give an initiative to another community builder."""
    try:
        form = Reassignment(builder_id=builder_id, by=by)
    except ValidationError as error:
        raise _fail("; ".join(f"{e['loc'][0]}: {e['msg']}" for e in error.errors())) from None

    async def work(database: Database, context: Context) -> None:
        async with unit_of_work(database) as unit:
            await service.reassign(context, unit, initiative_id, form)

    try:
        _run(work)
    except InitiativesError as error:
        raise _fail(str(error)) from None
    typer.echo(f"{initiative_id}: assigned to {builder_id}")


@app.command("keep-deadlines")
def keep_deadlines() -> None:
    """Raise overdue first contacts and erase expired contact data now (the service does it regularly)."""
    from initiatives import deadlines, privacy

    async def work(database: Database, context: Context) -> tuple[int, int]:
        async with unit_of_work(database) as unit:
            overdue = await deadlines.raise_overdue(context, unit)
        async with unit_of_work(database) as unit:
            erased = await privacy.erase_expired(context, unit)
        return overdue, erased

    overdue, erased = _run(work)
    typer.echo(f"{overdue} overdue raised, contact data of {erased} closed initiatives erased")


@closed_days_app.command("add")
def close_day(day: Annotated[str, typer.Argument(help="YYYY-MM-DD")], reason: str) -> None:
    """Close a day (no working day for deadlines)."""
    try:
        closed = date.fromisoformat(day)
    except ValueError:
        raise _fail(f"{day!r} is not a date (YYYY-MM-DD)") from None

    async def work(database: Database, _: Context) -> None:
        async with unit_of_work(database) as unit:
            await unit.closed_days.close(closed, reason)

    _run(work)
    typer.echo(f"{closed}: closed ({reason})")


@closed_days_app.command("list")
def list_closed_days() -> None:
    """The closed days."""

    async def work(database: Database, _: Context) -> list[tuple[date, str]]:
        async with database.sessions() as session:
            rows = await session.scalars(select(ClosedDayRow).order_by(ClosedDayRow.day))
            return [(row.day, row.reason) for row in rows.all()]

    for day, reason in _run(work):
        typer.echo(f"{day}  {reason}")


def register(root: typer.Typer) -> None:
    """Add the initiatives commands to the ``werkplaats`` command (once)."""
    if any(group.name == "initiatives" for group in root.registered_groups):
        return
    app.add_typer(closed_days_app, name="closed-days")
    root.add_typer(app, name="initiatives")
