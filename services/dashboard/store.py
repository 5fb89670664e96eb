"""The dashboard's database: accounts and sign-ins, and the read model of conflicts and the agenda."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from werkplaats.db import BigId
from werkplaats.unit_of_work import SqlUnitOfWork


class DashboardBase(DeclarativeBase):
    """Declarative base of the dashboard tables."""


class AccountRow(DashboardBase):
    """A person who signs in: a role, for coordinators their centre, and an argon2 password hash."""

    __tablename__ = "accounts"

    account_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    centre_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    organisation: Mapped[str | None] = mapped_column(String(40), nullable=True)
    """The organisation the person plans and reports for (an organiser), if any."""
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


class SessionRow(DashboardBase):
    """A sign-in: only the SHA-256 of the cookie's token is kept."""

    __tablename__ = "sign_ins"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.account_id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class SecretRow(DashboardBase):
    """A secret of the service itself (signing key, operations key), shared by its instances."""

    __tablename__ = "service_secrets"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class ConflictRow(DashboardBase):
    """A conflict as it now stands: its latest details and where it is in its life."""

    __tablename__ = "conflicts"
    __table_args__ = (Index("ix_conflicts_status_severity", "status", "severity"),)

    conflict_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    rule: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    detected: Mapped[dict[str, Any]] = mapped_column(JSON)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    wijken: Mapped[list[str]] = mapped_column(JSON)
    organisations: Mapped[list[str]] = mapped_column(JSON)
    first_detected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[str | None] = mapped_column(String(40), nullable=True)
    acknowledged_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ConflictActivityRow(DashboardBase):
    """An activity taking part in a conflict (joins conflicts to the agenda)."""

    __tablename__ = "conflict_activities"

    conflict_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    organisation: Mapped[str] = mapped_column(String(40), primary_key=True)
    activity_id: Mapped[str] = mapped_column(String(100), primary_key=True)


class ConflictEventRow(DashboardBase):
    """One step in a conflict's history: detected, acknowledged or resolved."""

    __tablename__ = "conflict_history"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conflict_id: Mapped[str] = mapped_column(String(80), index=True)
    event_type: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class ActivityRow(DashboardBase):
    """An activity on the shared agenda, organiser stamped."""

    __tablename__ = "activities"

    organisation: Mapped[str] = mapped_column(String(40), primary_key=True)
    activity_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    wijken: Mapped[list[str]] = mapped_column(JSON)
    target_groups: Mapped[list[str]] = mapped_column(JSON)
    venue_id: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OccurrenceRow(DashboardBase):
    """One occurrence of an activity, for the week and month views."""

    __tablename__ = "occurrences"

    organisation: Mapped[str] = mapped_column(String(40), primary_key=True)
    activity_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True, index=True)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ChangeRow(DashboardBase):
    """A numbered change to the conflicts, for the live pages (resumable with ``Last-Event-ID``)."""

    __tablename__ = "changes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conflict_id: Mapped[str] = mapped_column(String(80))
    event_type: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SqlDashboardUnitOfWork(SqlUnitOfWork):
    """One transaction of the dashboard: the read model's and the accounts' tables through ``session``."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        self._conflicts: dict[str, ConflictRow | None] = {}

    async def load_conflicts(self, conflict_ids: Iterable[str]) -> None:
        """Read the conflicts of a batch in one query; :meth:`conflict` then answers from memory."""
        wanted = set(conflict_ids) - set(self._conflicts)
        if not wanted:
            return
        found = await self.session.scalars(select(ConflictRow).where(ConflictRow.conflict_id.in_(wanted)))
        rows = {row.conflict_id: row for row in found}
        self._conflicts.update({conflict_id: rows.get(conflict_id) for conflict_id in wanted})

    async def conflict(self, conflict_id: str) -> ConflictRow | None:
        """The conflict with ``conflict_id``, if the read model has it."""
        if conflict_id not in self._conflicts:
            await self.load_conflicts([conflict_id])
        return self._conflicts[conflict_id]

    def add_conflict(self, row: ConflictRow) -> None:
        """A conflict seen for the first time."""
        self.session.add(row)
        self._conflicts[row.conflict_id] = row


class VolunteerCentreRow(DashboardBase):
    """A volunteer (pseudonymous id) works for a centre: learnt from hours and payments on centres.events."""

    __tablename__ = "volunteer_centres"

    volunteer_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    centre_id: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)


class AllowanceWarningRow(DashboardBase):
    """The latest warning that a volunteer's allowances near one cap in one period (month 0: the year)."""

    __tablename__ = "allowance_warnings"

    volunteer_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    cap: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[int] = mapped_column(Integer, primary_key=True)
    limit: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    total: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    remaining: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    percent: Mapped[int] = mapped_column(Integer)
    warned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
