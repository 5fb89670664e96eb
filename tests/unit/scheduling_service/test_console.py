"""Conflicts for people: state folded by the last event per conflict, read in Dutch or English."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contracts import (
    ConflictAcknowledged,
    ConflictDetected,
    ConflictingActivity,
    ConflictResolved,
    ConflictRule,
    EventData,
    Explanation,
    Severity,
    TargetGroup,
    new_event,
)
from scheduling.cli.console import DASH, ConflictFilter, Console, fold, selected

WINTER_EVENING = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)  # 19:00 in Amsterdam (CET)
SUMMER_EVENING = datetime(2027, 6, 1, 17, 0, tzinfo=UTC)  # 19:00 in Amsterdam (CEST)

NAMES = {
    "gemeente-den-haag": "Gemeente Den Haag",
    "staedion": "Staedion",
    "npzw": "Nationaal Programma Den Haag Zuidwest",
}


def overlap(conflict_id: str = "nbo-1", starts: datetime = WINTER_EVENING) -> ConflictDetected:
    return ConflictDetected(
        conflict_id=conflict_id,
        rule=ConflictRule.NEIGHBOURHOOD_OVERLAP,
        severity=Severity.HIGH,
        activities=[
            ConflictingActivity(
                organisation="gemeente-den-haag",
                activity_id="inspraak",
                occurrence_start=starts.replace(minute=30),
            ),
            ConflictingActivity(
                organisation="staedion", activity_id="bewonersavond", occurrence_start=starts
            ),
        ],
        neighbourhoods=["BU05183620"],
        starts_at=starts,
        ends_at=starts.replace(hour=starts.hour + 2, minute=30),
        explanation=Explanation(
            nl="Staedion en de gemeente overlappen.", en="Staedion and the municipality overlap."
        ),
        suggestions=[datetime(2026, 12, 2, 18, 0, tzinfo=UTC)],
    )


def same_evening(conflict_id: str = "sev-1") -> ConflictDetected:
    return overlap(conflict_id).model_copy(
        update={
            "rule": ConflictRule.SAME_EVENING,
            "severity": Severity.MEDIUM,
            "neighbourhoods": ["BU05183398"],
            "explanation": Explanation(nl="Twee avonden in Dreven.", en="Two evenings in Dreven."),
        }
    )


def overload() -> ConflictDetected:
    return overlap("tgo-1").model_copy(
        update={
            "rule": ConflictRule.TARGET_GROUP_OVERLOAD,
            "severity": Severity.MEDIUM,
            "neighbourhoods": ["WK051834"],
            "starts_at": datetime(2026, 12, 6, 23, 0, tzinfo=UTC),
            "ends_at": datetime(2026, 12, 13, 23, 0, tzinfo=UTC),
            "target_group": TargetGroup.SENIORS,
            "iso_week": "2026-W50",
            "suggestions": [],
        }
    )


def resolved(conflict_id: str = "nbo-1") -> ConflictResolved:
    return ConflictResolved(
        conflict_id=conflict_id,
        rule=ConflictRule.NEIGHBOURHOOD_OVERLAP,
        explanation=Explanation(nl="De bewonersavond is verplaatst.", en="The residents' evening moved."),
    )


def acknowledged(conflict_id: str = "nbo-1") -> ConflictAcknowledged:
    return ConflictAcknowledged(
        conflict_id=conflict_id, reason="Bewust samen gepland", acknowledged_by="npzw"
    )


def events(*payloads: EventData) -> list:
    return [new_event(payload, source="scheduling") for payload in payloads]


# --- state: the last event per conflict_id decides ------------------------------------------------


def test_a_detected_conflict_is_open() -> None:
    view = fold(events(overlap()))["nbo-1"]

    assert view.status == "open"
    assert view.acknowledged is None


def test_a_resolved_conflict_is_resolved() -> None:
    view = fold(events(overlap(), resolved()))["nbo-1"]

    assert view.status == "resolved"
    assert view.detected == overlap()


def test_an_acknowledged_conflict_stays_open_and_says_so() -> None:
    view = fold(events(overlap(), acknowledged()))["nbo-1"]

    assert view.status == "open"
    assert view.acknowledged == acknowledged()


def test_detected_again_after_resolution_is_open_and_no_longer_acknowledged() -> None:
    view = fold(events(overlap(), acknowledged(), resolved(), overlap()))["nbo-1"]

    assert view.status == "open"
    assert view.acknowledged is None
    assert view.resolved is None


def test_conflicts_are_folded_independently() -> None:
    views = fold(events(overlap("nbo-1"), same_evening("sev-1"), resolved("nbo-1")))

    assert {cid: view.status for cid, view in views.items()} == {"nbo-1": "resolved", "sev-1": "open"}


def test_a_resolution_alone_still_knows_its_rule_and_severity() -> None:
    view = fold(events(resolved()))["nbo-1"]

    assert view.rule is ConflictRule.NEIGHBOURHOOD_OVERLAP
    assert view.severity is Severity.HIGH


def test_other_events_are_ignored() -> None:
    from contracts import ActivityWithdrawn

    assert fold(events(ActivityWithdrawn(activity_id="x"))) == {}


# --- filters ----------------------------------------------------------------------------------------


@pytest.fixture
def views() -> dict:
    return fold(events(overlap("nbo-1"), same_evening("sev-1"), overlap("nbo-2"), resolved("nbo-2")))


def ids(views: list) -> list[str]:
    return [view.conflict_id for view in views]


def test_open_is_the_default_status(views: dict) -> None:
    assert sorted(ids(selected(views, ConflictFilter()))) == ["nbo-1", "sev-1"]


def test_status_resolved_and_all(views: dict) -> None:
    assert ids(selected(views, ConflictFilter(status="resolved"))) == ["nbo-2"]
    assert len(selected(views, ConflictFilter(status="all"))) == 3


def test_severity_filter(views: dict) -> None:
    assert ids(selected(views, ConflictFilter(severity=Severity.MEDIUM))) == ["sev-1"]


def test_a_wijk_covers_the_conflicts_in_its_buurten(views: dict) -> None:
    assert ids(selected(views, ConflictFilter(neighbourhood="WK051836"))) == ["nbo-1"]
    assert ids(selected(views, ConflictFilter(neighbourhood="BU05183398"))) == ["sev-1"]
    assert ids(selected(views, ConflictFilter(neighbourhood="WK051834"))) == []


def test_a_buurt_matches_a_conflict_named_by_its_wijk() -> None:
    views = fold(events(overload()))

    assert ids(selected(views, ConflictFilter(neighbourhood="BU05183489"))) == ["tgo-1"]


# --- Dutch and English ------------------------------------------------------------------------------


def test_dutch_block_names_severity_rule_time_place_organisations_and_explanation() -> None:
    text = Console("nl", organisations=NAMES).conflict(fold(events(overlap()))["nbo-1"])

    assert text.splitlines()[0] == "HOOG · overlap in de buurt · open"
    assert f"dinsdag 1 december 2026, 19:00{DASH}21:30" in text
    assert "Moerwijk-Oost (BU05183620)" in text
    assert "Gemeente Den Haag · inspraak · dinsdag 1 december 2026 19:30" in text
    assert "Staedion · bewonersavond · dinsdag 1 december 2026 19:00" in text
    assert "Staedion en de gemeente overlappen." in text
    assert "nbo-1" in text


def test_english_block() -> None:
    text = Console("en", organisations=NAMES).conflict(fold(events(overlap()))["nbo-1"])

    assert text.splitlines()[0] == "HIGH · neighbourhood overlap · open"
    assert f"Tuesday 1 December 2026, 19:00{DASH}21:30" in text
    assert "Staedion and the municipality overlap." in text


def test_times_are_shown_in_amsterdam_summer_time() -> None:
    text = Console("nl", organisations=NAMES).conflict(fold(events(overlap(starts=SUMMER_EVENING)))["nbo-1"])

    assert f"dinsdag 1 juni 2027, 19:00{DASH}21:30" in text


def test_high_severity_shows_the_suggested_alternatives() -> None:
    text = Console("nl", organisations=NAMES).conflict(fold(events(overlap()))["nbo-1"])

    assert "alternatieven" in text
    assert "woensdag 2 december 2026 19:00" in text


def test_medium_severity_shows_no_alternatives() -> None:
    text = Console("en", organisations=NAMES).conflict(fold(events(same_evening()))["sev-1"])

    assert text.splitlines()[0] == "MEDIUM · same evening · open"
    assert "alternatives" not in text


def test_an_overload_shows_its_iso_week() -> None:
    text = Console("nl", organisations=NAMES).conflict(fold(events(overload()))["tgo-1"])

    assert f"week 2026-W50: maandag 7 december 2026 {DASH} zondag 13 december 2026" in text


def test_an_acknowledged_conflict_names_who_accepted_it_and_why() -> None:
    text = Console("nl", organisations=NAMES).conflict(fold(events(overlap(), acknowledged()))["nbo-1"])

    assert text.splitlines()[0] == "HOOG · overlap in de buurt · open, geaccepteerd"
    assert "door Nationaal Programma Den Haag Zuidwest: Bewust samen gepland" in text


def test_a_resolved_conflict_says_why_it_no_longer_holds() -> None:
    text = Console("en", organisations=NAMES).conflict(fold(events(overlap(), resolved()))["nbo-1"])

    assert text.splitlines()[0] == "HIGH · neighbourhood overlap · resolved"
    assert "The residents' evening moved." in text


def test_a_conflict_whose_details_were_compacted_away_is_still_listed() -> None:
    text = Console("en", organisations=NAMES).conflict(fold(events(acknowledged()))["nbo-1"])

    assert "compacted" in text
    assert "nbo-1" in text


def test_summary_counts_open_and_resolved(views: dict) -> None:
    shown = selected(views, ConflictFilter(status="all"))

    assert Console("nl", organisations=NAMES).summary(shown) == "3 conflicten: 2 open, 1 opgelost"
    assert Console("en", organisations=NAMES).summary(shown) == "3 conflicts: 2 open, 1 resolved"
    assert Console("nl", organisations=NAMES).summary([]) == "geen conflicten"


def test_listing_is_in_time_order() -> None:
    later = overlap("nbo-later", starts=SUMMER_EVENING)
    text = Console("en", organisations=NAMES).listing(
        selected(fold(events(later, overlap("nbo-earlier"))), ConflictFilter())
    )

    assert text.index("nbo-earlier") < text.index("nbo-later")


# --- following the topic ----------------------------------------------------------------------------


def test_followed_events_read_as_one_line_each_except_a_new_conflict() -> None:
    console = Console("nl", organisations=NAMES)
    views = fold(events(overlap(), acknowledged(), resolved()))
    at = datetime(2026, 11, 26, 13, 5, 7, tzinfo=UTC)

    assert console.event(overlap(), views["nbo-1"], at).startswith("[14:05:07] nieuw conflict\nHOOG")
    assert console.event(acknowledged(), views["nbo-1"], at) == (
        "[14:05:07] geaccepteerd: nbo-1 door Nationaal Programma Den Haag Zuidwest: Bewust samen gepland"
    )
    assert console.event(resolved(), views["nbo-1"], at) == (
        "[14:05:07] opgelost: nbo-1 — De bewonersavond is verplaatst."
    )
