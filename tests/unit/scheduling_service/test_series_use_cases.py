"""Series with exceptions in the use cases: the intake refuses misfits; HTTP changes build on each other."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from contracts import ActivityPublished, ActivityWithdrawn
from scheduling.service.intake import Intake, UnschedulableSeriesError
from scheduling.service.placements import publish_placement
from scheduling.service.publications import latest_version, stage_publication
from scheduling.store.memory import InMemorySchedulingUnitOfWork
from werkplaats.errors import PermanentError

START = datetime(2026, 12, 15, 19, 0, tzinfo=UTC)
HORIZON = timedelta(days=365)
KEY = ("staedion", "reeks")


def partitioned() -> Intake:
    return Intake(horizon=HORIZON, place=publish_placement)


def series(**extra: Any) -> ActivityPublished:
    fields: dict[str, Any] = {
        "activity_id": "reeks",
        "title": "Spreekuur",
        "kind": "consultation",
        "starts_at": START,
        "ends_at": START + timedelta(hours=2),
        "recurrence": "FREQ=WEEKLY;COUNT=4",
        "neighbourhoods": ["BU05183620"],
        "target_groups": ["tenants"],
    }
    return ActivityPublished.model_validate(fields | extra)


async def test_a_series_cancelling_an_occurrence_it_does_not_have_is_refused_naming_the_field() -> None:
    unit = InMemorySchedulingUnitOfWork()
    wrong = series(exdates=[START + timedelta(weeks=1), START + timedelta(weeks=2, days=1)])

    with pytest.raises(UnschedulableSeriesError) as refused:
        await partitioned().publish(unit, "staedion", wrong, correlation_id="c")

    assert isinstance(refused.value, PermanentError)  # dead-lettered at once, with feedback
    assert refused.value.problems == [("data.exdates.1", refused.value.problems[0][1])]
    assert "not an occurrence of the series" in refused.value.problems[0][1]
    assert unit.events == []


async def test_a_second_change_builds_on_the_first_before_the_intake_took_it_in() -> None:
    unit, intake = InMemorySchedulingUnitOfWork(), partitioned()
    await intake.publish(unit, "staedion", series(), correlation_id="c")
    first = series(exdates=[START + timedelta(weeks=1)])
    sent = stage_publication(unit, "staedion", first, None)

    latest = await latest_version(unit, KEY)
    assert latest is not None
    assert ActivityPublished.model_validate(latest).exdates == first.exdates

    await intake.publish(unit, "staedion", first, correlation_id="c")
    await intake.settle(unit, KEY, str(sent.event_id))
    assert await unit.staged.latest(KEY) is None
    stored = await latest_version(unit, KEY)
    assert stored is not None
    assert ActivityPublished.model_validate(stored).exdates == first.exdates


async def test_taking_in_an_older_event_keeps_the_newer_staged_version() -> None:
    unit = InMemorySchedulingUnitOfWork()
    older = stage_publication(unit, "staedion", series(), None)
    stage_publication(unit, "staedion", ActivityWithdrawn(activity_id="reeks"), None)

    await partitioned().settle(unit, KEY, str(older.event_id))

    assert await latest_version(unit, KEY) is None  # withdrawn, as the API last said
    assert await unit.staged.latest(KEY) is not None
