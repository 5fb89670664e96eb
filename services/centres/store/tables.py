"""The centres tables: centres and rooms, bookings, coaching, budgets, subsidies, volunteers and payments.

Personal data (names, contact details, dates of birth, coaching notes, justifications) is stored only
sealed (``sealed`` columns, see :mod:`centres.sealing`); everything else is ids, codes, dates and amounts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

MONEY = Numeric(12, 2)
HOURS = Numeric(6, 2)


class CentresBase(DeclarativeBase):
    """Declarative base of the centres tables."""


class CentreRow(CentresBase):
    """A centre: where it is, who runs it, when it is open, and its price list."""

    __tablename__ = "centres"

    centre_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    organisation: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    neighbourhoods: Mapped[list[str]] = mapped_column(JSON)
    opening_hours: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    coordinator_id: Mapped[str | None] = mapped_column(String(60), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean)
    prices: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RoomRow(CentresBase):
    """A room of a centre."""

    __tablename__ = "rooms"

    centre_id: Mapped[str] = mapped_column(ForeignKey("centres.centre_id"), primary_key=True)
    room_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column(Integer)
    step_free: Mapped[bool] = mapped_column(Boolean)
    hearing_loop: Mapped[bool] = mapped_column(Boolean)
    accessible_toilet: Mapped[bool] = mapped_column(Boolean)


class PersonRow(CentresBase):
    """A coordinator or coach: a pseudonymous id, a role, a centre, and sealed contact details."""

    __tablename__ = "people"

    person_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))
    centre_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BookingRow(CentresBase):
    """A room booking: the centre's own programme or a partner's rental."""

    __tablename__ = "bookings"
    __table_args__ = (Index("ix_bookings_room_time", "centre_id", "room_id", "starts_at"),)

    booking_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    centre_id: Mapped[str] = mapped_column(ForeignKey("centres.centre_id"))
    room_id: Mapped[str] = mapped_column(String(100))
    booked_by: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recurrence: Mapped[str | None] = mapped_column(String(500), nullable=True)
    use: Mapped[str] = mapped_column(String(20))
    tariff: Mapped[str] = mapped_column(String(20))
    expected_attendance: Mapped[int | None] = mapped_column(Integer, nullable=True)
    neighbourhoods: Mapped[list[str]] = mapped_column(JSON)
    target_groups: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))
    rent: Mapped[Decimal] = mapped_column(MONEY)
    deposit: Mapped[Decimal] = mapped_column(MONEY)
    cancellation_fee: Mapped[Decimal] = mapped_column(MONEY)
    activity_id: Mapped[str] = mapped_column(String(100))
    problems: Mapped[list[str]] = mapped_column(JSON)
    conflicts: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BookingConflictRow(CentresBase):
    """A conflict the scheduler detected for a booking's activity (removed when it is resolved)."""

    __tablename__ = "booking_conflicts"

    conflict_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    booking_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)


class TrajectoryRow(CentresBase):
    """A coaching trajectory (or a peer group, topic ``peer_group``, with members)."""

    __tablename__ = "trajectories"

    trajectory_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    centre_id: Mapped[str] = mapped_column(ForeignKey("centres.centre_id"))
    coordinator_id: Mapped[str] = mapped_column(String(60))
    coach_id: Mapped[str] = mapped_column(String(60))
    members: Mapped[list[str]] = mapped_column(JSON)
    topics: Mapped[list[str]] = mapped_column(JSON)
    goals: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class SessionRow(CentresBase):
    """A coaching session: topic, date, duration and goal scores; the notes sealed."""

    __tablename__ = "coaching_sessions"

    session_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    trajectory_id: Mapped[str] = mapped_column(ForeignKey("trajectories.trajectory_id"), index=True)
    topic: Mapped[str] = mapped_column(String(30))
    held_on: Mapped[date] = mapped_column(Date)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    scores: Mapped[dict[str, int]] = mapped_column(JSON)
    sealed_notes: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class BudgetLineRow(CentresBase):
    """One line of a centre's budget for a year."""

    __tablename__ = "budget_lines"

    centre_id: Mapped[str] = mapped_column(ForeignKey("centres.centre_id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    line_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    category: Mapped[str] = mapped_column(String(100))
    budgeted: Mapped[Decimal] = mapped_column(MONEY)


class ActualRow(CentresBase):
    """An amount booked on a budget line."""

    __tablename__ = "budget_actuals"
    __table_args__ = (Index("ix_budget_actuals_line", "centre_id", "year", "line_id"),)

    actual_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    centre_id: Mapped[str] = mapped_column(String(100))
    year: Mapped[int] = mapped_column(Integer)
    line_id: Mapped[str] = mapped_column(String(100))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    booked_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(300))


class SubsidyRow(CentresBase):
    """A subsidy application of a centre."""

    __tablename__ = "subsidies"

    application_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    centre_id: Mapped[str] = mapped_column(ForeignKey("centres.centre_id"), index=True)
    regulation: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    amount_requested: Mapped[Decimal] = mapped_column(MONEY)
    amount_granted: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    amount_paid: Mapped[Decimal] = mapped_column(MONEY)
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    report_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    report_submitted: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class VolunteerRow(CentresBase):
    """A volunteer: a pseudonymous id, sealed personal data (date of birth included) and the VOG date."""

    __tablename__ = "volunteers"

    volunteer_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    vog_issued_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MembershipRow(CentresBase):
    """A volunteer works for a centre, in work that may need a VOG."""

    __tablename__ = "memberships"

    volunteer_id: Mapped[str] = mapped_column(ForeignKey("volunteers.volunteer_id"), primary_key=True)
    centre_id: Mapped[str] = mapped_column(ForeignKey("centres.centre_id"), primary_key=True)
    needs_vog: Mapped[bool] = mapped_column(Boolean)
    since: Mapped[date] = mapped_column(Date)


class HoursRow(CentresBase):
    """Hours a volunteer worked for a centre on a date; ``payment_id`` once an allowance paid them."""

    __tablename__ = "volunteer_hours"
    __table_args__ = (Index("ix_volunteer_hours_volunteer", "volunteer_id", "worked_on"),)

    entry_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    volunteer_id: Mapped[str] = mapped_column(ForeignKey("volunteers.volunteer_id"))
    centre_id: Mapped[str] = mapped_column(String(100))
    worked_on: Mapped[date] = mapped_column(Date)
    hours: Mapped[Decimal] = mapped_column(HOURS)
    payment_id: Mapped[str | None] = mapped_column(String(100), nullable=True)


class PaymentRow(CentresBase):
    """An allowance or cost reimbursement paid (or declared from elsewhere, ``centre_id`` null)."""

    __tablename__ = "allowance_payments"
    __table_args__ = (Index("ix_allowance_payments_volunteer", "volunteer_id", "year", "month"),)

    payment_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    volunteer_id: Mapped[str] = mapped_column(ForeignKey("volunteers.volunteer_id"))
    centre_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    route: Mapped[str] = mapped_column(String(30))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    hours: Mapped[Decimal] = mapped_column(HOURS)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    worked_from: Mapped[date] = mapped_column(Date)
    worked_until: Mapped[date] = mapped_column(Date)
    exception_caps: Mapped[list[str]] = mapped_column(JSON)
    sealed_justification: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    declared_elsewhere: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SentOnceRow(CentresBase):
    """A warning or reminder already published: its key makes it go out once."""

    __tablename__ = "sent_once"
    __table_args__ = (UniqueConstraint("kind", "key", name="uq_sent_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(300))
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def utc(moment: datetime) -> datetime:
    """A stored moment as an aware UTC datetime (SQLite hands back naive UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
