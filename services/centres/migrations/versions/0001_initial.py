"""Centres, rooms, people, bookings, coaching, budgets, subsidies, volunteers, payments, sent-once keys.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from werkplaats.migrations import TZ, first_migration

revision = "0001"
down_revision = None


def create_tables() -> None:
    op.create_table(
        "booking_conflicts",
        sa.Column("conflict_id", sa.String(length=80), nullable=False),
        sa.Column("booking_id", sa.String(length=100), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("conflict_id", "booking_id"),
    )
    op.create_table(
        "budget_actuals",
        sa.Column("actual_id", sa.String(length=100), nullable=False),
        sa.Column("centre_id", sa.String(length=100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.String(length=100), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("actual_id"),
    )
    op.create_index(
        "ix_budget_actuals_line", "budget_actuals", ["centre_id", "year", "line_id"], unique=False
    )
    op.create_table(
        "centres",
        sa.Column("centre_id", sa.String(length=100), nullable=False),
        sa.Column("organisation", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("neighbourhoods", sa.JSON(), nullable=False),
        sa.Column("opening_hours", sa.JSON(), nullable=False),
        sa.Column("coordinator_id", sa.String(length=60), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("prices", sa.JSON(), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("centre_id"),
    )
    op.create_table(
        "people",
        sa.Column("person_id", sa.String(length=60), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("centre_id", sa.String(length=100), nullable=True),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("person_id"),
    )
    op.create_table(
        "sent_once",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("sent_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "key", name="uq_sent_once"),
    )
    op.create_table(
        "volunteers",
        sa.Column("volunteer_id", sa.String(length=60), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("vog_issued_on", sa.Date(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("volunteer_id"),
    )
    op.create_table(
        "allowance_payments",
        sa.Column("payment_id", sa.String(length=100), nullable=False),
        sa.Column("volunteer_id", sa.String(length=60), nullable=False),
        sa.Column("centre_id", sa.String(length=100), nullable=True),
        sa.Column("route", sa.String(length=30), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("hours", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("worked_from", sa.Date(), nullable=False),
        sa.Column("worked_until", sa.Date(), nullable=False),
        sa.Column("exception_caps", sa.JSON(), nullable=False),
        sa.Column("sealed_justification", sa.LargeBinary(), nullable=True),
        sa.Column("declared_elsewhere", sa.Boolean(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.volunteer_id"],
        ),
        sa.PrimaryKeyConstraint("payment_id"),
    )
    op.create_index(
        "ix_allowance_payments_volunteer",
        "allowance_payments",
        ["volunteer_id", "year", "month"],
        unique=False,
    )
    op.create_table(
        "bookings",
        sa.Column("booking_id", sa.String(length=100), nullable=False),
        sa.Column("centre_id", sa.String(length=100), nullable=False),
        sa.Column("room_id", sa.String(length=100), nullable=False),
        sa.Column("booked_by", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("starts_at", TZ, nullable=False),
        sa.Column("ends_at", TZ, nullable=False),
        sa.Column("recurrence", sa.String(length=500), nullable=True),
        sa.Column("use", sa.String(length=20), nullable=False),
        sa.Column("tariff", sa.String(length=20), nullable=False),
        sa.Column("expected_attendance", sa.Integer(), nullable=True),
        sa.Column("neighbourhoods", sa.JSON(), nullable=False),
        sa.Column("target_groups", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("rent", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("deposit", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("cancellation_fee", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("activity_id", sa.String(length=100), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("conflicts", sa.JSON(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"],
            ["centres.centre_id"],
        ),
        sa.PrimaryKeyConstraint("booking_id"),
    )
    op.create_index("ix_bookings_room_time", "bookings", ["centre_id", "room_id", "starts_at"], unique=False)
    op.create_table(
        "budget_lines",
        sa.Column("centre_id", sa.String(length=100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("budgeted", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"],
            ["centres.centre_id"],
        ),
        sa.PrimaryKeyConstraint("centre_id", "year", "line_id"),
    )
    op.create_table(
        "memberships",
        sa.Column("volunteer_id", sa.String(length=60), nullable=False),
        sa.Column("centre_id", sa.String(length=100), nullable=False),
        sa.Column("needs_vog", sa.Boolean(), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"],
            ["centres.centre_id"],
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.volunteer_id"],
        ),
        sa.PrimaryKeyConstraint("volunteer_id", "centre_id"),
    )
    op.create_table(
        "rooms",
        sa.Column("centre_id", sa.String(length=100), nullable=False),
        sa.Column("room_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("step_free", sa.Boolean(), nullable=False),
        sa.Column("hearing_loop", sa.Boolean(), nullable=False),
        sa.Column("accessible_toilet", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"],
            ["centres.centre_id"],
        ),
        sa.PrimaryKeyConstraint("centre_id", "room_id"),
    )
    op.create_table(
        "subsidies",
        sa.Column("application_id", sa.String(length=100), nullable=False),
        sa.Column("centre_id", sa.String(length=100), nullable=False),
        sa.Column("regulation", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("amount_requested", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("amount_granted", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("amount_paid", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("report_due", sa.Date(), nullable=True),
        sa.Column("report_submitted", sa.Boolean(), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"],
            ["centres.centre_id"],
        ),
        sa.PrimaryKeyConstraint("application_id"),
    )
    op.create_index(op.f("ix_subsidies_centre_id"), "subsidies", ["centre_id"], unique=False)
    op.create_table(
        "trajectories",
        sa.Column("trajectory_id", sa.String(length=100), nullable=False),
        sa.Column("centre_id", sa.String(length=100), nullable=False),
        sa.Column("coordinator_id", sa.String(length=60), nullable=False),
        sa.Column("coach_id", sa.String(length=60), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("goals", sa.JSON(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["centre_id"],
            ["centres.centre_id"],
        ),
        sa.PrimaryKeyConstraint("trajectory_id"),
    )
    op.create_table(
        "volunteer_hours",
        sa.Column("entry_id", sa.String(length=100), nullable=False),
        sa.Column("volunteer_id", sa.String(length=60), nullable=False),
        sa.Column("centre_id", sa.String(length=100), nullable=False),
        sa.Column("worked_on", sa.Date(), nullable=False),
        sa.Column("hours", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("payment_id", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.volunteer_id"],
        ),
        sa.PrimaryKeyConstraint("entry_id"),
    )
    op.create_index(
        "ix_volunteer_hours_volunteer", "volunteer_hours", ["volunteer_id", "worked_on"], unique=False
    )
    op.create_table(
        "coaching_sessions",
        sa.Column("session_id", sa.String(length=100), nullable=False),
        sa.Column("trajectory_id", sa.String(length=100), nullable=False),
        sa.Column("topic", sa.String(length=30), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("sealed_notes", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["trajectory_id"],
            ["trajectories.trajectory_id"],
        ),
        sa.PrimaryKeyConstraint("session_id"),
    )
    op.create_index(
        op.f("ix_coaching_sessions_trajectory_id"), "coaching_sessions", ["trajectory_id"], unique=False
    )


upgrade, downgrade = first_migration(
    create_tables,
    drop=(
        "booking_conflicts",
        "coaching_sessions",
        "volunteer_hours",
        "trajectories",
        "subsidies",
        "rooms",
        "memberships",
        "budget_lines",
        "bookings",
        "allowance_payments",
        "volunteers",
        "sent_once",
        "people",
        "centres",
        "budget_actuals",
    ),
)
