"""What an initiative alert says: Dutch first, the initiative's page, and nothing but ids, codes and dates."""

from __future__ import annotations

from notifications.channels.rendering import html_body, link, subject, text_body
from notifications.notification import InitiativeNotification, notification_of

OVERDUE = InitiativeNotification(
    type="initiative.overdue",
    initiative_id="INI-7K3M-9Q2X",
    initiative={
        "initiative_id": "INI-7K3M-9Q2X",
        "builder_id": "cb-moerwijk",
        "wijk": "WK051836",
        "due": "2026-03-09",
        "submitted_at": "2026-03-02T10:12:00+01:00",
    },
    decided_at="2026-03-10T00:05:00+01:00",
)


def test_an_overdue_alert_names_the_initiative_and_the_day_in_dutch_then_english() -> None:
    assert subject(OVERDUE) == "Werkplaats — Eerste contact te laat: INI-7K3M-9Q2X / First contact overdue"
    text = text_body(OVERDUE, "https://dash.example")
    assert text.index("uiterlijk 09-03-2026") < text.index("by 09-03-2026")
    assert "https://dash.example/initiatives/INI-7K3M-9Q2X" in text
    assert '<a href="https://dash.example/initiatives/INI-7K3M-9Q2X">' in html_body(
        OVERDUE, "https://dash.example"
    )


def test_a_stored_initiative_alert_reads_back_as_one() -> None:
    assert notification_of(OVERDUE.document()) == OVERDUE
    assert link(OVERDUE, "https://dash.example/") == "https://dash.example/initiatives/INI-7K3M-9Q2X"


def test_a_conflict_alert_for_the_builder_gives_the_severity() -> None:
    conflict = InitiativeNotification(
        type="initiative.conflict_attached",
        initiative_id="INI-7K3M-9Q2X",
        initiative={"initiative_id": "INI-7K3M-9Q2X", "severity": "high", "conflict_id": "c-1"},
        decided_at="2026-03-10T00:05:00+01:00",
    )
    text = text_body(conflict, "https://dash.example")
    assert "(ernst hoog)" in text
    assert "(severity high)" in text
