"""What the API's routes share: the runtime, the agenda view, the authenticator, and common checks."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
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
from werkplaats.auth import Authenticator
from werkplaats.runtime import ServiceRuntime

ActivityId = Annotated[
    str,
    Path(
        pattern=ACTIVITY_ID_PATTERN,
        description="The organisation's own id of the activity, `[A-Za-z0-9._:-]{1,100}`.",
        examples=["moerwijk-oost-2026-03-24"],
    ),
]

EXPANSION_TIMEOUT_S = 2.0
EXPANSION_SLOTS = 2


@dataclass
class ApiContext:
    """The parts of the scheduler the HTTP routes use."""

    runtime: ServiceRuntime
    view: AgendaView
    auth: Authenticator
    horizon: timedelta
    _slots: threading.BoundedSemaphore = field(
        default_factory=lambda: threading.BoundedSemaphore(EXPANSION_SLOTS)
    )

    async def ensure_partner_topics(self, organisation: str) -> None:
        """Make sure the organisation's topics exist (operations organisations get them on first use)."""
        try:
            await self.runtime.ensure_topics(partner_topics(organisation))
        except Exception as error:  # noqa: BLE001 - any broker failure is a 503
            raise HTTPException(503, f"the broker does not answer: {type(error).__name__}") from None

    async def schedulable(self, organisation: str, published: ActivityPublished) -> None:
        """Raise a 422 unless the scheduler can expand the activity's occurrences in reasonable time."""
        activity = self._activity(organisation, published)
        now = datetime.now(UTC)
        if activity.recurrence is None:
            self._expand(activity, now)
            return
        if not self._slots.acquire(blocking=False):
            raise HTTPException(429, "too many recurrences are being expanded; retry", {"Retry-After": "2"})

        def expand_and_release() -> None:
            try:
                self._expand(activity, now)
            finally:
                self._slots.release()

        try:
            await asyncio.wait_for(asyncio.to_thread(expand_and_release), EXPANSION_TIMEOUT_S)
        except TimeoutError:
            raise invalid(
                ("body", "recurrence"), "takes too long to expand; give a rule that occurs regularly"
            ) from None

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
