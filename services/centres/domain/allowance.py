"""The tax-free volunteer allowance: the caps per year, and whether a payment stays within them.

The three maxima all apply: per hour (by the volunteer's age on the date of the work), per calendar
month of the work (never averaged) and per year. Allowances from every centre and organisation count
together, plus what the volunteer declares from elsewhere. Reimbursement of actual costs with receipts
is untaxed and uncapped, but once a volunteer also receives an allowance in a year, the costs count in
that year's monthly and yearly totals ("a fixed allowance combined with specified costs counts as one
total").
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from importlib import resources

from centres.domain.errors import CentresError
from contracts.centres import AllowanceCap, AllowanceRoute

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class UnknownCapYearError(CentresError):
    """No caps are known for the tax year of the work."""


class PaymentShapeError(CentresError):
    """A payment's work is empty or spans more than one calendar month."""


@dataclass(frozen=True)
class YearCaps:
    """The maxima of one tax year, with where they come from."""

    year: int
    hourly_adult: Decimal
    hourly_young: Decimal
    monthly: Decimal
    yearly: Decimal
    verified: bool
    source: str
    checked_on: date


@dataclass(frozen=True)
class CapTable:
    """The caps of every known year, and the age from which the adult hourly maximum applies."""

    years: Mapping[int, YearCaps]
    adult_age: int = 21

    def for_year(self, year: int) -> YearCaps:
        """The caps of ``year``, or :class:`UnknownCapYearError`."""
        try:
            return self.years[year]
        except KeyError:
            known = ", ".join(str(y) for y in sorted(self.years))
            raise UnknownCapYearError(
                f"worked_on: no allowance caps known for {year} (known: {known})"
            ) from None

    def hourly(self, birth_date: date, worked_on: date) -> Decimal:
        """The hourly maximum for work on ``worked_on`` by someone born on ``birth_date``."""
        caps = self.for_year(worked_on.year)
        return caps.hourly_adult if age_on(birth_date, worked_on) >= self.adult_age else caps.hourly_young


def load_caps(text: str | None = None) -> CapTable:
    """The cap table from the packaged data file (or from ``text``, a document of the same shape)."""
    if text is None:
        text = resources.files("centres").joinpath("data/allowance_caps.json").read_text(encoding="utf-8")
    document = json.loads(text)
    years = {
        int(year): YearCaps(
            year=int(year),
            hourly_adult=Decimal(entry["hourly_adult"]),
            hourly_young=Decimal(entry["hourly_under_adult_age"]),
            monthly=Decimal(entry["monthly"]),
            yearly=Decimal(entry["yearly"]),
            verified=bool(entry["verified"]),
            source=str(entry["source"]),
            checked_on=date.fromisoformat(entry["checked_on"]),
        )
        for year, entry in document["years"].items()
    }
    return CapTable(years, int(document.get("adult_age", 21)))


def age_on(birth_date: date, day: date) -> int:
    """Whole years of age on ``day``; someone born on 29 February has a birthday on 1 March otherwise."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


@dataclass(frozen=True)
class WorkDay:
    """Hours worked on one date, which an allowance pays for."""

    worked_on: date
    hours: Decimal


@dataclass(frozen=True)
class CountedAmount:
    """An amount that counts towards a volunteer's totals: paid here, or declared from elsewhere."""

    year: int
    month: int
    amount: Decimal
    route: AllowanceRoute = AllowanceRoute.ALLOWANCE


@dataclass(frozen=True)
class ProposedPayment:
    """A payment a centre wants to make: its route, amount and the work it pays for."""

    route: AllowanceRoute
    amount: Decimal
    work: tuple[WorkDay, ...]

    @property
    def month(self) -> tuple[int, int]:
        """The calendar month of the work (one month per payment)."""
        months = {(day.worked_on.year, day.worked_on.month) for day in self.work}
        if len(months) != 1:
            raise PaymentShapeError("entry_ids: a payment pays for work in exactly one calendar month")
        return months.pop()


@dataclass(frozen=True)
class CapCheck:
    """The outcome of checking a payment: which caps it would break and the room under each."""

    exceeded: frozenset[AllowanceCap]
    room: Mapping[AllowanceCap, Decimal]
    totals_after: Mapping[AllowanceCap, Decimal]
    limits: Mapping[AllowanceCap, Decimal]

    @property
    def within_caps(self) -> bool:
        """True when no cap would be broken."""
        return not self.exceeded

    @property
    def payable(self) -> Decimal:
        """The most that could be paid now without breaking a cap."""
        return max(ZERO, min(self.room.values(), default=ZERO))


@dataclass(frozen=True)
class CapWarning:
    """A total near a cap: which one, for which period, and how close."""

    cap: AllowanceCap
    year: int
    month: int | None
    limit: Decimal
    total: Decimal
    threshold: int

    @property
    def remaining(self) -> Decimal:
        """Room left under the cap."""
        return max(ZERO, self.limit - self.total)

    @property
    def percent(self) -> int:
        """How close, in whole percent of the cap."""
        return int((self.total * 100 / self.limit).to_integral_value(rounding="ROUND_FLOOR"))


@dataclass
class _Totals:
    """One volunteer's amounts in one tax year, per month and route."""

    allowance: dict[int, Decimal] = field(default_factory=dict)
    costs: dict[int, Decimal] = field(default_factory=dict)

    def add(self, month: int, route: AllowanceRoute, amount: Decimal) -> None:
        bucket = self.allowance if route is AllowanceRoute.ALLOWANCE else self.costs
        bucket[month] = bucket.get(month, ZERO) + amount

    @property
    def any_allowance(self) -> bool:
        return any(amount > 0 for amount in self.allowance.values())

    def month_total(self, month: int) -> Decimal:
        costs = self.costs.get(month, ZERO) if self.any_allowance else ZERO
        return self.allowance.get(month, ZERO) + costs

    def year_total(self) -> Decimal:
        return sum((self.month_total(month) for month in set(self.allowance) | set(self.costs)), ZERO)


def _totals(history: Iterable[CountedAmount], year: int) -> _Totals:
    totals = _Totals()
    for item in history:
        if item.year == year:
            totals.add(item.month, item.route, item.amount)
    return totals


def hourly_limit(caps: CapTable, birth_date: date, work: Sequence[WorkDay]) -> Decimal:
    """The most an allowance may pay for ``work``: each day's hours at the rate for the age on that day."""
    limit = sum((day.hours * caps.hourly(birth_date, day.worked_on) for day in work), ZERO)
    return limit.quantize(CENT, rounding="ROUND_FLOOR")


def check_payment(
    caps: CapTable, birth_date: date, history: Iterable[CountedAmount], proposed: ProposedPayment
) -> CapCheck:
    """Which caps ``proposed`` would break, given every amount already counted for the volunteer."""
    year, month = proposed.month
    year_caps = caps.for_year(year)
    before = _totals(history, year)
    after = _totals((), year)
    after.allowance, after.costs = dict(before.allowance), dict(before.costs)
    after.add(month, proposed.route, proposed.amount)
    if not after.any_allowance:
        return CapCheck(frozenset(), {}, {}, {})  # actual costs only: untaxed and uncapped
    limits = {AllowanceCap.MONTHLY: year_caps.monthly, AllowanceCap.YEARLY: year_caps.yearly}
    totals_after = {AllowanceCap.MONTHLY: after.month_total(month), AllowanceCap.YEARLY: after.year_total()}
    room = {cap: limits[cap] - (totals_after[cap] - proposed.amount) for cap in limits}
    exceeded: set[AllowanceCap] = set()
    if _newly_over_a_month(before, after, year_caps.monthly, month):
        exceeded.add(AllowanceCap.MONTHLY)
    if totals_after[AllowanceCap.YEARLY] > year_caps.yearly:
        exceeded.add(AllowanceCap.YEARLY)
    if proposed.route is AllowanceRoute.ALLOWANCE:
        limits[AllowanceCap.HOURLY] = room[AllowanceCap.HOURLY] = hourly_limit(
            caps, birth_date, proposed.work
        )
        totals_after[AllowanceCap.HOURLY] = proposed.amount
        if proposed.amount > limits[AllowanceCap.HOURLY]:
            exceeded.add(AllowanceCap.HOURLY)
    return CapCheck(frozenset(exceeded), room, totals_after, limits)


def _newly_over_a_month(before: _Totals, after: _Totals, cap: Decimal, month: int) -> bool:
    """Whether the payment's month ends over the cap, or costs now counting push another month over it."""
    if after.month_total(month) > cap:
        return True
    months = set(after.allowance) | set(after.costs)
    return any(after.month_total(m) > cap >= before.month_total(m) for m in months if m != month)


def warnings_for(
    caps: CapTable,
    history: Iterable[CountedAmount],
    year: int,
    month: int,
    thresholds: Sequence[int] = (80, 100),
) -> list[CapWarning]:
    """The warnings the totals of ``year``/``month`` deserve: per cap, the highest threshold reached."""
    year_caps = caps.for_year(year)
    totals = _totals(history, year)
    if not totals.any_allowance:
        return []
    warnings = []
    for cap, period_month, limit, total in (
        (AllowanceCap.MONTHLY, month, year_caps.monthly, totals.month_total(month)),
        (AllowanceCap.YEARLY, None, year_caps.yearly, totals.year_total()),
    ):
        reached = [t for t in thresholds if total * 100 >= limit * t]
        if reached:
            warnings.append(CapWarning(cap, year, period_month, limit, total, max(reached)))
    return warnings
