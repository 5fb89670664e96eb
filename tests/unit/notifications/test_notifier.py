"""The notifier's decisions against the in-memory unit of work: who is told what, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from contracts import ConflictDetected, ConflictResolved, Envelope, EventData, new_event
from notifications.service.decisions import Notifier
from notifications.service.digests import run_digests
from notifications.store import NotificationRow, SubscriptionRow
from notifications.store.memory import InMemoryNotificationsUnitOfWork

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
QUIET = timedelta(minutes=10)
CONTACTS = {"staedion": ("Staedion", "buurt@staedion.example"), "vadermoeder": ("VaderMoeder", None)}


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def notifier(clock: Clock) -> Notifier:
    return Notifier(CONTACTS.get, quiet=QUIET, smtp_endpoint="smtp://127.0.0.1:25", clock=clock)


def detected(conflict_id: str = "c-1") -> ConflictDetected:
    start = T0 + timedelta(days=30)
    return ConflictDetected.model_validate(
        {
            "conflict_id": conflict_id,
            "rule": "neighbourhood_overlap",
            "severity": "high",
            "activities": [
                {"organisation": org, "activity_id": f"a-{n}", "occurrence_start": start.isoformat()}
                for n, org in enumerate(CONTACTS)
            ],
            "neighbourhoods": ["BU05183210"],
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=2)).isoformat(),
            "explanation": {"nl": "Twee avonden overlappen.", "en": "Two evenings overlap."},
            "suggestions": [],
        }
    )


def resolved(conflict_id: str) -> ConflictResolved:
    explanation = {"nl": "Een activiteit is ingetrokken.", "en": "An activity was withdrawn."}
    return ConflictResolved(conflict_id=conflict_id, rule="neighbourhood_overlap", explanation=explanation)


def envelope(data: EventData) -> Envelope[EventData]:
    return new_event(data, source="scheduling")


def deliveries(unit: InMemoryNotificationsUnitOfWork) -> list[dict[str, Any]]:
    return unit.appended.get(NotificationRow.__tablename__, [])


async def take_in(unit: InMemoryNotificationsUnitOfWork, decider: Notifier, data: EventData) -> None:
    event = envelope(data)
    await decider.prefetch(unit, [event])
    await decider.on_conflict_event(unit, event)
    await unit.commit()


async def test_a_detected_conflict_is_fed_and_told_to_the_organisations_with_an_address() -> None:
    unit, decided = InMemoryNotificationsUnitOfWork(), []
    decider = notifier(Clock())
    decider.on_decided = lambda: decided.append(True)
    await take_in(unit, decider, detected())
    assert [(d["recipient_ref"], d["channel"], d["address"]) for d in deliveries(unit)] == [
        ("organisation:staedion", "email", "buurt@staedion.example")
    ]
    assert [row["event_type"] for row in unit.appended["feed"]] == ["conflict.detected"]
    assert decided == [True]


async def test_an_organisation_webhook_replaces_its_contact_address() -> None:
    unit = InMemoryNotificationsUnitOfWork()
    unit.webhooks.hooks["vadermoeder"] = ("https://hooks.example/vm", "s3cret-s3cret-s3cret")
    await take_in(unit, notifier(Clock()), detected())
    channels = {d["recipient_ref"]: (d["channel"], d["address"]) for d in deliveries(unit)}
    assert channels == {
        "organisation:staedion": ("email", "buurt@staedion.example"),
        "organisation:vadermoeder": ("webhook", "https://hooks.example/vm"),
    }
    assert all("secret" not in d for d in deliveries(unit)), "a delivery names its recipient, not its secret"


async def test_nothing_is_recorded_before_the_unit_of_work_commits() -> None:
    unit, decided = InMemoryNotificationsUnitOfWork(), []
    decider = notifier(Clock())
    decider.on_decided = lambda: decided.append(True)
    event = envelope(detected())
    await decider.on_conflict_event(unit, event)
    assert (deliveries(unit), decided) == ([], [])
    assert [table.name for table in unit.inserts] == ["feed", "notifications"]


async def test_a_resolution_within_the_quiet_period_is_told_once_as_a_follow_up() -> None:
    unit, clock = InMemoryNotificationsUnitOfWork(), Clock()
    decider = notifier(clock)
    await take_in(unit, decider, detected())
    clock.now = T0 + QUIET / 2
    await take_in(unit, decider, resolved("c-1"))
    assert len(deliveries(unit)) == 1
    clock.now = T0 + QUIET
    assert await decider.run_follow_ups(unit) == 1
    await unit.commit()
    told = [(d["announced_type"], d["follow_up"]) for d in deliveries(unit)]
    assert told == [("conflict.detected", False), ("conflict.resolved", True)]
    assert await decider.run_follow_ups(unit) == 0


async def test_a_resolution_of_an_unknown_conflict_tells_nobody() -> None:
    unit = InMemoryNotificationsUnitOfWork()
    await take_in(unit, notifier(Clock()), resolved("c-9"))
    assert deliveries(unit) == []
    assert len(unit.appended["feed"]) == 1


async def test_a_digest_subscriber_gets_the_day_in_one_message() -> None:
    unit, clock = InMemoryNotificationsUnitOfWork(), Clock()
    unit.subscriptions.rows.append(
        SubscriptionRow(
            subscription_id="s-1",
            email="bewoner@example.org",
            webhook_url=None,
            webhook_secret=None,
            event_types=["conflict.detected"],
            min_severity="low",
            neighbourhoods=[],
            organisations=[],
            mode="digest",
            digest_at="08:00",
            created_by="gemeente",
            created_at=T0,
            last_digest_at=None,
        )
    )
    decider = notifier(clock)
    await take_in(unit, decider, detected("c-1"))
    await take_in(unit, decider, detected("c-2"))
    clock.now = T0 + timedelta(days=1)
    assert await run_digests(unit, decider) == 1
    await unit.commit()
    assert await run_digests(unit, decider) == 0
    [digest] = [d for d in deliveries(unit) if d["recipient_ref"] == "subscription:s-1"]
    items = [item["conflict_id"] for group in digest["payload"]["groups"] for item in group["items"]]
    assert sorted(items) == ["c-1", "c-2"]


async def test_a_revoked_organisation_is_told_nothing() -> None:
    unit = InMemoryNotificationsUnitOfWork()
    decider = Notifier(
        CONTACTS.get,
        quiet=QUIET,
        smtp_endpoint="smtp://127.0.0.1:25",
        clock=Clock(),
        is_revoked=lambda slug: slug == "staedion",
    )
    await take_in(unit, decider, detected())
    assert deliveries(unit) == []
    assert [row["event_type"] for row in unit.appended["feed"]] == ["conflict.detected"]
