"""What an initiative alert says, Dutch then English (pure): an overdue first contact, a conflict."""

from __future__ import annotations

from datetime import date
from typing import Any

OVERDUE = "initiative.overdue"
CONFLICT = "initiative.conflict_attached"
WORDS = {
    "nl": {
        OVERDUE: "Eerste contact te laat",
        CONFLICT: "Conflict bij een activiteit van een initiatief",
        "overdue": "Initiatief {id} (wijk {wijk}) had uiterlijk {due} een eerste contact moeten hebben.",
        "conflict": "Een geplande activiteit van initiatief {id} botst met andere plannen "
        "(ernst {severity}).",
        "link": "Bekijk het op het dashboard",
    },
    "en": {
        OVERDUE: "First contact overdue",
        CONFLICT: "Conflict with an initiative's activity",
        "overdue": "Initiative {id} (wijk {wijk}) should have had a first contact by {due}.",
        "conflict": "A planned activity of initiative {id} collides with other plans (severity {severity}).",
        "link": "See it on the dashboard",
    },
}


def is_initiative(payload: dict[str, Any]) -> bool:
    """Whether the notification is about an initiative."""
    return str(payload.get("type", "")).startswith("initiative.")


def link(payload: dict[str, Any], dashboard_url: str) -> str:
    """The dashboard page of the initiative."""
    return f"{dashboard_url.rstrip('/')}/initiatives/{payload['initiative_id']}"


def subject(payload: dict[str, Any]) -> str:
    """The e-mail subject, Dutch first."""
    kind = payload["type"]
    return f"Werkplaats — {WORDS['nl'][kind]}: {payload['initiative_id']} / {WORDS['en'][kind]}"


def paragraphs(payload: dict[str, Any], language: str, dashboard_url: str) -> list[tuple[str, list[str]]]:
    """The message in one language as (heading, lines) blocks."""
    words = WORDS[language]
    facts = payload["initiative"]
    if payload["type"] == OVERDUE:
        due = date.fromisoformat(facts["due"]).strftime("%d-%m-%Y")
        line = words["overdue"].format(id=facts["initiative_id"], wijk=facts["wijk"], due=due)
    else:
        line = words["conflict"].format(id=facts["initiative_id"], severity=facts["severity"])
    return [(words[payload["type"]], [line]), (words["link"], [link(payload, dashboard_url)])]
