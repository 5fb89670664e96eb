"""Room bookings: tariffs, deposit, cancellation, the centre's own checks, and their published activity."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from centres.domain.errors import CentresError
from contracts.activities import ActivityKind, ActivityPublished, CentreVenue, TargetGroup
from contracts.centres import BookingUse, OpeningHours, Room, Tariff

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class BookingError(CentresError):
    """A booking cannot be made or changed as asked."""


@dataclass(frozen=True)
class PriceList:
    """A centre's rent per hour per tariff, its deposit, and when cancelling starts to cost."""

    hourly: dict[Tariff, Decimal]
    deposit: dict[Tariff, Decimal]
    free_cancellation_days: int = 14
    late_cancellation_days: int = 2

    def rent(self, tariff: Tariff, starts_at: datetime, ends_at: datetime) -> Decimal:
        """Rent of one use: hours (started quarters count) times the tariff's hourly rent."""
        quarters = -(-int((ends_at - starts_at).total_seconds()) // 900)
        return (self.hourly.get(tariff, ZERO) * quarters / 4).quantize(CENT)

    def cancellation_fee(self, rent: Decimal, starts_at: datetime, cancelled_at: datetime) -> Decimal:
        """Free well ahead; half the rent when late; the whole rent at the last moment."""
        ahead = starts_at - cancelled_at
        if ahead >= timedelta(days=self.free_cancellation_days):
            return ZERO
        if ahead >= timedelta(days=self.late_cancellation_days):
            return (rent / 2).quantize(CENT)
        return rent


DEFAULT_PRICES = PriceList(
    hourly={
        Tariff.PROGRAMME: ZERO,
        Tariff.NON_COMMERCIAL: Decimal("12.50"),
        Tariff.COMMERCIAL: Decimal("45.00"),
    },
    deposit={
        Tariff.PROGRAMME: ZERO,
        Tariff.NON_COMMERCIAL: Decimal("25.00"),
        Tariff.COMMERCIAL: Decimal("150.00"),
    },
)


@dataclass(frozen=True)
class Slot:
    """A booking's room and time, as the centre's own checks see it."""

    booking_id: str
    room_id: str
    starts_at: datetime
    ends_at: datetime
    use: BookingUse

    def overlaps(self, other: Slot) -> bool:
        """Same room and intersecting half-open intervals."""
        return (
            self.room_id == other.room_id
            and self.starts_at < other.ends_at
            and other.starts_at < self.ends_at
        )


def room_of(rooms: Sequence[Room], room_id: str) -> Room:
    """The room ``room_id`` of a centre, or :class:`BookingError`."""
    for room in rooms:
        if room.room_id == room_id:
            return room
    raise BookingError(f"room_id: {room_id!r} is not a room of this centre")


def within_opening_hours(hours: Sequence[OpeningHours], starts_at: datetime, ends_at: datetime) -> bool:
    """Whether the whole use lies inside one opening period of its (local) day; unknown hours allow all."""
    if not hours:
        return True
    start, end = starts_at.astimezone(AMSTERDAM), ends_at.astimezone(AMSTERDAM)
    if start.date() != end.date() and end.time() != datetime.min.time():
        return False
    end_time = end.time() if start.date() == end.date() else datetime.max.time()
    return any(
        period.weekday == start.isoweekday() and period.opens <= start.time() and end_time <= period.closes
        for period in hours
    )


def problems(
    slot: Slot,
    room: Room,
    hours: Sequence[OpeningHours],
    confirmed: Iterable[Slot],
    expected_attendance: int | None,
) -> list[str]:
    """What the centre itself sees wrong with a booking: room taken, too small, building closed."""
    found = []
    for other in confirmed:
        if other.booking_id != slot.booking_id and slot.overlaps(other):
            found.append(f"room {slot.room_id} is already booked ({other.booking_id})")
    if expected_attendance is not None and expected_attendance > room.capacity:
        found.append(f"expected_attendance {expected_attendance} exceeds the room's capacity {room.capacity}")
    if not within_opening_hours(hours, slot.starts_at, slot.ends_at):
        found.append("the centre is not open for the whole booking")
    return found


def regular_first(slot: Slot, pending: Iterable[Slot]) -> list[str]:
    """Regular use goes first: an incidental booking may not take the room a regular request wants."""
    if slot.use is BookingUse.REGULAR:
        return []
    return [
        f"regular request {other.booking_id} for the same room and time goes first"
        for other in pending
        if other.booking_id != slot.booking_id and other.use is BookingUse.REGULAR and slot.overlaps(other)
    ]


@dataclass(frozen=True)
class BookingActivity:
    """What the activity of a booking says beyond its slot."""

    activity_id: str
    title: str
    kind: ActivityKind
    neighbourhoods: Sequence[str]
    target_groups: Sequence[TargetGroup]
    expected_attendance: int | None
    recurrence: str | None


def activity_for(centre_id: str, slot: Slot, details: BookingActivity) -> ActivityPublished:
    """The activity the centre publishes for a booking, so every party's plans are checked against it."""
    return ActivityPublished(
        activity_id=details.activity_id,
        title=details.title,
        kind=details.kind,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        recurrence=details.recurrence,
        neighbourhoods=list(details.neighbourhoods),
        venue=CentreVenue(venue_id=centre_id, room=slot.room_id),
        target_groups=list(details.target_groups),
        expected_attendance=details.expected_attendance,
    )
