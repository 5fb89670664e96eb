"""``werkplaats reach``: report how an activity went, and read what the reports say."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError

from contracts import ActivityKind, ActivityReported, TargetGroup, new_event
from contracts.reach import report_key
from contracts.topics import check_org_slug, partner_reports
from reach.domain import Season, Selection, figures, observation, refusal_of
from reach.store import SqlReachUnitOfWork
from werkplaats.db import Database

reach_app = typer.Typer(help="Reach knowledge: outcome reports, figures and advice.", no_args_is_help=True)
T = TypeVar("T")


def _run(work: Callable[[Database], Awaitable[T]]) -> T:
    async def main() -> T:
        from reach.main import NAME, migrations_location
        from reach.settings import ReachSettings
        from werkplaats.migrations import migrated

        async with migrated(ReachSettings(), NAME, migrations_location()) as database:
            return await work(database)

    return asyncio.run(main())


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


@reach_app.command("report")
def report(
    activity_id: Annotated[str, typer.Argument(help="The organisation's own id of the activity.")],
    org: Annotated[str, typer.Option(help="The organiser's slug (it alone reports on its activities).")],
    occurrence: Annotated[str, typer.Option(help="Start of the occurrence, e.g. 2026-03-24T19:30:00+01:00.")],
    attendance: Annotated[int, typer.Option(help="How many residents came.")],
    method: Annotated[list[str] | None, typer.Option(help="Reach method used; repeat.")] = None,
    language: Annotated[list[str] | None, typer.Option(help="Language offered (ISO 639-1); repeat.")] = None,
    attendee_language: Annotated[
        list[str] | None, typer.Option(help="Language attendees spoke; repeat.")
    ] = None,
    interpreter: Annotated[bool, typer.Option(help="An interpreter was present.")] = False,
    childcare: Annotated[bool, typer.Option(help="Childcare was offered.")] = False,
    accessible: Annotated[bool, typer.Option(help="Step-free, with an accessible toilet.")] = False,
    summary: Annotated[
        str | None, typer.Option(help="What residents brought in (no contact details).")
    ] = None,
    follow_up: Annotated[str | None, typer.Option(help="What will be done with the input.")] = None,
    hear_back_by: Annotated[str | None, typer.Option(help="YYYY-MM-DD: when residents hear back.")] = None,
) -> None:
    """Report how an occurrence went; published on the organisation's reports topic."""
    try:
        check_org_slug(org)
    except ValueError as error:
        raise _fail(str(error)) from None
    fields: dict[str, Any] = {
        "activity_id": activity_id,
        "occurrence_start": occurrence,
        "attendance": attendance,
        "reach_methods": method or [],
        "languages": language or ["nl"],
        "attendee_languages": attendee_language or [],
        "interpreter": interpreter,
        "childcare": childcare,
        "accessible": accessible,
        "input_summary": summary,
    }
    if follow_up is not None or hear_back_by is not None:
        fields["follow_up"] = {"action": follow_up, "residents_hear_back_by": hear_back_by}
    try:
        reported = ActivityReported.model_validate(fields)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        raise _fail(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None

    async def stage(database: Database) -> str | None:
        async with database.unit_of_work(SqlReachUnitOfWork) as unit:
            activity = await unit.activities.get(org, activity_id)
            refusal = refusal_of(org, activity, reported, datetime.now(UTC))
            if refusal is not None:
                return f"{refusal.field}: {refusal.reason}"
            event = new_event(reported, source=org)
            unit.publish(partner_reports(org), event, key=report_key(reported))
        return None

    problem = _run(stage)
    if problem is not None:
        raise _fail(problem)
    typer.echo(f"report of {activity_id} staged; the reach service publishes it on {partner_reports(org)}")


@reach_app.command("figures")
def show_figures(
    wijk: Annotated[str | None, typer.Option(help="CBS wijk code, e.g. WK051836.")] = None,
    group: Annotated[TargetGroup | None, typer.Option(help="Target group.")] = None,
    kind: Annotated[ActivityKind | None, typer.Option(help="Kind of activity.")] = None,
    season: Annotated[Season | None, typer.Option(help="winter, spring, summer or autumn.")] = None,
    minimum: Annotated[int, typer.Option(help="Fewest reports a figure may rest on.")] = 3,
) -> None:
    """Turnout against expectation and the methods that go with it, as JSON."""

    async def read(database: Database) -> dict[str, Any]:
        async with database.unit_of_work(SqlReachUnitOfWork) as unit:
            seen = [observation(a, r) for a, r in await unit.reports.reported()]
        return asdict(figures(seen, Selection(wijk, group, kind, season), minimum))

    typer.echo(json.dumps(_run(read), indent=2, default=str))


def register(app: typer.Typer) -> None:
    """Add ``werkplaats reach`` (once)."""
    if any(group.name == "reach" for group in app.registered_groups):
        return
    app.add_typer(reach_app, name="reach")
