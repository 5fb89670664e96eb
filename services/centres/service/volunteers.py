"""Volunteers, their hours and VOG, and allowance payments checked against the caps across every centre."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select

from centres.domain import allowance
from centres.domain.allowance import CapCheck, CountedAmount, ProposedPayment, WorkDay
from centres.domain.errors import CentresError
from centres.service.centres import EMAIL_PATTERN, load_centre
from centres.service.common import (
    SOURCE,
    ActingRole,
    Actor,
    Context,
    IdConflictError,
    NotFoundError,
    OutOfScopeError,
    first_time,
    new_pseudonym,
)
from centres.store import HoursRow, MembershipRow, PaymentRow, SqlCentresUnitOfWork, VolunteerRow
from contracts import new_event
from contracts.activities import ACTIVITY_ID_PATTERN
from contracts.centres import (
    AllowanceCap,
    AllowanceCapWarning,
    AllowancePaid,
    AllowanceRefused,
    AllowanceRoute,
    VolunteerHoursLogged,
)
from contracts.topics import CENTRES_EVENTS

PositiveMoney = Annotated[Decimal, Field(gt=0, max_digits=10, decimal_places=2)]


class VogMissingError(CentresError):
    """The work needs a VOG and the volunteer has none on record."""


class VolunteerRequest(BaseModel):
    """A volunteer joining a centre; the personal data is sealed and never leaves this service."""

    model_config = ConfigDict(extra="forbid")

    centre_id: str = Field(pattern=ACTIVITY_ID_PATTERN, description="The centre the volunteer works for.")
    name: str = Field(min_length=1, max_length=200)
    birth_date: date = Field(description="Needed for the hourly cap (age on the date of the work).")
    email: str | None = Field(default=None, max_length=254, pattern=EMAIL_PATTERN)
    phone: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=300)
    needs_vog: bool = Field(default=False, description="Whether the work there needs a VOG.")
    vog_issued_on: date | None = Field(default=None, description="Date on the VOG certificate.")


class VolunteerView(BaseModel):
    """A volunteer as staff and their centres' coordinators see them."""

    volunteer_id: str
    name: str
    birth_date: date
    email: str | None
    phone: str | None
    address: str | None
    vog_issued_on: date | None
    centres: list[str]


class HoursRequest(BaseModel):
    """Hours worked on one date for one centre."""

    model_config = ConfigDict(extra="forbid")

    centre_id: str = Field(pattern=ACTIVITY_ID_PATTERN)
    worked_on: date
    hours: Decimal = Field(gt=0, le=24, max_digits=4, decimal_places=2)


class DeclarationRequest(BaseModel):
    """An allowance the volunteer receives from an organisation outside Werkplaats, for one month."""

    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=2000, le=2100)
    month: int = Field(ge=1, le=12)
    amount: PositiveMoney


class ExceptionRequest(BaseModel):
    """A cap knowingly exceeded, with the justification the organisation can show (sealed)."""

    model_config = ConfigDict(extra="forbid")

    caps: list[AllowanceCap] = Field(min_length=1)
    justification: str = Field(min_length=20, max_length=2000)


class PaymentRequest(BaseModel):
    """An allowance for logged hours, or a reimbursement of actual costs with receipts."""

    model_config = ConfigDict(extra="forbid")

    centre_id: str = Field(pattern=ACTIVITY_ID_PATTERN)
    route: AllowanceRoute
    amount: PositiveMoney
    entry_ids: list[str] = Field(default_factory=list, max_length=62, description="Hours paid (allowance).")
    worked_on: date | None = Field(default=None, description="Date of the costs (cost reimbursement).")
    receipts: int = Field(default=0, ge=0, description="Number of receipts kept (cost reimbursement).")
    exception: ExceptionRequest | None = None

    @model_validator(mode="after")
    def _check_route(self) -> Self:
        if self.route is AllowanceRoute.ALLOWANCE and not self.entry_ids:
            raise ValueError("entry_ids: an allowance pays for logged hours")
        if self.route is AllowanceRoute.COST_REIMBURSEMENT and (self.worked_on is None or self.receipts < 1):
            raise ValueError("worked_on and receipts: a cost reimbursement needs its date and receipts")
        return self


class CapOutcome(BaseModel):
    """What the cap check said about a payment."""

    paid: bool
    payment_id: str
    exceeded: list[AllowanceCap]
    room: dict[AllowanceCap, Decimal]
    limits: dict[AllowanceCap, Decimal]
    payable: Decimal | None
    exception: bool = False


async def register_volunteer(
    unit: SqlCentresUnitOfWork, context: Context, actor: Actor, request: VolunteerRequest
) -> str:
    """Record a volunteer at a centre; their pseudonymous id."""
    actor.check_centre(request.centre_id)
    await load_centre(unit, request.centre_id)
    volunteer_id = new_pseudonym("vol")
    personal = request.model_dump(mode="json", include={"name", "birth_date", "email", "phone", "address"})
    now = context.clock()
    unit.session.add(
        VolunteerRow(
            volunteer_id=volunteer_id,
            sealed=context.sealer.seal(personal),
            vog_issued_on=request.vog_issued_on,
            created_at=now,
        )
    )
    await unit.session.flush()
    unit.session.add(
        MembershipRow(
            volunteer_id=volunteer_id,
            centre_id=request.centre_id,
            needs_vog=request.needs_vog,
            since=now.date(),
        )
    )
    return volunteer_id


async def _volunteer(
    unit: SqlCentresUnitOfWork, actor: Actor, volunteer_id: str, *, lock: bool = False
) -> VolunteerRow:
    query = select(VolunteerRow).where(VolunteerRow.volunteer_id == volunteer_id)
    if lock:
        query = query.with_for_update()
    row = (await unit.session.scalars(query)).one_or_none()
    centres = await _centres_of(unit, volunteer_id)
    if row is None or (actor.role is ActingRole.COORDINATOR and actor.centre_id not in centres):
        raise NotFoundError(f"no volunteer {volunteer_id}")
    if actor.role not in (ActingRole.STAFF, ActingRole.COORDINATOR):
        raise OutOfScopeError("only staff and coordinators see volunteers")
    return row


async def _centres_of(unit: SqlCentresUnitOfWork, volunteer_id: str) -> list[str]:
    rows = await unit.session.scalars(
        select(MembershipRow.centre_id).where(MembershipRow.volunteer_id == volunteer_id)
    )
    return sorted(rows)


async def show_volunteer(
    unit: SqlCentresUnitOfWork, context: Context, actor: Actor, volunteer_id: str
) -> VolunteerView:
    """A volunteer with their personal data, for staff or a coordinator of one of their centres."""
    row = await _volunteer(unit, actor, volunteer_id)
    personal = context.sealer.open(row.sealed)
    return VolunteerView(
        volunteer_id=volunteer_id,
        vog_issued_on=row.vog_issued_on,
        centres=await _centres_of(unit, volunteer_id),
        **personal,
    )


async def join_centre(
    unit: SqlCentresUnitOfWork,
    context: Context,
    actor: Actor,
    volunteer_id: str,
    centre_id: str,
    *,
    needs_vog: bool,
) -> None:
    """A known volunteer starts at another centre (staff, or that centre's coordinator)."""
    actor.check_centre(centre_id)
    staff = Actor(actor.organisation, ActingRole.STAFF)
    await _volunteer(unit, staff, volunteer_id)
    await load_centre(unit, centre_id)
    if await unit.session.get(MembershipRow, (volunteer_id, centre_id)) is None:
        unit.session.add(
            MembershipRow(
                volunteer_id=volunteer_id,
                centre_id=centre_id,
                needs_vog=needs_vog,
                since=context.clock().date(),
            )
        )


async def record_vog(unit: SqlCentresUnitOfWork, actor: Actor, volunteer_id: str, issued_on: date) -> None:
    """Record the date of a volunteer's VOG certificate."""
    row = await _volunteer(unit, actor, volunteer_id)
    row.vog_issued_on = issued_on


async def log_hours(
    unit: SqlCentresUnitOfWork,
    context: Context,
    actor: Actor,
    volunteer_id: str,
    entry_id: str,
    request: HoursRequest,
) -> None:
    """Record hours worked (once per ``entry_id``); publish ``volunteer.hours_logged``."""
    actor.check_centre(request.centre_id)
    volunteer = await _volunteer(unit, actor, volunteer_id)
    existing = await unit.session.get(HoursRow, entry_id)
    if existing is not None:
        same = (existing.volunteer_id, existing.centre_id, existing.worked_on, existing.hours)
        if same != (volunteer_id, request.centre_id, request.worked_on, request.hours):
            raise IdConflictError(f"entry_id {entry_id} is already used for other hours")
        return
    membership = await unit.session.get(MembershipRow, (volunteer_id, request.centre_id))
    if membership is None:
        raise CentresError(f"centre_id: the volunteer does not work for {request.centre_id}")
    if membership.needs_vog and (
        volunteer.vog_issued_on is None or volunteer.vog_issued_on > request.worked_on
    ):
        raise VogMissingError("worked_on: this work needs a VOG issued before the date of the work")
    unit.session.add(
        HoursRow(
            entry_id=entry_id,
            volunteer_id=volunteer_id,
            centre_id=request.centre_id,
            worked_on=request.worked_on,
            hours=request.hours,
            payment_id=None,
        )
    )
    event = VolunteerHoursLogged(
        entry_id=entry_id,
        volunteer_id=volunteer_id,
        centre_id=request.centre_id,
        worked_on=request.worked_on,
        hours=request.hours,
    )
    unit.publish(CENTRES_EVENTS, new_event(event, source=SOURCE), key=volunteer_id)


async def counted_amounts(unit: SqlCentresUnitOfWork, volunteer_id: str, year: int) -> list[CountedAmount]:
    """What counts towards the volunteer's caps in ``year``: every centre, and declared elsewhere."""
    rows = await unit.session.execute(
        select(PaymentRow.year, PaymentRow.month, PaymentRow.amount, PaymentRow.route).where(
            PaymentRow.volunteer_id == volunteer_id, PaymentRow.year == year
        )
    )
    return [CountedAmount(y, m, amount, AllowanceRoute(route)) for y, m, amount, route in rows]


async def declare_elsewhere(
    unit: SqlCentresUnitOfWork,
    context: Context,
    actor: Actor,
    volunteer_id: str,
    declaration_id: str,
    request: DeclarationRequest,
) -> None:
    """Record an allowance from elsewhere: it counts towards the caps like one paid here."""
    await _volunteer(unit, actor, volunteer_id)
    if await unit.session.get(PaymentRow, declaration_id) is not None:
        return
    day = date(request.year, request.month, 1)
    unit.session.add(
        PaymentRow(
            payment_id=declaration_id,
            volunteer_id=volunteer_id,
            centre_id=None,
            route=AllowanceRoute.ALLOWANCE.value,
            amount=request.amount,
            hours=Decimal("0"),
            year=request.year,
            month=request.month,
            worked_from=day,
            worked_until=day,
            exception_caps=[],
            sealed_justification=None,
            declared_elsewhere=True,
            created_at=context.clock(),
        )
    )
    await unit.session.flush()
    await _warn(unit, context, volunteer_id, request.year, request.month)


async def _work_of(
    unit: SqlCentresUnitOfWork, volunteer_id: str, request: PaymentRequest, payment_id: str
) -> list[HoursRow]:
    if request.route is AllowanceRoute.COST_REIMBURSEMENT:
        return []
    rows = list(await unit.session.scalars(select(HoursRow).where(HoursRow.entry_id.in_(request.entry_ids))))
    found = {row.entry_id for row in rows}
    missing = sorted(set(request.entry_ids) - found)
    if missing:
        raise CentresError(f"entry_ids: unknown hours {', '.join(missing)}")
    for row in rows:
        if row.volunteer_id != volunteer_id or row.centre_id != request.centre_id:
            raise CentresError(f"entry_ids: {row.entry_id} is not this volunteer's work for this centre")
        if row.payment_id not in (None, payment_id):
            raise CentresError(f"entry_ids: {row.entry_id} is already paid by {row.payment_id}")
    return rows


def _proposed(request: PaymentRequest, work: list[HoursRow]) -> ProposedPayment:
    if request.route is AllowanceRoute.ALLOWANCE:
        days = tuple(WorkDay(row.worked_on, row.hours) for row in work)
    else:
        assert request.worked_on is not None
        days = (WorkDay(request.worked_on, Decimal("0")),)
    return ProposedPayment(request.route, request.amount, days)


async def check_allowance(
    unit: SqlCentresUnitOfWork,
    context: Context,
    actor: Actor,
    volunteer_id: str,
    payment_id: str,
    request: PaymentRequest,
) -> tuple[CapCheck, ProposedPayment, list[HoursRow], VolunteerRow]:
    """The cap check of a payment, nothing recorded (locks the volunteer until the transaction ends)."""
    actor.check_centre(request.centre_id)
    volunteer = await _volunteer(unit, actor, volunteer_id, lock=True)
    work = await _work_of(unit, volunteer_id, request, payment_id)
    proposed = _proposed(request, work)
    year, _ = proposed.month
    birth = date.fromisoformat(context.sealer.open(volunteer.sealed)["birth_date"])
    history = await counted_amounts(unit, volunteer_id, year)
    return allowance.check_payment(context.caps, birth, history, proposed), proposed, work, volunteer


def outcome(payment_id: str, check: CapCheck, *, paid: bool, exception: bool = False) -> CapOutcome:
    """A cap check as the API shows it."""
    return CapOutcome(
        paid=paid,
        payment_id=payment_id,
        exceeded=sorted(check.exceeded),
        room={cap: max(Decimal("0.00"), room) for cap, room in check.room.items()},
        limits=dict(check.limits),
        payable=check.payable if check.room else None,
        exception=exception,
    )


async def pay(
    unit: SqlCentresUnitOfWork,
    context: Context,
    actor: Actor,
    volunteer_id: str,
    payment_id: str,
    request: PaymentRequest,
) -> CapOutcome:
    """Pay within the caps, or as a justified exception, or refuse with the room left under each cap."""
    existing = await unit.session.get(PaymentRow, payment_id)
    if existing is not None:
        if (existing.volunteer_id, existing.centre_id, existing.amount) != (
            volunteer_id,
            request.centre_id,
            request.amount,
        ):
            raise IdConflictError(f"payment_id {payment_id} is already used for another payment")
        return CapOutcome(
            paid=True,
            payment_id=payment_id,
            exceeded=[],
            room={},
            limits={},
            payable=None,
            exception=bool(existing.exception_caps),
        )
    check, proposed, work, _ = await check_allowance(unit, context, actor, volunteer_id, payment_id, request)
    excused = set(request.exception.caps) if request.exception else set()
    if not check.exceeded <= excused:
        await _refuse(unit, context, volunteer_id, payment_id, request, check)
        return outcome(payment_id, check, paid=False)
    year, month = proposed.month
    days = [day.worked_on for day in proposed.work]
    unit.session.add(
        PaymentRow(
            payment_id=payment_id,
            volunteer_id=volunteer_id,
            centre_id=request.centre_id,
            route=request.route.value,
            amount=request.amount,
            hours=sum((row.hours for row in work), Decimal("0")),
            year=year,
            month=month,
            worked_from=min(days),
            worked_until=max(days),
            exception_caps=sorted(check.exceeded),
            sealed_justification=(
                context.sealer.seal({"justification": request.exception.justification})
                if request.exception and check.exceeded
                else None
            ),
            declared_elsewhere=False,
            created_at=context.clock(),
        )
    )
    for row in work:
        row.payment_id = payment_id
    await unit.session.flush()
    paid = AllowancePaid(
        payment_id=payment_id,
        volunteer_id=volunteer_id,
        centre_id=request.centre_id,
        route=request.route,
        amount=request.amount,
        hours=sum((row.hours for row in work), Decimal("0")),
        worked_from=min(days),
        worked_until=max(days),
        exception_caps=sorted(check.exceeded),
    )
    unit.publish(CENTRES_EVENTS, new_event(paid, source=SOURCE), key=volunteer_id)
    await _warn(unit, context, volunteer_id, year, month)
    return outcome(payment_id, check, paid=True, exception=bool(check.exceeded))


async def _refuse(
    unit: SqlCentresUnitOfWork,
    context: Context,
    volunteer_id: str,
    payment_id: str,
    request: PaymentRequest,
    check: CapCheck,
) -> None:
    if not await first_time(unit, "allowance.refused", payment_id, context.clock()):
        return
    refused = AllowanceRefused(
        volunteer_id=volunteer_id,
        centre_id=request.centre_id,
        amount=request.amount,
        caps=sorted(check.exceeded),
        room={cap: max(Decimal("0.00"), room) for cap, room in check.room.items()},
    )
    unit.publish(CENTRES_EVENTS, new_event(refused, source=SOURCE), key=volunteer_id)


async def _warn(
    unit: SqlCentresUnitOfWork, context: Context, volunteer_id: str, year: int, month: int
) -> None:
    history = await counted_amounts(unit, volunteer_id, year)
    for warning in allowance.warnings_for(context.caps, history, year, month, context.warning_percents):
        key = f"{volunteer_id}:{warning.cap}:{year}:{warning.month or 0}:{warning.threshold}"
        if not await first_time(unit, "allowance.cap_warning", key, context.clock()):
            continue
        event = AllowanceCapWarning(
            volunteer_id=volunteer_id,
            cap=warning.cap,
            year=year,
            month=warning.month,
            limit=warning.limit,
            total=warning.total,
            remaining=warning.remaining,
            percent=warning.percent,
        )
        unit.publish(CENTRES_EVENTS, new_event(event, source=SOURCE), key=volunteer_id)


async def allowance_overview(
    unit: SqlCentresUnitOfWork, context: Context, actor: Actor, volunteer_id: str, year: int
) -> dict[str, Any]:
    """A volunteer's year: per month the amounts counted and the room left; the year's total and room."""
    await _volunteer(unit, actor, volunteer_id)
    caps = context.caps.for_year(year)
    history = await counted_amounts(unit, volunteer_id, year)
    with_allowance = any(item.route is AllowanceRoute.ALLOWANCE and item.amount > 0 for item in history)
    months: list[dict[str, Any]] = []
    for month in range(1, 13):
        counted = sum(
            (
                item.amount
                for item in history
                if item.month == month and (item.route is AllowanceRoute.ALLOWANCE or with_allowance)
            ),
            Decimal("0.00"),
        )
        months.append(
            {"month": month, "counted": counted, "room": max(Decimal("0.00"), caps.monthly - counted)}
        )
    total = sum((Decimal(m["counted"]) for m in months), Decimal("0.00"))
    return {
        "volunteer_id": volunteer_id,
        "year": year,
        "caps": {
            "monthly": caps.monthly,
            "yearly": caps.yearly,
            "verified": caps.verified,
            "source": caps.source,
        },
        "months": months,
        "total": total,
        "room": max(Decimal("0.00"), caps.yearly - total),
    }
