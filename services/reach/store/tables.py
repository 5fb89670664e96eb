"""The reach tables: the activities it follows, reports, pending reports, flags and advice."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

TZ = DateTime(timezone=True)


class ReachBase(DeclarativeBase):
    """Declarative base of the reach tables."""


class ActivityRow(ReachBase):
    """An activity as the agenda last announced it; withdrawn ones are kept for their reports."""

    __tablename__ = "reach_activities"

    organisation: Mapped[str] = mapped_column(String(40), primary_key=True)
    activity_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(TZ)


class ReportRow(ReachBase):
    """The accepted report of one occurrence (a later report of the same occurrence replaces it)."""

    __tablename__ = "reach_reports"

    organisation: Mapped[str] = mapped_column(String(40), primary_key=True)
    activity_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    occurrence: Mapped[str] = mapped_column(String(20), primary_key=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    event_id: Mapped[str] = mapped_column(String(64))
    hear_back_by: Mapped[date | None] = mapped_column(Date, nullable=True)
    followed_up: Mapped[bool] = mapped_column(Boolean, default=False)
    received_at: Mapped[datetime] = mapped_column(TZ)


class PendingReportRow(ReachBase):
    """A report of an activity the agenda has not shown yet; refused when it stays unknown too long."""

    __tablename__ = "reach_pending_reports"

    organisation: Mapped[str] = mapped_column(String(40), primary_key=True)
    activity_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    occurrence: Mapped[str] = mapped_column(String(20), primary_key=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    event_id: Mapped[str] = mapped_column(String(64))
    correlation_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    topic: Mapped[str] = mapped_column(String(255))
    partition: Mapped[int] = mapped_column(Integer)
    offset: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(TZ)


class FlagRow(ReachBase):
    """A reminder or warning already announced for an occurrence: ``report_due`` or ``promise_overdue``."""

    __tablename__ = "reach_flags"

    organisation: Mapped[str] = mapped_column(String(40), primary_key=True)
    activity_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    occurrence: Mapped[str] = mapped_column(String(20), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    flagged_at: Mapped[datetime] = mapped_column(TZ)


class AdviceRow(ReachBase):
    """The advice last published for ``<wijk>/<group>/<kind>``, and its fingerprint."""

    __tablename__ = "reach_advice"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(TZ)


class StaleAdviceRow(ReachBase):
    """Advice that new or changed reports may have changed; recomputed by the next tick."""

    __tablename__ = "reach_stale_advice"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
    """Changes with every marking, so a refresh clears only the markings it has seen."""


def aware(moment: datetime) -> datetime:
    """A stored moment with its zone (SQLite gives naive UTC back)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
