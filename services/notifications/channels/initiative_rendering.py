"""What an initiative alert says, Dutch then English (pure): late first contact, conflict, subsidy due."""

from __future__ import annotations

from datetime import date

from notifications.notification import InitiativeNotification

OVERDUE = "initiative.overdue"
CONFLICT = "initiative.conflict_attached"
SUBSIDY = "initiative.subsidy_deadline_approaching"
SEVERITY = {"nl": {"high": "hoog", "medium": "middel", "low": "laag"}, "en": {}}
WORDS = {
    "nl": {
        OVERDUE: "Eerste contact te laat",
        CONFLICT: "Conflict bij een activiteit van een initiatief",
        "overdue": "Initiatief {id} (wijk {wijk}) had uiterlijk {due} een eerste contact moeten hebben.",
        "conflict": "Een geplande activiteit van initiatief {id} botst met andere plannen "
        "(ernst {severity}).",
        SUBSIDY: "Herinnering subsidie",
        "submission": "De aanvraag voor subsidie {regulation} voor initiatief {id} moet uiterlijk {deadline} "
        "binnen zijn: nog {days} dag(en).",
        "report": "De verantwoording van subsidie {regulation} voor initiatief {id} moet uiterlijk "
        "{deadline} binnen zijn: nog {days} dag(en).",
        "link": "Bekijk het op het dashboard",
    },
    "en": {
        OVERDUE: "First contact overdue",
        CONFLICT: "Conflict with an initiative's activity",
        "overdue": "Initiative {id} (wijk {wijk}) should have had a first contact by {due}.",
        "conflict": "A planned activity of initiative {id} collides with other plans (severity {severity}).",
        SUBSIDY: "Subsidy reminder",
        "submission": "The application for subsidy {regulation} for initiative {id} is due by {deadline}: "
        "{days} day(s) left.",
        "report": "The report on subsidy {regulation} for initiative {id} is due by {deadline}: "
        "{days} day(s) left.",
        "link": "See it on the dashboard",
    },
}


def link(notification: InitiativeNotification, dashboard_url: str) -> str:
    """The dashboard page of the initiative."""
    return f"{dashboard_url.rstrip('/')}/initiatives/{notification.initiative_id}"


def subject(notification: InitiativeNotification) -> str:
    """The e-mail subject, Dutch first."""
    kind = notification.type
    return f"Werkplaats — {WORDS['nl'][kind]}: {notification.initiative_id} / {WORDS['en'][kind]}"


def paragraphs(
    notification: InitiativeNotification, language: str, dashboard_url: str
) -> list[tuple[str, list[str]]]:
    """The message in one language as (heading, lines) blocks."""
    words = WORDS[language]
    facts = notification.initiative
    if notification.type == SUBSIDY:
        deadline = date.fromisoformat(facts["deadline"]).strftime("%d-%m-%Y")
        line = words[facts["deadline_kind"]].format(
            regulation=facts["regulation_id"],
            id=facts["initiative_id"],
            deadline=deadline,
            days=facts["days_left"],
        )
    elif notification.type == OVERDUE:
        due = date.fromisoformat(facts["due"]).strftime("%d-%m-%Y")
        line = words["overdue"].format(id=facts["initiative_id"], wijk=facts["wijk"], due=due)
    else:
        severity = SEVERITY[language].get(facts["severity"], facts["severity"])
        line = words["conflict"].format(id=facts["initiative_id"], severity=severity)
    return [(words[notification.type], [line]), (words["link"], [link(notification, dashboard_url)])]
