"""The HTTP routes of the centres service (``/v1``): one transaction per request, the use case inside it."""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from centres.api.access import actor_dependency
from centres.api.errors import problem
from centres.service import bookings, budgets, centres, coaching, figures, subsidies, volunteers
from centres.service.bookings import DryRun
from centres.service.common import Actor, Context
from centres.store import SqlCentresUnitOfWork
from contracts.activities import ACTIVITY_ID_PATTERN
from contracts.centres import CentreRegistered, CentreUpdated
from werkplaats.auth import Authenticator
from werkplaats.db import Database

Id = Annotated[str, Path(pattern=ACTIVITY_ID_PATTERN, max_length=100)]
Year = Annotated[int, Path(ge=2000, le=2100)]


@dataclass
class ApiContext:
    """What the routes need: the database, the use cases' context, authentication and the dry run."""

    database: Database
    context: Context
    auth: Authenticator
    dry_run: DryRun | None = None
    topics_for: Callable[[str], Awaitable[None]] | None = None
    """Creates an organisation's activities topic before its first booking is relayed there."""

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[SqlCentresUnitOfWork]:
        """One transaction for one request."""
        async with self.database.unit_of_work(SqlCentresUnitOfWork) as unit:
            yield unit


class Created(BaseModel):
    """The id of something created."""

    id: str


class Reason(BaseModel):
    """Why a booking is declined."""

    reason: str = Field(min_length=1, max_length=500)


class Membership(BaseModel):
    """Whether the work at the centre needs a VOG."""

    needs_vog: bool = False


class Vog(BaseModel):
    """The date on a VOG certificate."""

    issued_on: date


class SubsidyPayment(BaseModel):
    """Money received on a granted application."""

    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2)


def routers(api: ApiContext) -> list[APIRouter]:
    """Every router of the centres API."""
    acting = Annotated[Actor, Depends(actor_dependency(api.auth))]
    return [_centres(api, acting), _volunteers(api, acting), _support(api, acting)]


def _centres(api: ApiContext, acting: Any) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["centres and bookings"])

    @router.get("/centres", summary="Every centre with its rooms and opening hours")
    async def list_centres(_: acting) -> list[CentreRegistered | CentreUpdated]:
        async with api.unit() as unit:
            return await centres.list_centres(unit)

    @router.get("/centres/{centre_id}", summary="One centre")
    async def get_centre(centre_id: Id, _: acting) -> CentreRegistered | CentreUpdated:
        async with api.unit() as unit:
            row, rooms = await centres.load_centre(unit, centre_id)
            return centres.centre_event(row, rooms, created=True)

    @router.put("/centres/{centre_id}", summary="Register or replace a centre (staff, or its coordinator)")
    async def put_centre(
        centre_id: Id, request: centres.CentreRequest, actor: acting
    ) -> CentreRegistered | CentreUpdated:
        async with api.unit() as unit:
            saved = await centres.save_centre(unit, api.context, actor, centre_id, request)
        if api.topics_for is not None:
            await api.topics_for(saved.organisation)
        return saved

    @router.post("/people", status_code=201, summary="Register a coordinator or coach (staff)")
    async def add_person(request: centres.PersonRequest, actor: acting) -> Created:
        async with api.unit() as unit:
            return Created(id=await centres.add_person(unit, api.context, actor, request))

    @router.put(
        "/centres/{centre_id}/bookings/{booking_id}",
        summary="Request a room (partners) or book the centre's programme; checked by a dry run",
    )
    async def put_booking(
        centre_id: Id, booking_id: Id, request: bookings.BookingRequest, actor: acting
    ) -> bookings.BookingView:
        async with api.unit() as unit:
            return await bookings.request_booking(
                unit, api.context, actor, centre_id, booking_id, request, api.dry_run
            )

    @router.get("/centres/{centre_id}/bookings", summary="A centre's bookings (a partner sees its own)")
    async def list_bookings(centre_id: Id, actor: acting) -> list[bookings.BookingView]:
        async with api.unit() as unit:
            return await bookings.list_bookings(unit, actor, centre_id)

    @router.post("/bookings/{booking_id}/confirm", summary="Confirm a request (the centre)")
    async def confirm(booking_id: Id, actor: acting) -> bookings.BookingView:
        async with api.unit() as unit:
            return await bookings.confirm_booking(unit, api.context, actor, booking_id)

    @router.post("/bookings/{booking_id}/decline", summary="Decline a request (the centre)")
    async def decline(booking_id: Id, reason: Reason, actor: acting) -> bookings.BookingView:
        async with api.unit() as unit:
            return await bookings.decline_booking(unit, api.context, actor, booking_id, reason.reason)

    @router.post("/bookings/{booking_id}/cancel", summary="Cancel a booking (the booker or the centre)")
    async def cancel(booking_id: Id, actor: acting) -> bookings.BookingView:
        async with api.unit() as unit:
            return await bookings.cancel_booking(unit, api.context, actor, booking_id)

    return router


def _volunteers(api: ApiContext, acting: Any) -> APIRouter:
    router = APIRouter(prefix="/v1/volunteers", tags=["volunteers and allowances"])

    @router.post("", status_code=201, summary="Register a volunteer (personal data stays sealed here)")
    async def register(request: volunteers.VolunteerRequest, actor: acting) -> Created:
        async with api.unit() as unit:
            return Created(id=await volunteers.register_volunteer(unit, api.context, actor, request))

    @router.get("/{volunteer_id}", summary="A volunteer with personal data (staff, their coordinators)")
    async def show(volunteer_id: Id, actor: acting) -> volunteers.VolunteerView:
        async with api.unit() as unit:
            return await volunteers.show_volunteer(unit, api.context, actor, volunteer_id)

    @router.put("/{volunteer_id}/centres/{centre_id}", status_code=204, summary="Start at another centre")
    async def join(volunteer_id: Id, centre_id: Id, membership: Membership, actor: acting) -> None:
        async with api.unit() as unit:
            await volunteers.join_centre(
                unit, api.context, actor, volunteer_id, centre_id, needs_vog=membership.needs_vog
            )

    @router.put("/{volunteer_id}/vog", status_code=204, summary="Record the VOG certificate's date")
    async def vog(volunteer_id: Id, request: Vog, actor: acting) -> None:
        async with api.unit() as unit:
            await volunteers.record_vog(unit, actor, volunteer_id, request.issued_on)

    @router.put("/{volunteer_id}/hours/{entry_id}", status_code=204, summary="Log hours worked (once per id)")
    async def hours(volunteer_id: Id, entry_id: Id, request: volunteers.HoursRequest, actor: acting) -> None:
        async with api.unit() as unit:
            await volunteers.log_hours(unit, api.context, actor, volunteer_id, entry_id, request)

    @router.put(
        "/{volunteer_id}/declarations/{declaration_id}",
        status_code=204,
        summary="Declare an allowance received from elsewhere in a month",
    )
    async def declare(
        volunteer_id: Id, declaration_id: Id, request: volunteers.DeclarationRequest, actor: acting
    ) -> None:
        async with api.unit() as unit:
            await volunteers.declare_elsewhere(
                unit, api.context, actor, volunteer_id, declaration_id, request
            )

    @router.post("/{volunteer_id}/payments/{payment_id}/check", summary="Would this payment fit the caps?")
    async def check(
        volunteer_id: Id, payment_id: Id, request: volunteers.PaymentRequest, actor: acting
    ) -> volunteers.CapOutcome:
        async with api.unit() as unit:
            result, *_ = await volunteers.check_allowance(
                unit, api.context, actor, volunteer_id, payment_id, request
            )
            return volunteers.outcome(payment_id, result, paid=False)

    @router.put(
        "/{volunteer_id}/payments/{payment_id}",
        summary="Pay an allowance or reimburse costs; refused (422, with the room left) past a cap",
        responses={422: {"description": "A field is wrong, or the payment would break a cap."}},
    )
    async def pay(
        volunteer_id: Id, payment_id: Id, request: volunteers.PaymentRequest, actor: acting
    ) -> volunteers.CapOutcome:
        async with api.unit() as unit:
            result = await volunteers.pay(unit, api.context, actor, volunteer_id, payment_id, request)
        if not result.paid:
            caps = ", ".join(result.exceeded)
            message = f"would exceed the {caps} cap; room left: " + ", ".join(
                f"{cap} {room}" for cap, room in result.room.items()
            )
            return problem("amount", message, outcome=result.model_dump(mode="json"))  # type: ignore[return-value]
        return result

    @router.get("/{volunteer_id}/allowance/{year}", summary="A volunteer's year against the caps")
    async def overview(volunteer_id: Id, year: Year, actor: acting) -> dict[str, Any]:
        async with api.unit() as unit:
            return await volunteers.allowance_overview(unit, api.context, actor, volunteer_id, year)

    return router


def _support(api: ApiContext, acting: Any) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["coaching, budgets, subsidies, figures"])

    @router.put("/coaching/trajectories/{trajectory_id}", status_code=204, summary="Start a trajectory")
    async def trajectory(trajectory_id: Id, request: coaching.TrajectoryRequest, actor: acting) -> None:
        async with api.unit() as unit:
            await coaching.start_trajectory(unit, api.context, actor, trajectory_id, request)

    @router.put(
        "/coaching/trajectories/{trajectory_id}/sessions/{session_id}",
        status_code=204,
        summary="Log a session (its coach)",
    )
    async def session(
        trajectory_id: Id, session_id: Id, request: coaching.SessionRequest, actor: acting
    ) -> None:
        async with api.unit() as unit:
            await coaching.log_session(unit, api.context, actor, trajectory_id, session_id, request)

    @router.get(
        "/coaching/trajectories/{trajectory_id}", summary="A trajectory; notes for coach and coordinator"
    )
    async def show_trajectory(trajectory_id: Id, actor: acting) -> dict[str, Any]:
        async with api.unit() as unit:
            return await coaching.show_trajectory(unit, api.context, actor, trajectory_id)

    @router.put("/centres/{centre_id}/budgets/{year}/lines/{line_id}", status_code=204, summary="Set a line")
    async def line(
        centre_id: Id, year: Year, line_id: Id, request: budgets.LineRequest, actor: acting
    ) -> None:
        async with api.unit() as unit:
            await budgets.set_line(unit, actor, centre_id, year, line_id, request)

    @router.put(
        "/centres/{centre_id}/budgets/{year}/actuals/{actual_id}", status_code=204, summary="Book an actual"
    )
    async def actual(
        centre_id: Id, year: Year, actual_id: Id, request: budgets.ActualRequest, actor: acting
    ) -> None:
        async with api.unit() as unit:
            await budgets.book_actual(unit, api.context, actor, centre_id, year, actual_id, request)

    @router.get("/centres/{centre_id}/budgets/{year}", summary="Budget, actuals and forecast")
    async def budget(centre_id: Id, year: Year, actor: acting) -> dict[str, Any]:
        async with api.unit() as unit:
            return await budgets.budget_overview(unit, api.context, actor, centre_id, year)

    @router.put("/centres/{centre_id}/subsidies/{application_id}", summary="Start a subsidy application")
    async def application(
        centre_id: Id, application_id: Id, request: subsidies.ApplicationRequest, actor: acting
    ) -> subsidies.ApplicationView:
        async with api.unit() as unit:
            return await subsidies.create_application(
                unit, api.context, actor, centre_id, application_id, request
            )

    @router.get("/centres/{centre_id}/subsidies", summary="A centre's subsidy applications")
    async def applications(centre_id: Id, actor: acting) -> list[subsidies.ApplicationView]:
        async with api.unit() as unit:
            return await subsidies.list_applications(unit, actor, centre_id)

    @router.post("/subsidies/{application_id}/status", summary="Submit, grant or refuse")
    async def status(
        application_id: Id, request: subsidies.StatusRequest, actor: acting
    ) -> subsidies.ApplicationView:
        async with api.unit() as unit:
            return await subsidies.change_status(unit, api.context, actor, application_id, request)

    @router.post("/subsidies/{application_id}/payments", summary="Record money received")
    async def subsidy_payment(
        application_id: Id, payment: SubsidyPayment, actor: acting
    ) -> subsidies.ApplicationView:
        async with api.unit() as unit:
            return await subsidies.record_payment(unit, api.context, actor, application_id, payment.amount)

    @router.post("/subsidies/{application_id}/report", summary="The report was sent")
    async def report(application_id: Id, actor: acting) -> subsidies.ApplicationView:
        async with api.unit() as unit:
            return await subsidies.submit_report(unit, api.context, actor, application_id)

    @router.get("/figures/{year}", summary="Volunteers, allowances and hours per centre and quarter")
    async def programme(year: Year, actor: acting) -> dict[str, Any]:
        actor.check_staff_or_coordinator()
        async with api.unit() as unit:
            return await figures.programme_figures(unit, year)

    return router
