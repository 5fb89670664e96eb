"""What a reach alert says, Dutch then English (pure): a report due and missing, a promise overdue."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from notifications.domain import AMSTERDAM
from notifications.notification import ReachNotification

REPORT_DUE = "reach.report_due"
PROMISE_OVERDUE = "reach.promise_overdue"
WORDS = {
    "nl": {
        REPORT_DUE: "Verslag gevraagd",
        PROMISE_OVERDUE: "Terugkoppeling aan bewoners te laat",
        "report_due": "Hoe ging “{title}” ({activity_id}) van {start}? Het verslag (opkomst, hoe bewoners "
        "zijn bereikt, wat er met hun inbreng gebeurt) is sinds {due} welkom.",
        "promise_overdue": "Bij “{title}” ({activity_id}) van {start} beloofde {organisation} bewoners "
        "uiterlijk {by} te laten weten wat er met hun inbreng is gedaan; er is nog geen terugkoppeling "
        "gemeld.",
        "link": "Bekijk het op het dashboard",
    },
    "en": {
        REPORT_DUE: "Report requested",
        PROMISE_OVERDUE: "Feedback to residents overdue",
        "report_due": "How did “{title}” ({activity_id}) of {start} go? The report (attendance, how "
        "residents were reached, what happens with their input) has been due since {due}.",
        "promise_overdue": "At “{title}” ({activity_id}) of {start}, {organisation} promised residents "
        "to tell them by {by} what was done with their input; no follow-up has been reported yet.",
        "link": "See it on the dashboard",
    },
}
PAGES = {REPORT_DUE: "verslagen", PROMISE_OVERDUE: "beloften"}


def link(notification: ReachNotification, dashboard_url: str) -> str:
    """The dashboard page of due reports (organisers) or of overdue promises (operations)."""
    return f"{dashboard_url.rstrip('/')}/{PAGES[notification.type]}"


def subject(notification: ReachNotification) -> str:
    """The e-mail subject, Dutch first."""
    kind = notification.type
    return f"Werkplaats — {WORDS['nl'][kind]}: {notification.activity_id} / {WORDS['en'][kind]}"


def explanation(event_type: str, facts: dict[str, Any], language: str) -> str:
    """One plain sentence about a reach event, in ``language`` (also the digest's line)."""
    words = WORDS[language]
    start = datetime.fromisoformat(facts["occurrence_start"]).astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M")
    fields = {"title": facts["title"], "activity_id": facts["activity_id"], "start": start}
    if event_type == REPORT_DUE:
        due = datetime.fromisoformat(facts["due_at"]).astimezone(AMSTERDAM).strftime("%d-%m-%Y")
        return words["report_due"].format(due=due, **fields)
    by = date.fromisoformat(facts["residents_hear_back_by"]).strftime("%d-%m-%Y")
    return words["promise_overdue"].format(by=by, organisation=facts["organisation"], **fields)


def paragraphs(
    notification: ReachNotification, language: str, dashboard_url: str
) -> list[tuple[str, list[str]]]:
    """The message in one language as (heading, lines) blocks."""
    words = WORDS[language]
    line = explanation(notification.type, notification.reach, language)
    return [(words[notification.type], [line]), (words["link"], [link(notification, dashboard_url)])]
