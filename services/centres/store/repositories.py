"""The centres repositories: what the converted use cases read and change, as Protocols and on SQL.

Centres, people, coaching, budgets, subsidy applications and the sent-once keys of reminders and
warnings go through these; bookings, volunteers and the programme figures still read the session of
the SQL unit of work.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from centres.store.tables import (
    ActualRow,
    BudgetLineRow,
    CentreRow,
    PersonRow,
    RoomRow,
    SentOnceRow,
    SessionRow,
    SubsidyRow,
    TrajectoryRow,
)
from werkplaats.db import insert_new


class Centres(Protocol):
    """Registered centres and their rooms."""

    async def get(self, centre_id: str) -> CentreRow | None:
        """The centre, or None."""

    async def rooms(self, centre_id: str) -> list[RoomRow]:
        """The centre's rooms."""

    def add(self, row: CentreRow) -> None:
        """Store a new centre."""

    async def replace_rooms(self, centre_id: str, rooms: list[RoomRow]) -> None:
        """Make ``rooms`` the centre's rooms."""

    async def all(self) -> list[CentreRow]:
        """Every centre, by name."""

    async def all_rooms(self) -> list[RoomRow]:
        """Every room, by id."""


class People(Protocol):
    """Coordinators and coaches (their personal data sealed)."""

    async def get(self, person_id: str) -> PersonRow | None:
        """The person, or None."""

    def add(self, row: PersonRow) -> None:
        """Store a new person."""


class Coaching(Protocol):
    """Coaching trajectories and their sessions."""

    async def trajectory(self, trajectory_id: str) -> TrajectoryRow | None:
        """The trajectory, or None."""

    def add_trajectory(self, row: TrajectoryRow) -> None:
        """Start a trajectory."""

    async def logged(self, session_id: str) -> SessionRow | None:
        """The logged session, or None."""

    def add_session(self, row: SessionRow) -> None:
        """Log a session."""

    async def sessions_of(self, trajectory_id: str) -> list[SessionRow]:
        """A trajectory's sessions, oldest first."""


class Subsidies(Protocol):
    """Centres' subsidy applications."""

    async def get(self, application_id: str) -> SubsidyRow | None:
        """The application, or None."""

    def add(self, row: SubsidyRow) -> None:
        """Store a new application."""

    async def of_centre(self, centre_id: str) -> list[SubsidyRow]:
        """A centre's applications by deadline."""

    async def in_status(self, statuses: Collection[str]) -> list[SubsidyRow]:
        """Every application in one of ``statuses``."""


class Budgets(Protocol):
    """Budget lines per centre and year, and the actuals booked on them."""

    async def line(self, centre_id: str, year: int, line_id: str) -> BudgetLineRow | None:
        """The line, or None."""

    def add_line(self, row: BudgetLineRow) -> None:
        """Store a new line."""

    async def lines(self, centre_id: str, year: int) -> list[BudgetLineRow]:
        """A centre's lines of ``year``, by id."""

    async def actual(self, actual_id: str) -> ActualRow | None:
        """The actual, or None."""

    def add_actual(self, row: ActualRow) -> None:
        """Book an actual."""

    async def actual_sum(self, centre_id: str, year: int, line_id: str) -> Decimal:
        """The actuals booked on one line."""

    async def actuals(self, centre_id: str, year: int) -> list[tuple[str, Decimal]]:
        """(line id, amount) of every actual of a centre in ``year``."""


class SentOnce(Protocol):
    """Keys of what must be sent once (reminders, warnings)."""

    async def first_time(self, kind: str, key: str, now: datetime) -> bool:
        """Record ``kind``/``key``; False when it was recorded before (by this or another instance)."""


class SqlCentres:
    """Centres in the service's database."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, centre_id: str) -> CentreRow | None:
        """The centre, or None."""
        return await self.session.get(CentreRow, centre_id)

    async def rooms(self, centre_id: str) -> list[RoomRow]:
        """The centre's rooms."""
        return list(await self.session.scalars(select(RoomRow).where(RoomRow.centre_id == centre_id)))

    def add(self, row: CentreRow) -> None:
        """Store a new centre."""
        self.session.add(row)

    async def replace_rooms(self, centre_id: str, rooms: list[RoomRow]) -> None:
        """Delete the centre's rooms, then add ``rooms``."""
        await self.session.flush()
        await self.session.execute(delete(RoomRow).where(RoomRow.centre_id == centre_id))
        self.session.add_all(rooms)

    async def all(self) -> list[CentreRow]:
        """Every centre, by name."""
        return list(await self.session.scalars(select(CentreRow).order_by(CentreRow.name)))

    async def all_rooms(self) -> list[RoomRow]:
        """Every room, by id."""
        return list(await self.session.scalars(select(RoomRow).order_by(RoomRow.room_id)))


class SqlPeople:
    """People in the service's database."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, person_id: str) -> PersonRow | None:
        """The person, or None."""
        return await self.session.get(PersonRow, person_id)

    def add(self, row: PersonRow) -> None:
        """Store a new person."""
        self.session.add(row)


class SqlCoaching:
    """Trajectories and sessions in the service's database."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def trajectory(self, trajectory_id: str) -> TrajectoryRow | None:
        """The trajectory, or None."""
        return await self.session.get(TrajectoryRow, trajectory_id)

    def add_trajectory(self, row: TrajectoryRow) -> None:
        """Start a trajectory."""
        self.session.add(row)

    async def logged(self, session_id: str) -> SessionRow | None:
        """The logged session, or None."""
        return await self.session.get(SessionRow, session_id)

    def add_session(self, row: SessionRow) -> None:
        """Log a session."""
        self.session.add(row)

    async def sessions_of(self, trajectory_id: str) -> list[SessionRow]:
        """A trajectory's sessions, oldest first."""
        rows = await self.session.scalars(
            select(SessionRow).where(SessionRow.trajectory_id == trajectory_id).order_by(SessionRow.held_on)
        )
        return list(rows)


class SqlSubsidies:
    """Subsidy applications in the service's database."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, application_id: str) -> SubsidyRow | None:
        """The application, or None."""
        return await self.session.get(SubsidyRow, application_id)

    def add(self, row: SubsidyRow) -> None:
        """Store a new application."""
        self.session.add(row)

    async def of_centre(self, centre_id: str) -> list[SubsidyRow]:
        """A centre's applications by deadline."""
        rows = await self.session.scalars(
            select(SubsidyRow).where(SubsidyRow.centre_id == centre_id).order_by(SubsidyRow.deadline)
        )
        return list(rows)

    async def in_status(self, statuses: Collection[str]) -> list[SubsidyRow]:
        """Every application in one of ``statuses``."""
        rows = await self.session.scalars(select(SubsidyRow).where(SubsidyRow.status.in_(sorted(statuses))))
        return list(rows)


class SqlBudgets:
    """Budget lines and actuals in the service's database."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def line(self, centre_id: str, year: int, line_id: str) -> BudgetLineRow | None:
        """The line, or None."""
        return await self.session.get(BudgetLineRow, (centre_id, year, line_id))

    def add_line(self, row: BudgetLineRow) -> None:
        """Store a new line."""
        self.session.add(row)

    async def lines(self, centre_id: str, year: int) -> list[BudgetLineRow]:
        """A centre's lines of ``year``, by id."""
        rows = await self.session.scalars(
            select(BudgetLineRow)
            .where(BudgetLineRow.centre_id == centre_id, BudgetLineRow.year == year)
            .order_by(BudgetLineRow.line_id)
        )
        return list(rows)

    async def actual(self, actual_id: str) -> ActualRow | None:
        """The actual, or None."""
        return await self.session.get(ActualRow, actual_id)

    def add_actual(self, row: ActualRow) -> None:
        """Book an actual."""
        self.session.add(row)

    async def actual_sum(self, centre_id: str, year: int, line_id: str) -> Decimal:
        """The actuals booked on one line, summed in the database."""
        total = await self.session.scalar(
            select(func.coalesce(func.sum(ActualRow.amount), 0)).where(
                ActualRow.centre_id == centre_id, ActualRow.year == year, ActualRow.line_id == line_id
            )
        )
        return Decimal(total or 0).quantize(Decimal("0.01"))

    async def actuals(self, centre_id: str, year: int) -> list[tuple[str, Decimal]]:
        """(line id, amount) of every actual of a centre in ``year``."""
        rows = await self.session.execute(
            select(ActualRow.line_id, ActualRow.amount).where(
                ActualRow.centre_id == centre_id, ActualRow.year == year
            )
        )
        return [(line_id, amount) for line_id, amount in rows]


class SqlSentOnce:
    """Sent-once keys in the service's database; the primary key makes a second send a no-op."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def first_time(self, kind: str, key: str, now: datetime) -> bool:
        """Insert the key unless it is there; True when this call inserted it."""
        return await insert_new(self.session, SentOnceRow, {"kind": kind, "key": key, "sent_at": now})
