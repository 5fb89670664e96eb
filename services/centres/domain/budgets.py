"""Budgets per centre per year: lines, actuals, a forecast, and the 90 % and 100 % thresholds."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from contracts.centres import BudgetLineKind

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
THRESHOLDS = (90, 100)


@dataclass(frozen=True)
class BudgetLine:
    """One line of a centre's budget for a year."""

    line_id: str
    kind: BudgetLineKind
    category: str
    budgeted: Decimal


@dataclass(frozen=True)
class LineStatus:
    """A line with its actuals so far, the percentage used and the year-end forecast."""

    line: BudgetLine
    actual: Decimal
    forecast: Decimal

    @property
    def percent(self) -> Decimal:
        """Actuals as a percentage of the budgeted amount (0 when nothing was budgeted)."""
        if self.line.budgeted <= 0:
            return ZERO
        return (self.actual * 100 / self.line.budgeted).quantize(CENT)


def thresholds_crossed(budgeted: Decimal, before: Decimal, after: Decimal) -> list[int]:
    """The thresholds (90, 100 %) the actuals crossed going from ``before`` to ``after``."""
    if budgeted <= 0:
        return []
    return [t for t in THRESHOLDS if before * 100 < budgeted * t <= after * 100]


def forecast(actual: Decimal, year: int, today: date) -> Decimal:
    """The year-end figure if the line goes on at the pace of the year so far."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    if today < first:
        return actual
    if today >= last:
        return actual.quantize(CENT)
    elapsed = (today - first).days + 1
    total = (last - first).days + 1
    return (actual * total / elapsed).quantize(CENT)


def line_statuses(
    lines: Sequence[BudgetLine], actuals: Iterable[tuple[str, Decimal]], year: int, today: date
) -> list[LineStatus]:
    """Each line with its summed actuals and forecast."""
    sums: dict[str, Decimal] = {}
    for line_id, amount in actuals:
        sums[line_id] = sums.get(line_id, ZERO) + amount
    return [
        LineStatus(line, sums.get(line.line_id, ZERO), forecast(sums.get(line.line_id, ZERO), year, today))
        for line in lines
    ]


@dataclass(frozen=True)
class BudgetSummary:
    """Income and expenses budgeted, actual and forecast, and the balance."""

    income_budgeted: Decimal
    expense_budgeted: Decimal
    income_actual: Decimal
    expense_actual: Decimal
    income_forecast: Decimal
    expense_forecast: Decimal

    @property
    def forecast_balance(self) -> Decimal:
        """Income minus expenses at year end, at the current pace."""
        return self.income_forecast - self.expense_forecast


def summarise(statuses: Sequence[LineStatus]) -> BudgetSummary:
    """Totals over the lines."""

    def total(kind: BudgetLineKind, attribute: str) -> Decimal:
        values = (
            s.line.budgeted if attribute == "budgeted" else getattr(s, attribute)
            for s in statuses
            if s.line.kind is kind
        )
        return sum(values, ZERO)

    income, expense = BudgetLineKind.INCOME, BudgetLineKind.EXPENSE
    return BudgetSummary(
        total(income, "budgeted"),
        total(expense, "budgeted"),
        total(income, "actual"),
        total(expense, "actual"),
        total(income, "forecast"),
        total(expense, "forecast"),
    )
