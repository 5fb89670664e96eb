"""The centres unit of work in memory, for fast tests of the use cases without a database."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from decimal import Decimal

from centres.store.tables import (
    ActualRow,
    BudgetLineRow,
    CentreRow,
    PersonRow,
    RoomRow,
    SessionRow,
    SubsidyRow,
    TrajectoryRow,
)
from centres.store.unit_of_work import CentresUnitOfWork
from werkplaats.unit_of_work import InMemoryUnitOfWork


class InMemoryCentres:
    """Centres and rooms in dictionaries."""

    def __init__(self) -> None:
        self.rows: dict[str, CentreRow] = {}
        self.room_rows: dict[str, list[RoomRow]] = {}

    async def get(self, centre_id: str) -> CentreRow | None:
        """The centre, or None."""
        return self.rows.get(centre_id)

    async def rooms(self, centre_id: str) -> list[RoomRow]:
        """The centre's rooms."""
        return list(self.room_rows.get(centre_id, []))

    def add(self, row: CentreRow) -> None:
        """Store a new centre."""
        self.rows[row.centre_id] = row

    async def replace_rooms(self, centre_id: str, rooms: list[RoomRow]) -> None:
        """Make ``rooms`` the centre's rooms."""
        self.room_rows[centre_id] = list(rooms)

    async def all(self) -> list[CentreRow]:
        """Every centre, by name."""
        return sorted(self.rows.values(), key=lambda row: row.name)

    async def all_rooms(self) -> list[RoomRow]:
        """Every room, by id."""
        return sorted((room for rooms in self.room_rows.values() for room in rooms), key=lambda r: r.room_id)


class InMemoryPeople:
    """People in a dictionary."""

    def __init__(self) -> None:
        self.rows: dict[str, PersonRow] = {}

    async def get(self, person_id: str) -> PersonRow | None:
        """The person, or None."""
        return self.rows.get(person_id)

    def add(self, row: PersonRow) -> None:
        """Store a new person."""
        self.rows[row.person_id] = row


class InMemoryCoaching:
    """Trajectories and sessions in dictionaries."""

    def __init__(self) -> None:
        self.trajectories: dict[str, TrajectoryRow] = {}
        self.sessions: dict[str, SessionRow] = {}

    async def trajectory(self, trajectory_id: str) -> TrajectoryRow | None:
        """The trajectory, or None."""
        return self.trajectories.get(trajectory_id)

    def add_trajectory(self, row: TrajectoryRow) -> None:
        """Start a trajectory."""
        self.trajectories[row.trajectory_id] = row

    async def logged(self, session_id: str) -> SessionRow | None:
        """The logged session, or None."""
        return self.sessions.get(session_id)

    def add_session(self, row: SessionRow) -> None:
        """Log a session."""
        self.sessions[row.session_id] = row

    async def sessions_of(self, trajectory_id: str) -> list[SessionRow]:
        """A trajectory's sessions, oldest first."""
        rows = [row for row in self.sessions.values() if row.trajectory_id == trajectory_id]
        return sorted(rows, key=lambda row: row.held_on)


class InMemorySubsidies:
    """Subsidy applications in a dictionary."""

    def __init__(self) -> None:
        self.rows: dict[str, SubsidyRow] = {}

    async def get(self, application_id: str) -> SubsidyRow | None:
        """The application, or None."""
        return self.rows.get(application_id)

    def add(self, row: SubsidyRow) -> None:
        """Store a new application."""
        self.rows[row.application_id] = row

    async def of_centre(self, centre_id: str) -> list[SubsidyRow]:
        """A centre's applications by deadline (those without one last)."""
        rows = [row for row in self.rows.values() if row.centre_id == centre_id]
        return sorted(rows, key=lambda row: (row.deadline is None, row.deadline or date.min))

    async def in_status(self, statuses: Collection[str]) -> list[SubsidyRow]:
        """Every application in one of ``statuses``."""
        return [row for row in self.rows.values() if row.status in statuses]


class InMemoryBudgets:
    """Budget lines and actuals in dictionaries."""

    def __init__(self) -> None:
        self.line_rows: dict[tuple[str, int, str], BudgetLineRow] = {}
        self.actual_rows: dict[str, ActualRow] = {}

    async def line(self, centre_id: str, year: int, line_id: str) -> BudgetLineRow | None:
        """The line, or None."""
        return self.line_rows.get((centre_id, year, line_id))

    def add_line(self, row: BudgetLineRow) -> None:
        """Store a new line."""
        self.line_rows[(row.centre_id, row.year, row.line_id)] = row

    async def lines(self, centre_id: str, year: int) -> list[BudgetLineRow]:
        """A centre's lines of ``year``, by id."""
        return [row for key, row in sorted(self.line_rows.items()) if key[:2] == (centre_id, year)]

    async def actual(self, actual_id: str) -> ActualRow | None:
        """The actual, or None."""
        return self.actual_rows.get(actual_id)

    def add_actual(self, row: ActualRow) -> None:
        """Book an actual."""
        self.actual_rows[row.actual_id] = row

    async def actual_sum(self, centre_id: str, year: int, line_id: str) -> Decimal:
        """The actuals booked on one line."""
        amounts = [amount for line, amount in await self.actuals(centre_id, year) if line == line_id]
        return sum(amounts, Decimal("0.00")).quantize(Decimal("0.01"))

    async def actuals(self, centre_id: str, year: int) -> list[tuple[str, Decimal]]:
        """(line id, amount) of every actual of a centre in ``year``."""
        return [
            (row.line_id, row.amount)
            for row in self.actual_rows.values()
            if (row.centre_id, row.year) == (centre_id, year)
        ]


class InMemorySentOnce:
    """Sent-once keys in a dictionary."""

    def __init__(self) -> None:
        self.sent: dict[tuple[str, str], datetime] = {}

    async def first_time(self, kind: str, key: str, now: datetime) -> bool:
        """Record ``kind``/``key``; False when it was there."""
        if (kind, key) in self.sent:
            return False
        self.sent[(kind, key)] = now
        return True


class InMemoryCentresUnitOfWork(InMemoryUnitOfWork, CentresUnitOfWork):
    """The centres unit of work without a database: one instance lives through many commits."""

    def __init__(self) -> None:
        super().__init__()
        self.centres = InMemoryCentres()
        self.people = InMemoryPeople()
        self.coaching = InMemoryCoaching()
        self.subsidies = InMemorySubsidies()
        self.budgets = InMemoryBudgets()
        self.sent_once = InMemorySentOnce()
