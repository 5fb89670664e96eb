"""Registered iCalendar feeds and what each last published, in the scheduling database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from scheduling.store import SchedulingBase


class FeedRow(SchedulingBase):
    """A partner's calendar URL, polled every ``interval_s`` and published as that organisation."""

    __tablename__ = "feeds"
    __table_args__ = (
        UniqueConstraint("organisation", "url", name="uq_feeds_organisation_url"),
        Index("ix_feeds_next_poll_at", "next_poll_at"),
    )

    feed_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    organisation: Mapped[str] = mapped_column(String(40))
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON)
    interval_s: Mapped[int] = mapped_column(Integer)
    next_poll_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_polled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    last_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_problems: Mapped[list[str]] = mapped_column(JSON, default=list)
    etag: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_modified: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FeedEventRow(SchedulingBase):
    """An activity a feed published, with the hash of the payload last published for it."""

    __tablename__ = "feed_events"

    feed_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("feeds.feed_id", ondelete="CASCADE"), primary_key=True
    )
    activity_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
