"""Registering centres, their rooms, opening hours and prices; coordinators and coaches."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from centres.domain.bookings import DEFAULT_PRICES
from centres.domain.errors import CentresError
from centres.service.common import (
    SOURCE,
    ActingRole,
    Actor,
    Context,
    NotFoundError,
    OutOfScopeError,
    new_pseudonym,
)
from centres.store import CentreRow, CentresUnitOfWork, PersonRow, RoomRow
from contracts import new_event, problems_of
from contracts.activities import ACTIVITY_ID_PATTERN, NEIGHBOURHOOD_PATTERN
from contracts.centres import (
    Accessibility,
    CentreRegistered,
    CentreUpdated,
    OpeningHours,
    Room,
    Tariff,
)
from contracts.envelope import SLUG_PATTERN
from contracts.topics import CENTRES_EVENTS

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class Prices(BaseModel):
    """A centre's rent per hour and deposit per tariff (defaults when not given)."""

    model_config = ConfigDict(extra="forbid")

    hourly: dict[Tariff, Decimal] = Field(
        default_factory=lambda: dict(DEFAULT_PRICES.hourly), description="Rent per hour per tariff."
    )
    deposit: dict[Tariff, Decimal] = Field(
        default_factory=lambda: dict(DEFAULT_PRICES.deposit), description="Deposit per tariff."
    )


class CentreRequest(BaseModel):
    """A centre as registered or replaced by staff."""

    model_config = ConfigDict(extra="forbid")

    organisation: str = Field(pattern=SLUG_PATTERN, description="The organisation that runs the centre.")
    name: str = Field(min_length=1, max_length=200)
    address: str = Field(min_length=1, max_length=300)
    neighbourhoods: list[Annotated[str, Field(pattern=NEIGHBOURHOOD_PATTERN)]] = Field(
        min_length=1, max_length=10
    )
    rooms: list[Room] = Field(default_factory=list, max_length=100)
    opening_hours: list[OpeningHours] = Field(default_factory=list, max_length=50)
    coordinator_id: str | None = Field(default=None, max_length=60)
    active: bool = True
    prices: Prices = Field(default_factory=Prices)


class PersonRequest(BaseModel):
    """A coordinator or coach: contact details stay sealed in this service."""

    model_config = ConfigDict(extra="forbid")

    role: ActingRole = Field(description="`coordinator` or `coach`.")
    centre_id: str | None = Field(
        default=None, pattern=ACTIVITY_ID_PATTERN, description="A coordinator's centre."
    )
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=254, pattern=EMAIL_PATTERN)
    phone: str | None = Field(default=None, max_length=40)


def centre_event(row: CentreRow, rooms: list[RoomRow], *, created: bool) -> CentreRegistered | CentreUpdated:
    """The public state of a centre as its event."""
    model = CentreRegistered if created else CentreUpdated
    return model(
        centre_id=row.centre_id,
        organisation=row.organisation,
        name=row.name,
        address=row.address,
        neighbourhoods=row.neighbourhoods,
        rooms=[room_of_row(room) for room in rooms],
        opening_hours=[OpeningHours.model_validate(period) for period in row.opening_hours],
        coordinator_id=row.coordinator_id,
        active=row.active,
    )


def room_of_row(room: RoomRow) -> Room:
    """A stored room as the contract's room."""
    return Room(
        room_id=room.room_id,
        name=room.name,
        capacity=room.capacity,
        accessibility=Accessibility(
            step_free=room.step_free, hearing_loop=room.hearing_loop, accessible_toilet=room.accessible_toilet
        ),
    )


async def save_centre(
    unit: CentresUnitOfWork, context: Context, actor: Actor, centre_id: str, request: CentreRequest
) -> CentreRegistered | CentreUpdated:
    """Register or replace a centre; publish ``centre.registered`` or ``centre.updated``."""
    if actor.role is not ActingRole.STAFF:
        actor.check_centre(centre_id)
    centre_payload(centre_id, request)  # validates codes and room ids as a reader would
    row = await unit.centres.get(centre_id)
    created = row is None
    if row is None:
        row = CentreRow(centre_id=centre_id)
        unit.centres.add(row)
    row.organisation, row.name, row.address = request.organisation, request.name, request.address
    row.neighbourhoods = sorted(set(request.neighbourhoods))
    row.opening_hours = [period.model_dump(mode="json") for period in request.opening_hours]
    row.coordinator_id, row.active = request.coordinator_id, request.active
    row.prices = request.prices.model_dump(mode="json")
    row.updated_at = context.clock()
    rooms = [
        RoomRow(
            centre_id=centre_id,
            room_id=room.room_id,
            name=room.name,
            capacity=room.capacity,
            step_free=room.accessibility.step_free,
            hearing_loop=room.accessibility.hearing_loop,
            accessible_toilet=room.accessibility.accessible_toilet,
        )
        for room in request.rooms
    ]
    await unit.centres.replace_rooms(centre_id, rooms)
    event = centre_event(row, rooms, created=created)
    unit.publish(CENTRES_EVENTS, new_event(event, source=SOURCE), key=centre_id)
    return event


def centre_payload(centre_id: str, request: CentreRequest) -> dict[str, Any]:
    """The centre's event payload, validated (a bad neighbourhood code is refused here, by name)."""
    payload = request.model_dump(mode="json", exclude={"prices"}) | {"centre_id": centre_id}
    try:
        CentreRegistered.model_validate(payload)
    except ValidationError as error:
        field, message = problems_of(error)[0]
        raise CentresError(f"{field}: {message}") from None
    return payload


async def load_centre(unit: CentresUnitOfWork, centre_id: str) -> tuple[CentreRow, list[RoomRow]]:
    """A centre and its rooms, or :class:`NotFoundError`."""
    row = await unit.centres.get(centre_id)
    if row is None:
        raise NotFoundError(f"no centre {centre_id}")
    return row, await unit.centres.rooms(centre_id)


async def list_centres(unit: CentresUnitOfWork) -> list[CentreRegistered | CentreUpdated]:
    """Every centre's public state, by name."""
    rows = await unit.centres.all()
    rooms = await unit.centres.all_rooms()
    by_centre: dict[str, list[RoomRow]] = {}
    for room in rooms:
        by_centre.setdefault(room.centre_id, []).append(room)
    return [centre_event(row, by_centre.get(row.centre_id, []), created=True) for row in rows]


async def add_person(unit: CentresUnitOfWork, context: Context, actor: Actor, request: PersonRequest) -> str:
    """Record a coordinator or coach; their pseudonymous id."""
    if actor.role is not ActingRole.STAFF:
        raise OutOfScopeError("only staff registers coordinators and coaches")
    if request.role not in (ActingRole.COORDINATOR, ActingRole.COACH):
        raise OutOfScopeError("role must be coordinator or coach")
    if request.centre_id is not None:
        await load_centre(unit, request.centre_id)
    person_id = new_pseudonym("crd" if request.role is ActingRole.COORDINATOR else "cch")
    sealed = context.sealer.seal(request.model_dump(mode="json", include={"name", "email", "phone"}))
    unit.people.add(
        PersonRow(
            person_id=person_id,
            role=request.role.value,
            centre_id=request.centre_id,
            sealed=sealed,
            created_at=context.clock(),
        )
    )
    return person_id


async def person_matches(unit: CentresUnitOfWork, actor: Actor) -> bool:
    """Whether the actor's person id is a recorded person of the actor's role (and centre)."""
    if actor.person_id is None:
        return False
    person = await unit.people.get(actor.person_id)
    if person is None or person.role != actor.role.value:
        return False
    return actor.role is not ActingRole.COORDINATOR or person.centre_id == actor.centre_id
