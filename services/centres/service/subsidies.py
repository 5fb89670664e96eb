"""Subsidy applications of a centre: drafted, submitted, granted or refused, paid; deadline reminders."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from centres.domain import subsidies as rules
from centres.service.centres import load_centre
from centres.service.common import SOURCE, Actor, Context, NotFoundError, first_time
from centres.store import CentresUnitOfWork, SubsidyRow
from contracts import new_event
from contracts.centres import SubsidyDeadlineApproaching, SubsidyStatus, SubsidyStatusChanged
from contracts.topics import CENTRES_EVENTS

Amount = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]


class ApplicationRequest(BaseModel):
    """A new (draft) application."""

    model_config = ConfigDict(extra="forbid")

    regulation: str = Field(
        min_length=1, max_length=200, description="e.g. `Sociale initiatieven in de wijk 2024`."
    )
    amount_requested: Amount
    deadline: date | None = None


class StatusRequest(BaseModel):
    """A move to the next status; a grant names the amount and the report's due date."""

    model_config = ConfigDict(extra="forbid")

    status: SubsidyStatus
    amount_granted: Amount | None = None
    report_due: date | None = None


class ApplicationView(BaseModel):
    """An application as the API shows it."""

    application_id: str
    centre_id: str
    regulation: str
    status: SubsidyStatus
    amount_requested: Decimal
    amount_granted: Decimal | None
    amount_paid: Decimal
    deadline: date | None
    report_due: date | None
    report_submitted: bool


def _view(row: SubsidyRow) -> ApplicationView:
    return ApplicationView(
        application_id=row.application_id,
        centre_id=row.centre_id,
        regulation=row.regulation,
        status=SubsidyStatus(row.status),
        amount_requested=row.amount_requested,
        amount_granted=row.amount_granted,
        amount_paid=row.amount_paid,
        deadline=row.deadline,
        report_due=row.report_due,
        report_submitted=row.report_submitted,
    )


def _application(row: SubsidyRow) -> rules.Application:
    return rules.Application(
        SubsidyStatus(row.status),
        row.amount_requested,
        row.amount_granted,
        row.amount_paid,
        row.deadline,
        row.report_due,
        row.report_submitted,
    )


def _publish_status(unit: CentresUnitOfWork, row: SubsidyRow) -> None:
    event = SubsidyStatusChanged(
        application_id=row.application_id,
        centre_id=row.centre_id,
        regulation=row.regulation,
        status=SubsidyStatus(row.status),
        amount_requested=row.amount_requested,
        amount_granted=row.amount_granted,
        amount_paid=row.amount_paid,
        deadline=row.deadline,
        report_due=row.report_due,
    )
    unit.publish(CENTRES_EVENTS, new_event(event, source=SOURCE), key=row.centre_id)


async def create_application(
    unit: CentresUnitOfWork,
    context: Context,
    actor: Actor,
    centre_id: str,
    application_id: str,
    request: ApplicationRequest,
) -> ApplicationView:
    """Start a draft application (the same id again returns it unchanged)."""
    actor.check_centre(centre_id)
    await load_centre(unit, centre_id)
    row = await unit.subsidies.get(application_id)
    if row is not None:
        actor.check_centre(row.centre_id)
        return _view(row)
    row = SubsidyRow(
        application_id=application_id,
        centre_id=centre_id,
        regulation=request.regulation,
        status=SubsidyStatus.DRAFT.value,
        amount_requested=request.amount_requested,
        amount_granted=None,
        amount_paid=Decimal("0.00"),
        deadline=request.deadline,
        report_due=None,
        report_submitted=False,
        updated_at=context.clock(),
    )
    unit.subsidies.add(row)
    _publish_status(unit, row)
    return _view(row)


async def _load(unit: CentresUnitOfWork, actor: Actor, application_id: str) -> SubsidyRow:
    row = await unit.subsidies.get(application_id)
    if row is None:
        raise NotFoundError(f"no subsidy application {application_id}")
    actor.check_centre(row.centre_id)
    return row


async def change_status(
    unit: CentresUnitOfWork, context: Context, actor: Actor, application_id: str, request: StatusRequest
) -> ApplicationView:
    """Submit, grant or refuse; repeating the status it already has changes nothing."""
    row = await _load(unit, actor, application_id)
    if row.status == request.status.value:
        return _view(row)
    rules.check_transition(SubsidyStatus(row.status), request.status)
    if request.status is SubsidyStatus.GRANTED:
        if request.amount_granted is None:
            raise rules.SubsidyTransitionError("amount_granted: is required to grant")
        rules.check_grant(_application(row), request.amount_granted)
        row.amount_granted, row.report_due = request.amount_granted, request.report_due
    row.status, row.updated_at = request.status.value, context.clock()
    _publish_status(unit, row)
    return _view(row)


async def record_payment(
    unit: CentresUnitOfWork, context: Context, actor: Actor, application_id: str, amount: Decimal
) -> ApplicationView:
    """Record money received on a granted application."""
    row = await _load(unit, actor, application_id)
    rules.check_payment(_application(row), amount)
    row.amount_paid, row.updated_at = row.amount_paid + amount, context.clock()
    _publish_status(unit, row)
    return _view(row)


async def submit_report(
    unit: CentresUnitOfWork, context: Context, actor: Actor, application_id: str
) -> ApplicationView:
    """Mark the report as sent: no more report reminders."""
    row = await _load(unit, actor, application_id)
    if row.status != SubsidyStatus.GRANTED.value:
        raise rules.SubsidyTransitionError("status: only a granted application has a report")
    row.report_submitted, row.updated_at = True, context.clock()
    return _view(row)


async def list_applications(unit: CentresUnitOfWork, actor: Actor, centre_id: str) -> list[ApplicationView]:
    """A centre's applications by deadline."""
    actor.check_centre(centre_id)
    return [_view(row) for row in await unit.subsidies.of_centre(centre_id)]


async def send_reminders(unit: CentresUnitOfWork, context: Context, today: date) -> int:
    """Publish each reminder due today that was not sent before; how many went out."""
    sent = 0
    open_rows = await unit.subsidies.in_status({SubsidyStatus.DRAFT.value, SubsidyStatus.GRANTED.value})
    for row in open_rows:
        for reminder in rules.reminders_due(_application(row), today, context.reminder_days):
            key = f"{row.application_id}:{reminder.kind}:{reminder.deadline.isoformat()}:{reminder.step}"
            if not await first_time(unit, "subsidy.deadline_approaching", key, context.clock()):
                continue
            event = SubsidyDeadlineApproaching(
                application_id=row.application_id,
                centre_id=row.centre_id,
                regulation=row.regulation,
                deadline_kind=reminder.kind,
                deadline=reminder.deadline,
                days_left=reminder.days_left,
            )
            unit.publish(CENTRES_EVENTS, new_event(event, source=SOURCE), key=row.centre_id)
            sent += 1
    return sent
