"""Budgets per centre per year: lines, actuals as they come in, forecast, thresholds published once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from centres.domain import budgets as rules
from centres.service.centres import load_centre
from centres.service.common import SOURCE, Actor, Context, IdConflictError, NotFoundError, first_time
from centres.store import ActualRow, BudgetLineRow, CentresUnitOfWork
from contracts import new_event
from contracts.centres import BudgetLineKind, BudgetThresholdReached
from contracts.topics import CENTRES_EVENTS

Amount = Annotated[Decimal, Field(max_digits=12, decimal_places=2)]


class LineRequest(BaseModel):
    """A budget line set by the coordinator or staff."""

    model_config = ConfigDict(extra="forbid")

    kind: BudgetLineKind
    category: str = Field(min_length=1, max_length=100)
    budgeted: Amount = Field(ge=0)


class ActualRequest(BaseModel):
    """An amount booked on a line (negative for a correction)."""

    model_config = ConfigDict(extra="forbid")

    line_id: str = Field(min_length=1, max_length=100)
    amount: Amount
    booked_on: date
    description: str = Field(default="", max_length=300)


async def set_line(
    unit: CentresUnitOfWork, actor: Actor, centre_id: str, year: int, line_id: str, request: LineRequest
) -> None:
    """Create or change a budget line."""
    actor.check_centre(centre_id)
    await load_centre(unit, centre_id)
    row = await unit.budgets.line(centre_id, year, line_id)
    if row is None:
        row = BudgetLineRow(centre_id=centre_id, year=year, line_id=line_id)
        unit.budgets.add_line(row)
    row.kind, row.category, row.budgeted = request.kind.value, request.category, request.budgeted


async def book_actual(
    unit: CentresUnitOfWork,
    context: Context,
    actor: Actor,
    centre_id: str,
    year: int,
    actual_id: str,
    request: ActualRequest,
) -> None:
    """Book an actual once per ``actual_id``; publish each threshold (90 %, 100 %) the line crosses, once."""
    actor.check_centre(centre_id)
    line = await unit.budgets.line(centre_id, year, request.line_id)
    if line is None:
        raise NotFoundError(f"no budget line {request.line_id} for {centre_id} in {year}")
    existing = await unit.budgets.actual(actual_id)
    if existing is not None:
        if (existing.line_id, existing.amount) != (request.line_id, request.amount):
            raise IdConflictError(f"actual_id {actual_id} is already used for another amount")
        return
    before = await unit.budgets.actual_sum(centre_id, year, request.line_id)
    unit.budgets.add_actual(
        ActualRow(
            actual_id=actual_id,
            centre_id=centre_id,
            year=year,
            line_id=request.line_id,
            amount=request.amount,
            booked_on=request.booked_on,
            description=request.description,
        )
    )
    after = before + request.amount
    for threshold in rules.thresholds_crossed(line.budgeted, before, after):
        key = f"{centre_id}:{year}:{request.line_id}:{threshold}"
        if not await first_time(unit, "budget.threshold_reached", key, context.clock()):
            continue
        event = BudgetThresholdReached(
            centre_id=centre_id,
            year=year,
            line_id=request.line_id,
            category=line.category,
            kind=BudgetLineKind(line.kind),
            threshold_percent=threshold,
            budgeted=line.budgeted,
            actual=after,
        )
        unit.publish(CENTRES_EVENTS, new_event(event, source=SOURCE), key=centre_id)


async def budget_overview(
    unit: CentresUnitOfWork, context: Context, actor: Actor, centre_id: str, year: int
) -> dict[str, Any]:
    """Lines with actuals, percentages and forecasts, and the totals."""
    actor.check_centre(centre_id)
    await load_centre(unit, centre_id)
    lines = [
        rules.BudgetLine(row.line_id, BudgetLineKind(row.kind), row.category, row.budgeted)
        for row in await unit.budgets.lines(centre_id, year)
    ]
    actuals = await unit.budgets.actuals(centre_id, year)
    statuses = rules.line_statuses(lines, actuals, year, context.clock().date())
    summary = rules.summarise(statuses)
    return {
        "centre_id": centre_id,
        "year": year,
        "lines": [
            {
                "line_id": s.line.line_id,
                "kind": s.line.kind,
                "category": s.line.category,
                "budgeted": s.line.budgeted,
                "actual": s.actual,
                "percent": s.percent,
                "forecast": s.forecast,
            }
            for s in statuses
        ],
        "totals": {
            "income_budgeted": summary.income_budgeted,
            "expense_budgeted": summary.expense_budgeted,
            "income_actual": summary.income_actual,
            "expense_actual": summary.expense_actual,
            "forecast_balance": summary.forecast_balance,
        },
    }
