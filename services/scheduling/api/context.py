"""What the API's routes share: the runtime, the agenda view, the authenticator, and common checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import HTTPException, Path
from pydantic import ValidationError

from contracts import ActivityPublished
from contracts.activities import ACTIVITY_ID_PATTERN
from contracts.topics import partner_topics
from scheduling.api.errors import invalid
from scheduling.domain import Activity, InvalidActivityError, check_series, expand
from scheduling.service.agenda_view import AgendaView
from scheduling.service.reach_advice import ReachAdviceBook
from werkplaats.auth import Authenticator
from werkplaats.runtime import ServiceRuntime

VIEW_RETRY_AFTER_S = 5
"""Seconds a client is asked to wait while the agenda view loads."""

ActivityId = Annotated[
    str,
    Path(
        pattern=ACTIVITY_ID_PATTERN,
        description="The organisation's own id of the activity, `[A-Za-z0-9._:-]{1,100}`.",
        examples=["moerwijk-oost-2026-03-24"],
    ),
]


@dataclass
class ApiContext:
    """The parts of the scheduler the HTTP routes use."""

    runtime: ServiceRuntime
    view: AgendaView
    auth: Authenticator
    horizon: timedelta
    advice: ReachAdviceBook | None = None
    """Reach advice for dry runs, when the scheduler follows it."""

    async def need_view(self) -> AgendaView:
        """The agenda view brought up to date, or a 503 with ``Retry-After`` while it is still loading."""
        if self.view.loading:
            raise HTTPException(
                503,
                f"the shared agenda is still loading ({self.view.size:,} activities read so far); "
                f"retry in {VIEW_RETRY_AFTER_S} s",
                headers={"Retry-After": str(VIEW_RETRY_AFTER_S)},
            )
        await self.view.catch_up()
        return self.view

    async def ensure_partner_topics(self, organisation: str) -> None:
        """Make sure the organisation's topics exist (operations organisations get them on first use)."""
        try:
            await self.runtime.ensure_topics(partner_topics(organisation))
        except Exception as error:  # noqa: BLE001 - any broker failure is a 503
            raise HTTPException(503, f"the broker does not answer: {type(error).__name__}") from None

    async def schedulable(self, organisation: str, published: ActivityPublished) -> None:
        """Raise a 422 unless the scheduler can expand the activity's occurrences (bounded work)."""
        self._expand(self._activity(organisation, published), datetime.now(UTC))

    def _activity(self, organisation: str, published: ActivityPublished) -> Activity:
        try:
            return Activity.from_published(organisation, published)
        except ValueError as error:
            raise invalid(("body", "starts_at"), str(error)) from None

    def _expand(self, activity: Activity, now: datetime) -> None:
        try:
            check_series(activity)
            expand(activity, now, self.horizon)
        except (ValueError, OverflowError) as error:
            field_name = "recurrence" if activity.recurrence else "starts_at"
            if isinstance(error, InvalidActivityError) and error.field is not None:
                field_name = error.field
            raise invalid(("body", *_path(field_name)), f"cannot be scheduled: {error}") from None


def _path(field: str) -> list[str | int]:
    """A dotted field path as a ``loc`` (``overrides.0.starts_at`` → ``["overrides", 0, "starts_at"]``)."""
    return [int(part) if part.isdigit() else part for part in field.split(".")]


def contract_of(data: dict[str, object]) -> ActivityPublished:
    """The ``activity.published`` payload of a request body; a 422 naming the field when it is not one."""
    try:
        return ActivityPublished.model_validate(data)
    except ValidationError as error:
        issues = error.errors(include_url=False, include_input=False, include_context=False)
        first = issues[0]
        raise invalid(("body", *first["loc"]), first["msg"], first["type"]) from None
