"""The plain confirmation a resident reads after submitting, in Dutch and English."""

from __future__ import annotations

from datetime import date

MONTHS_NL = (
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
)  # fmt: skip
DAYS_NL = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")


def dutch_date(day: date) -> str:
    """E.g. ``maandag 9 maart 2026``."""
    return f"{DAYS_NL[day.weekday()]} {day.day} {MONTHS_NL[day.month - 1]} {day.year}"


def confirmation(reference: str, due: date) -> dict[str, str]:
    """What the resident reads after submitting."""
    return {
        "nl": (
            f"Bedankt! We hebben je initiatief ontvangen. Je referentie is {reference}. "
            f"Een opbouwwerker neemt uiterlijk {dutch_date(due)} contact met je op. "
            "Bewaar je referentie en je toegangscode: daarmee zie je hoe het ervoor staat."
        ),
        "en": (
            f"Thank you! We received your initiative. Your reference is {reference}. "
            f"A community builder will contact you by {due:%A %-d %B %Y}. "
            "Keep your reference and access code: with them you can see how it is going."
        ),
    }
