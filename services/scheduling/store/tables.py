"""The scheduler's tables: the agenda, each zone's members, the conflicts, and operations' own dates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Index, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class SchedulingBase(DeclarativeBase):
    """Declarative base of the scheduling tables."""


class ActivityRow(SchedulingBase):
    """An activity as its organiser last published it."""

    __tablename__ = "activities"

    organisation: Mapped[str] = mapped_column(String(40), primary_key=True)
    activity_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    sequence: Mapped[int] = mapped_column(BigInteger)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ZoneRow(SchedulingBase):
    """A zone and the token of its last committed change (a cached zone is valid while tokens match)."""

    __tablename__ = "zones"

    zone: Mapped[str] = mapped_column(String(140), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


class ZoneMemberRow(SchedulingBase):
    """An activity placed in a zone, as the zone's detector holds it."""

    __tablename__ = "zone_members"

    zone: Mapped[str] = mapped_column(String(140), primary_key=True)
    organisation: Mapped[str] = mapped_column(String(40), primary_key=True)
    activity_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    sequence: Mapped[int] = mapped_column(BigInteger)


class ConflictRow(SchedulingBase):
    """A conflict ever detected, open or resolved, with its acknowledgement."""

    __tablename__ = "conflicts"
    __table_args__ = (Index("ix_conflicts_status_starts", "status", "starts_at"),)

    conflict_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    owner_zone: Mapped[str] = mapped_column(String(140), index=True)
    rule: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    neighbourhoods: Mapped[list[str]] = mapped_column(JSON)
    organisations: Mapped[list[str]] = mapped_column(JSON)
    detected: Mapped[dict[str, Any]] = mapped_column(JSON)
    resolution: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    detected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    acknowledged: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    acknowledged_by: Mapped[str | None] = mapped_column(String(40), nullable=True)
    acknowledged_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class CustomDateRow(SchedulingBase):
    """An unfavourable date that operations added, in the shape of the shipped dates file."""

    __tablename__ = "custom_dates"

    entry_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    entry: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
