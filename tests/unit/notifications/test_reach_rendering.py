"""What a reach alert says: Dutch first, the dashboard page to act on, dates as people read them."""

from __future__ import annotations

from datetime import UTC, datetime

from contracts import PromiseOverdue, ReportDue, Severity
from notifications import domain
from notifications.channels.rendering import html_body, link, subject, text_body
from notifications.notification import ReachNotification, notification_of
from notifications.service.digests import digest_notification
from notifications.service.reach import source_key

DUE = ReachNotification(
    type="reach.report_due",
    organisation="staedion",
    activity_id="avond-42",
    reach={
        "organisation": "staedion",
        "activity_id": "avond-42",
        "title": "Inspraakavond renovatie",
        "occurrence_start": "2026-03-24T18:30:00+00:00",
        "due_at": "2026-03-27T21:00:00+00:00",
    },
    decided_at="2026-03-28T00:05:00+01:00",
)
OVERDUE = ReachNotification(
    type="reach.promise_overdue",
    organisation="staedion",
    activity_id="avond-42",
    reach={
        "organisation": "staedion",
        "activity_id": "avond-42",
        "title": "Inspraakavond renovatie",
        "occurrence_start": "2026-03-24T18:30:00+00:00",
        "residents_hear_back_by": "2026-05-01",
    },
    decided_at="2026-05-02T00:05:00+02:00",
)


def test_a_due_report_asks_the_organiser_in_dutch_then_english_with_the_evening_in_local_time() -> None:
    assert subject(DUE) == "Werkplaats — Verslag gevraagd: avond-42 / Report requested"
    text = text_body(DUE, "https://dash.example")
    assert text.index("Hoe ging “Inspraakavond renovatie” (avond-42) van 24-03-2026 19:30?") < text.index(
        "How did “Inspraakavond renovatie” (avond-42) of 24-03-2026 19:30 go?"
    )
    assert "sinds 27-03-2026" in text
    assert "https://dash.example/verslagen" in text
    assert '<a href="https://dash.example/verslagen">' in html_body(DUE, "https://dash.example")


def test_an_overdue_promise_tells_operations_who_promised_what_date() -> None:
    text = text_body(OVERDUE, "https://dash.example/")
    assert "beloofde staedion bewoners uiterlijk 01-05-2026" in text
    assert "staedion promised residents to tell them by 01-05-2026" in text
    assert link(OVERDUE, "https://dash.example/") == "https://dash.example/beloften"


def test_a_stored_reach_alert_reads_back_as_one() -> None:
    assert notification_of(DUE.document()) == DUE
    assert notification_of(OVERDUE.document()) == OVERDUE


def test_one_alert_per_occurrence_and_for_a_promise_per_promised_date() -> None:
    start = datetime(2026, 3, 24, 18, 30, tzinfo=UTC)
    due = ReportDue(organisation="staedion", activity_id="a", title="t", occurrence_start=start, due_at=start)
    assert source_key(due) == source_key(due.model_copy(update={"title": "other"}))
    assert source_key(due) != source_key(due.model_copy(update={"occurrence_start": start.replace(day=25)}))
    promise = PromiseOverdue(
        organisation="staedion",
        activity_id="a",
        title="t",
        occurrence_start=start,
        residents_hear_back_by=datetime(2026, 5, 1).date(),
    )
    later = promise.model_copy(update={"residents_hear_back_by": datetime(2026, 6, 1).date()})
    assert source_key(promise) != source_key(later)
    assert source_key(promise) != source_key(due)
    assert len(source_key(due.model_copy(update={"activity_id": "x" * 100}))) <= 200


def test_reach_lines_in_a_digest_come_under_their_own_heading_not_a_wijk() -> None:
    item = domain.DigestItem(
        conflict_id="staedion/avond-42",
        event_type="reach.report_due",
        severity=Severity.LOW,
        neighbourhoods=(),
        explanation_nl="Hoe ging het?",
        explanation_en="How did it go?",
        starts_at=datetime(2026, 3, 24, 18, 30, tzinfo=UTC),
    )
    digest = digest_notification(datetime(2026, 3, 28, 7, tzinfo=UTC), [item])
    text = text_body(digest, "https://dash.example")
    assert "Verslagen en terugkoppeling aan bewoners" in text
    assert "Reports and feedback to residents" in text
    assert "Verslag gevraagd: Hoe ging het?" in text
    assert "Wijk -" not in text


def test_items_without_a_neighbourhood_form_one_digest_group_whatever_their_severity() -> None:
    def item(event_type: str, severity: Severity, neighbourhoods: tuple[str, ...] = ()) -> domain.DigestItem:
        return domain.DigestItem(
            conflict_id="x",
            event_type=event_type,
            severity=severity,
            neighbourhoods=neighbourhoods,
            explanation_nl="nl",
            explanation_en="en",
            starts_at=datetime(2026, 3, 24, 18, 30, tzinfo=UTC),
        )

    groups = domain.group_digest(
        [
            item("reach.report_due", Severity.LOW),
            item("conflict.detected", Severity.HIGH, ("BU05183620",)),
            item("reach.promise_overdue", Severity.MEDIUM),
        ]
    )
    assert [(g.wijk, g.severity, len(g.items)) for g in groups] == [
        (domain.NO_WIJK, Severity.MEDIUM, 2),
        ("WK051836", Severity.HIGH, 1),
    ]
