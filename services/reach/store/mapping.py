"""Stored rows as domain objects."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from contracts import ActivityPublished
from reach.domain import PlannedActivity
from reach.store.tables import ActivityRow


def planned(row: ActivityRow) -> PlannedActivity:
    """The activity a stored row describes."""
    return planned_of(row.organisation, row.payload, withdrawn=row.withdrawn)


def planned_of(organisation: str, payload: dict[str, Any], *, withdrawn: bool) -> PlannedActivity:
    """The activity an organisation published as ``payload``, withdrawn or not."""
    activity = PlannedActivity.from_published(organisation, ActivityPublished.model_validate(payload))
    return replace(activity, withdrawn=True) if withdrawn else activity
