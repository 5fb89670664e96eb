"""What a notification says: subject, Dutch-then-English text and HTML, and the webhook body (pure)."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from notifications import initiative_messages
from notifications.domain import ACKNOWLEDGED, AMSTERDAM, DIGEST, RESOLVED

SEVERITY = {"nl": {"high": "hoog", "medium": "middel", "low": "laag"}, "en": {}}
RULE = {
    "nl": {
        "neighbourhood_overlap": "gelijktijdige activiteiten in dezelfde buurt",
        "venue_double_booking": "dubbel geboekte locatie",
        "same_evening": "dezelfde avond in dezelfde buurt",
        "target_group_overload": "te veel activiteiten voor één doelgroep",
        "unfavourable_date": "ongunstige datum",
    },
    "en": {
        "neighbourhood_overlap": "simultaneous activities in one neighbourhood",
        "venue_double_booking": "venue booked twice",
        "same_evening": "same evening in one neighbourhood",
        "target_group_overload": "too many activities for one target group",
        "unfavourable_date": "unfavourable date",
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
    },
}


def _severity(language: str, severity: str) -> str:
    return SEVERITY.get(language, {}).get(severity, severity)


def _when(value: str) -> str:
    return datetime.fromisoformat(value).astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M")


def link(payload: dict[str, Any], dashboard_url: str) -> str:
    """The dashboard page of the notification's conflict (or of all conflicts, for a digest)."""
    if initiative_messages.is_initiative(payload):
        return initiative_messages.link(payload, dashboard_url)
    base = dashboard_url.rstrip("/")
    conflict_id = payload.get("conflict_id")
    return f"{base}/conflicts/{conflict_id}" if conflict_id else f"{base}/conflicts"


def subject(payload: dict[str, Any]) -> str:
    """The e-mail subject, Dutch first."""
    if initiative_messages.is_initiative(payload):
        return initiative_messages.subject(payload)
    kind = payload["type"]
    if kind == DIGEST:
        return f"Werkplaats — {WORDS['nl'][DIGEST]} {payload['day']} / {WORDS['en'][DIGEST]}"
    conflict = payload["conflict"]
    rule = conflict["rule"]
    severity = conflict["severity"]
    prefix = "Vervolg: " if payload.get("follow_up") else ""
    return (
        f"Werkplaats — {prefix}{WORDS['nl'][kind]}: {RULE['nl'].get(rule, rule)} "
        f"(ernst {_severity('nl', severity)}) / {WORDS['en'][kind]}"
    )


def paragraphs(payload: dict[str, Any], language: str, dashboard_url: str) -> list[tuple[str, list[str]]]:
    """The message in one language as (heading, lines) blocks; the text and HTML forms render these."""
    if initiative_messages.is_initiative(payload):
        return initiative_messages.paragraphs(payload, language, dashboard_url)
    words = WORDS[language]
    if payload["type"] == DIGEST:
        return [*_digest_blocks(payload, language), (words["link"], [link(payload, dashboard_url)])]
    conflict = payload["conflict"]
    title = (
        f"{words[payload['type']]}: {RULE[language].get(conflict['rule'], conflict['rule'])} "
        f"({words['severity']} {_severity(language, conflict['severity'])})"
    )
    lead = [words["follow_up"]] if payload.get("follow_up") else []
    blocks: list[tuple[str, list[str]]] = [(title, [*lead, conflict["explanation"][language]])]
    if payload["type"] == RESOLVED and payload.get("resolution"):
        blocks.append((words["resolved"], [payload["resolution"]["explanation"][language]]))
    if payload["type"] == ACKNOWLEDGED and payload.get("acknowledgement"):
        blocks.append((words["acknowledged"], [payload["acknowledgement"]["reason"]]))
    names = payload.get("organisation_names", {})
    activities = [
        f"{names.get(a['organisation'], a['organisation'])} — {a['activity_id']}, "
        f"{_when(a['occurrence_start'])}"
        for a in conflict["activities"]
    ]
    blocks.append((words["activities"], activities))
    if conflict.get("suggestions"):
        blocks.append((words["suggestions"], [_when(s) for s in conflict["suggestions"]]))
    blocks.append((words["link"], [link(payload, dashboard_url)]))
    return blocks


def _digest_blocks(payload: dict[str, Any], language: str) -> list[tuple[str, list[str]]]:
    words = WORDS[language]
    blocks = []
    for group in payload["groups"]:
        heading = (
            f"{words['wijk']} {group['wijk']} — {words['severity']} {_severity(language, group['severity'])}"
        )
        lines = [
            f"{_when(item['starts_at'])} — {WORDS[language][item['event_type']]}: "
            f"{item['explanation_' + language]}"
            for item in group["items"]
        ]
        blocks.append((heading, lines))
    return blocks


def text_body(payload: dict[str, Any], dashboard_url: str) -> str:
    """The plain-text body: Dutch, then English below."""
    parts = []
    for language in ("nl", "en"):
        lines = []
        for heading, items in paragraphs(payload, language, dashboard_url):
            lines.append(heading)
            lines.extend(f"  {item}" for item in items)
            lines.append("")
        parts.append("\n".join(lines).rstrip())
    return parts[0] + "\n\n-- English --\n\n" + parts[1] + "\n"


def html_body(payload: dict[str, Any], dashboard_url: str) -> str:
    """The HTML body: Dutch, then English below."""
    sections = []
    for language in ("nl", "en"):
        blocks = []
        for heading, items in paragraphs(payload, language, dashboard_url):
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


def webhook_body(notification_id: str, payload: dict[str, Any], dashboard_url: str) -> dict[str, Any]:
    """The JSON document POSTed to a webhook."""
    return {
        "delivery_id": notification_id,
        "dashboard_url": link(payload, dashboard_url),
        **payload,
    }
