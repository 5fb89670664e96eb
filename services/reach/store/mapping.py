"""Stored rows as domain objects."""

from __future__ import annotations

from dataclasses import replace

from contracts import ActivityPublished
from reach.domain import PlannedActivity
from reach.store.tables import ActivityRow


def planned(row: ActivityRow) -> PlannedActivity:
    """The activity a stored row describes."""
    activity = PlannedActivity.from_published(row.organisation, ActivityPublished.model_validate(row.payload))
    return replace(activity, withdrawn=True) if row.withdrawn else activity
