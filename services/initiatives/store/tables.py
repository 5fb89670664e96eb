"""The initiatives tables: initiatives (contact data sealed), support, milestones, activities, reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Index, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class InitiativesBase(DeclarativeBase):
    """Declarative base of the initiatives tables."""


class InitiativeRow(InitiativesBase):
    """One initiative: its public facts in columns, what identifies people sealed (encrypted)."""

    __tablename__ = "initiatives"
    __table_args__ = (
        Index("ix_initiatives_open_builder", "status", "builder_id"),
        Index("ix_initiatives_due", "first_contact_at", "first_contact_due"),
    )

    initiative_id: Mapped[str] = mapped_column(String(13), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(10))
    registered_by: Mapped[str | None] = mapped_column(String(60), nullable=True)
    wijk: Mapped[str] = mapped_column(String(8))
    neighbourhoods: Mapped[list[str]] = mapped_column(JSON)
    scale: Mapped[str] = mapped_column(String(10))
    themes: Mapped[list[str]] = mapped_column(JSON)
    target_groups: Mapped[list[str]] = mapped_column(JSON)
    help_wanted: Mapped[list[str]] = mapped_column(JSON)
    estimated_budget_eur: Mapped[float | None] = mapped_column(Float, nullable=True)
    legal_entity: Mapped[bool] = mapped_column(Boolean)
    details: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    """Sealed JSON: title, description, for whom (free text may name people)."""
    contact: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    """Sealed JSON: the initiator's name, e-mail, phone, organisation; erased after the retention period."""
    access_token_sha256: Mapped[str] = mapped_column(String(64))
    builder_id: Mapped[str | None] = mapped_column(String(44), nullable=True)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    first_contact_due: Mapped[date] = mapped_column(Date)
    first_contact_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    overdue_raised_for: Mapped[date | None] = mapped_column(Date, nullable=True)
    status_reason: Mapped[str | None] = mapped_column(String(30), nullable=True)
    explanation: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    """Sealed: the explanation the initiator reads when the initiative is declined, withdrawn or merged."""
    merged_into: Mapped[str | None] = mapped_column(String(13), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    contact_erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SupportEntryRow(InitiativesBase):
    """One entry of an initiative's support log; its notes are sealed."""

    __tablename__ = "support_log"
    __table_args__ = (Index("ix_support_log_initiative", "initiative_id", "on"),)

    entry_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    initiative_id: Mapped[str] = mapped_column(String(13))
    kind: Mapped[str] = mapped_column(String(20))
    hours: Mapped[float] = mapped_column(Float)
    by: Mapped[str] = mapped_column(String(60))
    referred_to: Mapped[str | None] = mapped_column(String(20), nullable=True)
    on: Mapped[date] = mapped_column(Date)
    notes: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MilestoneRow(InitiativesBase):
    """A milestone of an initiative: planned, then reached."""

    __tablename__ = "milestones"

    milestone_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    initiative_id: Mapped[str] = mapped_column(String(13), index=True)
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    reached_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class ActivityRow(InitiativesBase):
    """A planned activity of an initiative, as published into the shared agenda."""

    __tablename__ = "activities"

    activity_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    initiative_id: Mapped[str] = mapped_column(String(13), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    withdrawn: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AttachedConflictRow(InitiativesBase):
    """A conflict of the shared agenda that concerns one of an initiative's activities."""

    __tablename__ = "attached_conflicts"

    conflict_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    activity_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    initiative_id: Mapped[str] = mapped_column(String(13), index=True)
    rule: Mapped[str] = mapped_column(String(30))
    severity: Mapped[str] = mapped_column(String(10))
    explanation_nl: Mapped[str] = mapped_column(Text)
    explanation_en: Mapped[str] = mapped_column(Text)
    resolved: Mapped[bool] = mapped_column(Boolean)
    detected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SubsidyCheckRow(InitiativesBase):
    """The last subsidy check of an initiative: the facts used and what fits."""

    __tablename__ = "subsidy_checks"

    initiative_id: Mapped[str] = mapped_column(String(13), primary_key=True)
    checked_on: Mapped[date] = mapped_column(Date)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    best: Mapped[str | None] = mapped_column(String(40), nullable=True)


class ClosedDayRow(InitiativesBase):
    """A day the Werkplaats is closed (the operations calendar): not a working day for deadlines."""

    __tablename__ = "closed_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    reason: Mapped[str] = mapped_column(String(200))


class SentReminderRow(InitiativesBase):
    """A subsidy reminder that went out: its key, so each reminder step is published once."""

    __tablename__ = "sent_reminders"

    reminder_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    initiative_id: Mapped[str] = mapped_column(String(13), index=True)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def utc(moment: datetime) -> datetime:
    """A stored moment as an aware UTC datetime (SQLite hands back naive UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
