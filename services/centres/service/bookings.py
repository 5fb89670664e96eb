"""Room requests, confirmations, declines, cancellations; a confirmed booking is a published activity."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import delete, select

from centres.domain import bookings as rules
from centres.domain.bookings import BookingActivity, PriceList, Slot
from centres.service.centres import load_centre, room_of_row
from centres.service.common import (
    SOURCE,
    ActingRole,
    Actor,
    Context,
    IdConflictError,
    NotFoundError,
    OutOfScopeError,
)
from centres.store import BookingConflictRow, BookingRow, CentreRow, SqlCentresUnitOfWork, utc
from contracts import ActivityPublished, ActivityWithdrawn, ConflictDetected, ConflictResolved, new_event
from contracts.activities import ACTIVITY_ID_PATTERN, ActivityKind, TargetGroup
from contracts.centres import (
    BookingCancelled,
    BookingConfirmed,
    BookingDeclined,
    BookingRequested,
    BookingStatus,
    BookingUse,
    OpeningHours,
    Tariff,
)
from contracts.envelope import SLUG_PATTERN
from contracts.topics import CENTRES_EVENTS, partner_activities

DryRun = Callable[[ActivityPublished], Awaitable[list[dict[str, Any]]]]
"""Asks the scheduler which conflicts an activity would cause (nothing published)."""


class BookingRequest(BaseModel):
    """A room asked for: by a partner (a rental) or by the centre itself (its programme)."""

    model_config = ConfigDict(extra="forbid")

    room_id: str = Field(min_length=1, max_length=100, description="The room wanted.")
    title: str = Field(min_length=1, max_length=200, description="What happens, as residents see it.")
    kind: ActivityKind = Field(default=ActivityKind.SOCIAL, description="Sort of activity.")
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    recurrence: str | None = Field(default=None, max_length=500, description="RRULE for a series.")
    use: BookingUse = Field(default=BookingUse.INCIDENTAL, description="`regular` or `incidental`.")
    tariff: Tariff = Field(default=Tariff.NON_COMMERCIAL, description="Price list that applies.")
    expected_attendance: int | None = Field(default=None, ge=0, le=100_000)
    target_groups: list[TargetGroup] = Field(default_factory=lambda: [TargetGroup.ALL_RESIDENTS])
    booked_by: str | None = Field(
        default=None, pattern=SLUG_PATTERN, description="Staff only: the organisation using the room."
    )

    @model_validator(mode="after")
    def _check_times(self) -> Self:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class BookingView(BaseModel):
    """A booking as the API shows it."""

    booking_id: str
    centre_id: str
    room_id: str
    booked_by: str
    title: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    recurrence: str | None
    use: str
    tariff: str
    expected_attendance: int | None
    status: BookingStatus
    rent: Decimal
    deposit: Decimal
    cancellation_fee: Decimal
    activity_id: str
    problems: list[str] = Field(description="What the centre's own checks found.")
    conflicts: list[dict[str, Any]] = Field(description="What the scheduler's dry run found.")
    detected: list[dict[str, Any]] = Field(
        default_factory=list, description="Conflicts the scheduler has found since, still open."
    )


def view(row: BookingRow) -> BookingView:
    """A stored booking as its view."""
    return BookingView(
        booking_id=row.booking_id,
        centre_id=row.centre_id,
        room_id=row.room_id,
        booked_by=row.booked_by,
        title=row.title,
        kind=row.kind,
        starts_at=utc(row.starts_at),
        ends_at=utc(row.ends_at),
        recurrence=row.recurrence,
        use=row.use,
        tariff=row.tariff,
        expected_attendance=row.expected_attendance,
        status=BookingStatus(row.status),
        rent=row.rent,
        deposit=row.deposit,
        cancellation_fee=row.cancellation_fee,
        activity_id=row.activity_id,
        problems=row.problems,
        conflicts=row.conflicts,
    )


def prices_of(centre: CentreRow) -> PriceList:
    """A centre's stored price list."""
    hourly = {Tariff(k): Decimal(v) for k, v in centre.prices.get("hourly", {}).items()}
    deposit = {Tariff(k): Decimal(v) for k, v in centre.prices.get("deposit", {}).items()}
    return PriceList(hourly or rules.DEFAULT_PRICES.hourly, deposit or rules.DEFAULT_PRICES.deposit)


def slot_of(row: BookingRow) -> Slot:
    """A stored booking's slot."""
    return Slot(row.booking_id, row.room_id, utc(row.starts_at), utc(row.ends_at), BookingUse(row.use))


def activity_of(centre: CentreRow, row: BookingRow) -> ActivityPublished:
    """The activity the centre publishes for a booking."""
    details = BookingActivity(
        activity_id=row.activity_id,
        title=row.title,
        kind=ActivityKind(row.kind),
        neighbourhoods=row.neighbourhoods,
        target_groups=[TargetGroup(group) for group in row.target_groups],
        expected_attendance=row.expected_attendance,
        recurrence=row.recurrence,
    )
    return rules.activity_for(centre.centre_id, slot_of(row), details)


def _booking_fields(row: BookingRow) -> dict[str, Any]:
    return {
        "booking_id": row.booking_id,
        "centre_id": row.centre_id,
        "room_id": row.room_id,
        "booked_by": row.booked_by,
        "starts_at": utc(row.starts_at),
        "ends_at": utc(row.ends_at),
        "recurrence": row.recurrence,
        "use": BookingUse(row.use),
        "tariff": Tariff(row.tariff),
        "expected_attendance": row.expected_attendance,
        "activity_id": row.activity_id,
    }


async def _others(
    unit: SqlCentresUnitOfWork, centre_id: str, room_id: str, status: BookingStatus
) -> list[Slot]:
    rows = await unit.session.scalars(
        select(BookingRow).where(
            BookingRow.centre_id == centre_id,
            BookingRow.room_id == room_id,
            BookingRow.status == status.value,
        )
    )
    return [slot_of(row) for row in rows]


async def _local_problems(unit: SqlCentresUnitOfWork, centre: CentreRow, row: BookingRow) -> list[str]:
    _, rooms = await load_centre(unit, centre.centre_id)
    room = rules.room_of([room_of_row(r) for r in rooms], row.room_id)
    hours = [OpeningHours.model_validate(period) for period in centre.opening_hours]
    confirmed = await _others(unit, centre.centre_id, row.room_id, BookingStatus.CONFIRMED)
    return rules.problems(slot_of(row), room, hours, confirmed, row.expected_attendance)


def _who_books(actor: Actor, centre: CentreRow, request: BookingRequest) -> str:
    if actor.role is ActingRole.PARTNER:
        if request.booked_by not in (None, actor.organisation):
            raise OutOfScopeError("a partner books only for itself: leave booked_by out")
        if request.tariff is Tariff.PROGRAMME:
            raise OutOfScopeError("tariff programme is for the centre's own programme")
        return actor.organisation
    actor.check_centre(centre.centre_id)
    return request.booked_by or centre.organisation


async def request_booking(
    unit: SqlCentresUnitOfWork,
    context: Context,
    actor: Actor,
    centre_id: str,
    booking_id: str,
    request: BookingRequest,
    dry_run: DryRun | None = None,
) -> BookingView:
    """Record a room request with what the checks found; the same request again changes nothing."""
    centre, rooms = await load_centre(unit, centre_id)
    booked_by = _who_books(actor, centre, request)
    rules.room_of([room_of_row(r) for r in rooms], request.room_id)
    existing = await unit.session.get(BookingRow, booking_id)
    if existing is not None:
        if (
            existing.centre_id != centre_id
            or existing.booked_by != booked_by
            or existing.title != request.title
        ):
            raise IdConflictError(f"booking_id {booking_id} is already used for another booking")
        return view(existing)
    now = context.clock()
    row = BookingRow(
        booking_id=booking_id,
        centre_id=centre_id,
        room_id=request.room_id,
        booked_by=booked_by,
        title=request.title,
        kind=request.kind.value,
        starts_at=request.starts_at.astimezone(UTC),  # SQLite keeps no offset: store UTC
        ends_at=request.ends_at.astimezone(UTC),
        recurrence=request.recurrence,
        use=request.use.value,
        tariff=request.tariff.value,
        expected_attendance=request.expected_attendance,
        neighbourhoods=centre.neighbourhoods,
        target_groups=[group.value for group in request.target_groups],
        status=BookingStatus.REQUESTED.value,
        rent=Decimal("0.00"),
        deposit=Decimal("0.00"),
        cancellation_fee=Decimal("0.00"),
        activity_id=f"booking:{booking_id}",
        problems=[],
        conflicts=[],
        created_at=now,
        updated_at=now,
    )
    activity = activity_of(centre, row)  # validates the activity as the scheduler will read it
    row.problems = await _local_problems(unit, centre, row)
    row.conflicts = await dry_run(activity) if dry_run is not None else []
    unit.session.add(row)
    event = BookingRequested(**_booking_fields(row), conflicts_found=len(row.conflicts))
    unit.publish(CENTRES_EVENTS, new_event(event, source=SOURCE), key=centre_id)
    own_programme = actor.role is not ActingRole.PARTNER and request.tariff is Tariff.PROGRAMME
    if own_programme and not row.problems:
        await _confirm(unit, context, centre, row)
    return view(row)


async def _load_booking(
    unit: SqlCentresUnitOfWork, actor: Actor, booking_id: str
) -> tuple[CentreRow, BookingRow]:
    row = await unit.session.get(BookingRow, booking_id)
    if row is None:
        raise NotFoundError(f"no booking {booking_id}")
    actor.check_centre(row.centre_id)
    centre, _ = await load_centre(unit, row.centre_id)
    return centre, row


async def confirm_booking(
    unit: SqlCentresUnitOfWork, context: Context, actor: Actor, booking_id: str
) -> BookingView:
    """Confirm a requested booking when the room is free and no regular request goes first."""
    centre, row = await _load_booking(unit, actor, booking_id)
    if row.status == BookingStatus.CONFIRMED.value:
        return view(row)
    if row.status != BookingStatus.REQUESTED.value:
        raise rules.BookingError(f"a {row.status} booking cannot be confirmed")
    problems = await _local_problems(unit, centre, row)
    pending = await _others(unit, centre.centre_id, row.room_id, BookingStatus.REQUESTED)
    problems += rules.regular_first(slot_of(row), pending)
    if problems:
        raise rules.BookingError("; ".join(problems))
    await _confirm(unit, context, centre, row)
    return view(row)


async def _confirm(unit: SqlCentresUnitOfWork, context: Context, centre: CentreRow, row: BookingRow) -> None:
    prices = prices_of(centre)
    tariff = Tariff(row.tariff)
    row.rent = prices.rent(tariff, utc(row.starts_at), utc(row.ends_at))
    row.deposit = prices.deposit.get(tariff, Decimal("0.00"))
    row.status = BookingStatus.CONFIRMED.value
    row.updated_at = context.clock()
    event = BookingConfirmed(**_booking_fields(row), rent=row.rent, deposit=row.deposit)
    unit.publish(CENTRES_EVENTS, new_event(event, source=SOURCE), key=centre.centre_id)
    activity = activity_of(centre, row)
    topic = partner_activities(centre.organisation)
    unit.publish(topic, new_event(activity, source=centre.organisation), key=row.activity_id)


async def decline_booking(
    unit: SqlCentresUnitOfWork, context: Context, actor: Actor, booking_id: str, reason: str
) -> BookingView:
    """Decline a requested booking with a reason."""
    _, row = await _load_booking(unit, actor, booking_id)
    if row.status == BookingStatus.DECLINED.value:
        return view(row)
    if row.status != BookingStatus.REQUESTED.value:
        raise rules.BookingError(f"a {row.status} booking cannot be declined")
    row.status, row.updated_at = BookingStatus.DECLINED.value, context.clock()
    event = BookingDeclined(**_booking_fields(row), reason=reason)
    unit.publish(CENTRES_EVENTS, new_event(event, source=SOURCE), key=row.centre_id)
    return view(row)


async def cancel_booking(
    unit: SqlCentresUnitOfWork, context: Context, actor: Actor, booking_id: str
) -> BookingView:
    """Cancel a booking (the booker or the centre); a late cancellation costs part of the rent."""
    row = await unit.session.get(BookingRow, booking_id)
    if row is None:
        raise NotFoundError(f"no booking {booking_id}")
    if not (actor.role is ActingRole.PARTNER and row.booked_by == actor.organisation):
        actor.check_centre(row.centre_id)
    centre, _ = await load_centre(unit, row.centre_id)
    if row.status == BookingStatus.CANCELLED.value:
        return view(row)
    was_confirmed = row.status == BookingStatus.CONFIRMED.value
    if row.status not in (BookingStatus.REQUESTED.value, BookingStatus.CONFIRMED.value):
        raise rules.BookingError(f"a {row.status} booking cannot be cancelled")
    now = context.clock()
    if was_confirmed and row.tariff != Tariff.PROGRAMME.value:
        row.cancellation_fee = prices_of(centre).cancellation_fee(row.rent, utc(row.starts_at), now)
    row.status, row.updated_at = BookingStatus.CANCELLED.value, now
    event = BookingCancelled(**_booking_fields(row), cancellation_fee=row.cancellation_fee)
    unit.publish(CENTRES_EVENTS, new_event(event, source=SOURCE), key=row.centre_id)
    if was_confirmed:
        withdrawn = ActivityWithdrawn(activity_id=row.activity_id, reason="booking cancelled")
        topic = partner_activities(centre.organisation)
        unit.publish(topic, new_event(withdrawn, source=centre.organisation), key=row.activity_id)
    return view(row)


async def list_bookings(unit: SqlCentresUnitOfWork, actor: Actor, centre_id: str) -> list[BookingView]:
    """A centre's bookings by start (a partner sees only its own)."""
    await load_centre(unit, centre_id)
    query = select(BookingRow).where(BookingRow.centre_id == centre_id).order_by(BookingRow.starts_at)
    if actor.role is ActingRole.PARTNER:
        query = query.where(BookingRow.booked_by == actor.organisation)
    else:
        actor.check_centre(centre_id)
    rows = list(await unit.session.scalars(query))
    detected = await detected_for(unit, [row.booking_id for row in rows])
    return [view(row).model_copy(update={"detected": detected.get(row.booking_id, [])}) for row in rows]


BOOKING_ID_PATTERN = ACTIVITY_ID_PATTERN


def _summary(conflict: ConflictDetected) -> dict[str, Any]:
    return {
        "conflict_id": conflict.conflict_id,
        "rule": conflict.rule.value,
        "severity": conflict.severity.value,
        "explanation": conflict.explanation.model_dump(),
    }


async def attach_conflict(unit: SqlCentresUnitOfWork, conflict: ConflictDetected) -> None:
    """Remember a detected conflict on each booking of ours it concerns."""
    ids = [
        a.activity_id.removeprefix("booking:")
        for a in conflict.activities
        if a.activity_id.startswith("booking:")
    ]
    if not ids:
        return
    rows = await unit.session.scalars(select(BookingRow).where(BookingRow.booking_id.in_(ids)))
    owners = {a.activity_id: a.organisation for a in conflict.activities}
    for row in rows:
        centre = await unit.session.get(CentreRow, row.centre_id)
        if centre is None or owners.get(row.activity_id) != centre.organisation:
            continue  # another organisation's activity that happens to look like ours
        unit.upsert(
            BookingConflictRow.__table__,
            {
                "conflict_id": conflict.conflict_id,
                "booking_id": row.booking_id,
                "summary": _summary(conflict),
            },
        )


async def detach_conflict(unit: SqlCentresUnitOfWork, resolved: ConflictResolved) -> None:
    """Forget a conflict that no longer holds."""
    await unit.session.execute(
        delete(BookingConflictRow).where(BookingConflictRow.conflict_id == resolved.conflict_id)
    )


async def detected_for(unit: SqlCentresUnitOfWork, booking_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The open detected conflicts of each booking."""
    found: dict[str, list[dict[str, Any]]] = {}
    rows = await unit.session.scalars(
        select(BookingConflictRow).where(BookingConflictRow.booking_id.in_(booking_ids))
    )
    for row in rows:
        found.setdefault(row.booking_id, []).append(row.summary)
    return found
