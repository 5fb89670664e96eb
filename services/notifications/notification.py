"""What one delivery says, typed: a conflict's announcement, a daily digest, an initiative or reach alert."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class ConflictNotification(BaseModel):
    """An announcement of a conflict's state (detected, resolved or acknowledged)."""

    model_config = ConfigDict(frozen=True)

    type: str
    follow_up: bool
    conflict_id: str
    correlation_id: str | None = None
    decided_at: str
    conflict: dict[str, Any]
    """The ``conflict.detected`` payload, with ``occurred_at``."""
    resolution: dict[str, Any] | None
    """The ``conflict.resolved`` payload once resolved."""
    organisation_names: dict[str, str]
    acknowledgement: dict[str, Any] | None = None
    """The ``conflict.acknowledged`` payload, only in an acknowledgement."""

    def document(self) -> dict[str, Any]:
        """The stored form, also the fields of the webhook body."""
        excluded = {"acknowledgement"} if self.acknowledgement is None else set()
        return self.model_dump(mode="json", exclude=excluded)


class DigestEntry(BaseModel):
    """One entry in a digest: a conflict, or a reach alert about one activity."""

    model_config = ConfigDict(frozen=True)

    conflict_id: str | None = None
    """The conflict announced; empty for a reach alert."""
    activity: str | None = None
    """``organisation/activity_id`` a reach alert is about; empty for a conflict."""
    event_type: str
    explanation_nl: str
    explanation_en: str
    starts_at: str


class DigestSection(BaseModel):
    """The digest's conflicts of one wijk and severity."""

    model_config = ConfigDict(frozen=True)

    wijk: str
    severity: str
    items: list[DigestEntry]


class DigestNotification(BaseModel):
    """A subscriber's daily digest."""

    model_config = ConfigDict(frozen=True)

    type: Literal["digest"] = "digest"
    follow_up: Literal[False] = False
    conflict_id: None = None
    correlation_id: None = None
    day: str
    decided_at: str
    groups: list[DigestSection]

    def document(self) -> dict[str, Any]:
        """The stored form, also the fields of the webhook body."""
        return self.model_dump(mode="json")


class InitiativeNotification(BaseModel):
    """An initiative that needs someone: its first contact is overdue, or its activity has a conflict."""

    model_config = ConfigDict(frozen=True)

    type: Literal[
        "initiative.overdue", "initiative.conflict_attached", "initiative.subsidy_deadline_approaching"
    ]
    follow_up: Literal[False] = False
    conflict_id: None = None
    correlation_id: str | None = None
    decided_at: str
    initiative_id: str
    initiative: dict[str, Any]
    """The ``initiatives.events`` payload (ids, codes, dates; no personal data)."""

    def document(self) -> dict[str, Any]:
        """The stored form, also the fields of the webhook body."""
        return self.model_dump(mode="json")


class ReachNotification(BaseModel):
    """A report that is due and missing (to its organiser), or a promise to residents overdue (operations)."""

    model_config = ConfigDict(frozen=True)

    type: Literal["reach.report_due", "reach.promise_overdue"]
    follow_up: Literal[False] = False
    conflict_id: None = None
    correlation_id: str | None = None
    decided_at: str
    organisation: str
    activity_id: str
    reach: dict[str, Any]
    """The ``reach.events`` payload (organisation, activity, title, dates; no personal data)."""

    def document(self) -> dict[str, Any]:
        """The stored form, also the fields of the webhook body."""
        return self.model_dump(mode="json")


Notification = ConflictNotification | DigestNotification | InitiativeNotification | ReachNotification


def notification_of(document: dict[str, Any]) -> Notification:
    """The typed notification of a stored document."""
    if document.get("type") == "digest":
        return DigestNotification.model_validate(document)
    if str(document.get("type", "")).startswith("initiative."):
        return InitiativeNotification.model_validate(document)
    if str(document.get("type", "")).startswith("reach."):
        return ReachNotification.model_validate(document)
    return ConflictNotification.model_validate(document)
