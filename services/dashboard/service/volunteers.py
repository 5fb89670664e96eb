"""Volunteers near their allowance caps: ``centres.events`` kept for the coordinators, and read per centre.

Only pseudonymous volunteer ids, amounts and periods arrive; the names stay in the centres service.
A warning replaces an earlier one of the same cap and period only when it counts more (events of
one volunteer may arrive out of order across partitions).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import CENTRES_EVENT_MODELS, Envelope, EventData
from contracts.centres import AllowanceCapWarning, AllowancePaid, VolunteerHoursLogged
from dashboard.store import AllowanceWarningRow, SqlDashboardUnitOfWork, VolunteerCentreRow
from werkplaats.db import insert_new

CENTRES_EVENT_TYPES = frozenset(model.event_type for model in CENTRES_EVENT_MODELS)
"""Every event of ``centres.events``: all are accepted, the ones about volunteers are kept."""
YEAR = 0
"""The ``month`` of a yearly warning."""


@dataclass(frozen=True)
class NearCap:
    """One volunteer near one cap in the current period, as last warned."""

    volunteer_id: str
    cap: str
    year: int
    month: int | None
    limit: Decimal
    total: Decimal
    remaining: Decimal
    percent: int
    warned_at: datetime


async def apply(unit: SqlDashboardUnitOfWork, envelope: Envelope[EventData]) -> None:
    """Learn which centre a volunteer works for, or keep a cap warning."""
    data = envelope.data
    if isinstance(data, VolunteerHoursLogged | AllowancePaid):
        await _works_for(unit.session, data.volunteer_id, data.centre_id)
    elif isinstance(data, AllowanceCapWarning):
        await _warned(unit.session, data, envelope.occurred_at)


async def _works_for(session: AsyncSession, volunteer_id: str, centre_id: str) -> None:
    await insert_new(session, VolunteerCentreRow, {"volunteer_id": volunteer_id, "centre_id": centre_id})


async def _warned(session: AsyncSession, data: AllowanceCapWarning, at: datetime) -> None:
    key = (data.volunteer_id, data.cap.value, data.year, data.month or YEAR)
    row = await session.get(AllowanceWarningRow, key)
    if row is None:
        row = AllowanceWarningRow(volunteer_id=key[0], cap=key[1], year=key[2], month=key[3])
        session.add(row)
    elif row.total > data.total:
        return  # an older warning arriving late
    row.limit, row.total, row.remaining = data.limit, data.total, data.remaining
    row.percent, row.warned_at = data.percent, at


async def near_cap(session: AsyncSession, centre_id: str, today: date) -> list[NearCap]:
    """The volunteers of ``centre_id`` warned this month (monthly cap) or year (yearly), least room first."""
    rows = await session.scalars(
        select(AllowanceWarningRow)
        .join(VolunteerCentreRow, VolunteerCentreRow.volunteer_id == AllowanceWarningRow.volunteer_id)
        .where(
            VolunteerCentreRow.centre_id == centre_id,
            AllowanceWarningRow.year == today.year,
            or_(AllowanceWarningRow.month == today.month, AllowanceWarningRow.month == YEAR),
        )
        .order_by(AllowanceWarningRow.remaining, AllowanceWarningRow.volunteer_id, AllowanceWarningRow.cap)
    )
    return [
        NearCap(
            row.volunteer_id,
            row.cap,
            row.year,
            row.month or None,
            row.limit,
            row.total,
            row.remaining,
            row.percent,
            row.warned_at,
        )
        for row in rows
    ]
