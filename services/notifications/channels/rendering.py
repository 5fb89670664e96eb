"""How a notification reads: subject, Dutch-then-English text and HTML, and the webhook body (pure)."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from notifications.channels import initiative_rendering, reach_rendering
from notifications.domain import ACKNOWLEDGED, AMSTERDAM, DIGEST, NO_WIJK, RESOLVED
from notifications.notification import (
    ConflictNotification,
    DigestNotification,
    InitiativeNotification,
    Notification,
    ReachNotification,
)

SEVERITY = {"nl": {"high": "hoog", "medium": "middel", "low": "laag"}, "en": {}}
RULE = {
    "nl": {
        "neighbourhood_overlap": "gelijktijdige activiteiten in dezelfde buurt",
        "venue_double_booking": "dubbel geboekte locatie",
        "same_evening": "dezelfde avond in dezelfde buurt",
        "target_group_overload": "te veel activiteiten voor één doelgroep",
        "unfavourable_date": "ongunstige datum",
        "room_capacity": "zaal te klein",
        "outside_opening_hours": "buiten de openingstijden",
    },
    "en": {
        "neighbourhood_overlap": "simultaneous activities in one neighbourhood",
        "venue_double_booking": "venue booked twice",
        "same_evening": "same evening in one neighbourhood",
        "target_group_overload": "too many activities for one target group",
        "unfavourable_date": "unfavourable date",
        "room_capacity": "room too small",
        "outside_opening_hours": "outside opening hours",
    },
}
WORDS = {
    "nl": {
        "conflict.detected": "Conflict in de planning",
        "conflict.resolved": "Conflict opgelost",
        "conflict.acknowledged": "Conflict geaccepteerd",
        "digest": "Dagoverzicht van conflicten",
        "severity": "ernst",
        "activities": "Activiteiten",
        "suggestions": "Andere mogelijke starttijden",
        "link": "Bekijk het op het dashboard",
        "follow_up": "Vervolgbericht: de situatie is veranderd sinds ons vorige bericht.",
        "resolved": "Dit conflict is opgelost",
        "acknowledged": "Operations heeft dit conflict geaccepteerd",
        "wijk": "Wijk",
        "reach": "Verslagen en terugkoppeling aan bewoners",
        reach_rendering.REPORT_DUE: reach_rendering.WORDS["nl"][reach_rendering.REPORT_DUE],
        reach_rendering.PROMISE_OVERDUE: reach_rendering.WORDS["nl"][reach_rendering.PROMISE_OVERDUE],
    },
    "en": {
        "conflict.detected": "Planning conflict",
        "conflict.resolved": "Conflict resolved",
        "conflict.acknowledged": "Conflict acknowledged",
        "digest": "Daily digest of conflicts",
        "severity": "severity",
        "activities": "Activities",
        "suggestions": "Other possible start times",
        "link": "See it on the dashboard",
        "follow_up": "Follow-up: the situation changed since our previous message.",
        "resolved": "This conflict is resolved",
        "acknowledged": "Operations accepted this conflict",
        "wijk": "Neighbourhood",
        "reach": "Reports and feedback to residents",
        reach_rendering.REPORT_DUE: reach_rendering.WORDS["en"][reach_rendering.REPORT_DUE],
        reach_rendering.PROMISE_OVERDUE: reach_rendering.WORDS["en"][reach_rendering.PROMISE_OVERDUE],
    },
}


def _severity(language: str, severity: str) -> str:
    return SEVERITY.get(language, {}).get(severity, severity)


def _when(value: str) -> str:
    return datetime.fromisoformat(value).astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M")


def link(notification: Notification, dashboard_url: str) -> str:
    """The dashboard page of the notification's conflict (or of all conflicts, or of the initiative)."""
    if isinstance(notification, InitiativeNotification):
        return initiative_rendering.link(notification, dashboard_url)
    if isinstance(notification, ReachNotification):
        return reach_rendering.link(notification, dashboard_url)
    base = dashboard_url.rstrip("/")
    conflict_id = notification.conflict_id
    return f"{base}/conflicts/{conflict_id}" if conflict_id else f"{base}/conflicts"


def subject(notification: Notification) -> str:
    """The e-mail subject, Dutch first."""
    if isinstance(notification, InitiativeNotification):
        return initiative_rendering.subject(notification)
    if isinstance(notification, ReachNotification):
        return reach_rendering.subject(notification)
    if isinstance(notification, DigestNotification):
        return f"Werkplaats — {WORDS['nl'][DIGEST]} {notification.day} / {WORDS['en'][DIGEST]}"
    kind = notification.type
    conflict = notification.conflict
    rule = conflict["rule"]
    severity = conflict["severity"]
    prefix = "Vervolg: " if notification.follow_up else ""
    return (
        f"Werkplaats — {prefix}{WORDS['nl'][kind]}: {RULE['nl'].get(rule, rule)} "
        f"(ernst {_severity('nl', severity)}) / {WORDS['en'][kind]}"
    )


def paragraphs(notification: Notification, language: str, dashboard_url: str) -> list[tuple[str, list[str]]]:
    """The message in one language as (heading, lines) blocks; the text and HTML forms render these."""
    if isinstance(notification, InitiativeNotification):
        return initiative_rendering.paragraphs(notification, language, dashboard_url)
    if isinstance(notification, ReachNotification):
        return reach_rendering.paragraphs(notification, language, dashboard_url)
    words = WORDS[language]
    if isinstance(notification, DigestNotification):
        return [*_digest_blocks(notification, language), (words["link"], [link(notification, dashboard_url)])]
    return _conflict_blocks(notification, language, dashboard_url)


def _conflict_blocks(
    notification: ConflictNotification, language: str, dashboard_url: str
) -> list[tuple[str, list[str]]]:
    words = WORDS[language]
    conflict = notification.conflict
    title = (
        f"{words[notification.type]}: {RULE[language].get(conflict['rule'], conflict['rule'])} "
        f"({words['severity']} {_severity(language, conflict['severity'])})"
    )
    lead = [words["follow_up"]] if notification.follow_up else []
    blocks: list[tuple[str, list[str]]] = [(title, [*lead, conflict["explanation"][language]])]
    if notification.type == RESOLVED and notification.resolution:
        blocks.append((words["resolved"], [notification.resolution["explanation"][language]]))
    if notification.type == ACKNOWLEDGED and notification.acknowledgement:
        blocks.append((words["acknowledged"], [notification.acknowledgement["reason"]]))
    names = notification.organisation_names
    activities = [
        f"{names.get(a['organisation'], a['organisation'])} — {a['activity_id']}, "
        f"{_when(a['occurrence_start'])}"
        for a in conflict["activities"]
    ]
    blocks.append((words["activities"], activities))
    if conflict.get("suggestions"):
        blocks.append((words["suggestions"], [_when(s) for s in conflict["suggestions"]]))
    blocks.append((words["link"], [link(notification, dashboard_url)]))
    return blocks


def _digest_blocks(notification: DigestNotification, language: str) -> list[tuple[str, list[str]]]:
    words = WORDS[language]
    blocks = []
    for group in notification.groups:
        heading = f"{words['wijk']} {group.wijk} — {words['severity']} {_severity(language, group.severity)}"
        if group.wijk == NO_WIJK:
            heading = words["reach"]
        lines = [
            f"{_when(item.starts_at)} — {WORDS[language][item.event_type]}: "
            f"{item.explanation_nl if language == 'nl' else item.explanation_en}"
            for item in group.items
        ]
        blocks.append((heading, lines))
    return blocks


def text_body(notification: Notification, dashboard_url: str) -> str:
    """The plain-text body: Dutch, then English below."""
    parts = []
    for language in ("nl", "en"):
        lines = []
        for heading, items in paragraphs(notification, language, dashboard_url):
            lines.append(heading)
            lines.extend(f"  {item}" for item in items)
            lines.append("")
        parts.append("\n".join(lines).rstrip())
    return parts[0] + "\n\n-- English --\n\n" + parts[1] + "\n"


def html_body(notification: Notification, dashboard_url: str) -> str:
    """The HTML body: Dutch, then English below."""
    sections = []
    for language in ("nl", "en"):
        blocks = []
        for heading, items in paragraphs(notification, language, dashboard_url):
            rendered = "".join(f"<li>{_html_item(item)}</li>" for item in items)
            blocks.append(f"<h3>{html.escape(heading)}</h3><ul>{rendered}</ul>")
        sections.append(f'<section lang="{language}">{"".join(blocks)}</section>')
    return (
        '<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"><title>Werkplaats</title></head>'
        f"<body>{sections[0]}<hr>{sections[1]}</body></html>"
    )


def _html_item(item: str) -> str:
    escaped = html.escape(item)
    if item.startswith(("http://", "https://")):
        return f'<a href="{escaped}">{escaped}</a>'
    return escaped


def webhook_body(notification_id: str, notification: Notification, dashboard_url: str) -> dict[str, Any]:
    """The JSON document POSTed to a webhook."""
    return {
        "delivery_id": notification_id,
        "dashboard_url": link(notification, dashboard_url),
        **notification.document(),
    }
