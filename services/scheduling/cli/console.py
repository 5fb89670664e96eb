"""Conflicts for people at a terminal: state folded from ``scheduling.conflicts``, in Dutch or English."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from contracts import (
    RULE_SEVERITY,
    ConflictAcknowledged,
    ConflictDetected,
    ConflictResolved,
    ConflictRule,
    Envelope,
    EventData,
    Severity,
)
from scheduling.domain import AMSTERDAM, Areas, load_areas, meets
from scheduling.domain.wording import clock_time, long_date

Language = Literal["nl", "en"]
StatusFilter = Literal["open", "resolved", "all"]
ConflictEvent = ConflictDetected | ConflictResolved | ConflictAcknowledged

RULES: dict[ConflictRule, tuple[str, str]] = {
    ConflictRule.NEIGHBOURHOOD_OVERLAP: ("overlap in de buurt", "neighbourhood overlap"),
    ConflictRule.VENUE_DOUBLE_BOOKING: ("dubbele boeking", "venue double booking"),
    ConflictRule.SAME_EVENING: ("zelfde avond", "same evening"),
    ConflictRule.TARGET_GROUP_OVERLOAD: ("te veel voor één doelgroep", "target group overload"),
    ConflictRule.UNFAVOURABLE_DATE: ("ongunstige datum", "unfavourable date"),
}
SEVERITIES: dict[Severity, tuple[str, str]] = {
    Severity.HIGH: ("HOOG", "HIGH"),
    Severity.MEDIUM: ("MIDDEL", "MEDIUM"),
    Severity.LOW: ("LAAG", "LOW"),
}
SEVERITY_ORDER = {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.LOW: 2}
WORDS: dict[str, tuple[str, str]] = {
    "open": ("open", "open"),
    "acknowledged": ("open, geaccepteerd", "open, acknowledged"),
    "resolved": ("opgelost", "resolved"),
    "when": ("wanneer", "when"),
    "where": ("waar", "where"),
    "who": ("wie", "who"),
    "why": ("uitleg", "explanation"),
    "alternatives": ("alternatieven", "alternatives"),
    "accepted": ("geaccepteerd", "accepted"),
    "by": ("door", "by"),
    "week": ("week", "week"),
    "unknown": ("onbekend", "unknown"),
    "compacted": (
        "details staan niet meer op het topic (gecompacteerd)",
        "details are no longer on the topic (compacted)",
    ),
    "new": ("nieuw conflict", "new conflict"),
    "none": ("geen conflicten", "no conflicts"),
    "conflicts": ("conflicten", "conflicts"),
    "conflict": ("conflict", "conflict"),
}
LABEL_WIDTH = 14
DASH = "\N{EN DASH}"


def word(key: str, language: Language) -> str:
    """Return a fixed word of the console in ``language``."""
    return WORDS[key][0 if language == "nl" else 1]


def _pick(pair: tuple[str, str], language: Language) -> str:
    return pair[0 if language == "nl" else 1]


@dataclass
class ConflictView:
    """What ``scheduling.conflicts`` says about one conflict; the last event decides its state."""

    conflict_id: str
    detected: ConflictDetected | None = None
    resolved: ConflictResolved | None = None
    acknowledged: ConflictAcknowledged | None = None
    last_type: str = ""

    @property
    def status(self) -> Literal["open", "resolved"]:
        """``resolved`` when the last event resolved it, else ``open``."""
        return "resolved" if self.last_type == ConflictResolved.event_type else "open"

    @property
    def rule(self) -> ConflictRule | None:
        """The rule that found it, when an event still on the topic names it."""
        if self.detected is not None:
            return self.detected.rule
        return self.resolved.rule if self.resolved is not None else None

    @property
    def severity(self) -> Severity | None:
        """The severity of its rule."""
        return RULE_SEVERITY[self.rule] if self.rule is not None else None

    def apply(self, data: ConflictEvent) -> None:
        """Take one more event about this conflict into account."""
        if isinstance(data, ConflictDetected):
            self.detected, self.resolved, self.acknowledged = data, None, None
        elif isinstance(data, ConflictAcknowledged):
            self.acknowledged, self.resolved = data, None
        else:
            self.resolved = data
        self.last_type = data.event_type


def conflict_event(envelope: Envelope[EventData]) -> ConflictEvent | None:
    """Return the conflict event an envelope carries, or ``None`` for any other event."""
    data = envelope.data
    return data if isinstance(data, ConflictDetected | ConflictResolved | ConflictAcknowledged) else None


def fold(
    events: Iterable[Envelope[EventData]], views: dict[str, ConflictView] | None = None
) -> dict[str, ConflictView]:
    """Fold events in topic order into one view per ``conflict_id`` (added to ``views`` when given)."""
    views = {} if views is None else views
    for envelope in events:
        data = conflict_event(envelope)
        if data is not None:
            views.setdefault(data.conflict_id, ConflictView(data.conflict_id)).apply(data)
    return views


@dataclass(frozen=True)
class ConflictFilter:
    """Which conflicts to show: by status, severity and neighbourhood (a wijk covers its buurten)."""

    status: StatusFilter = "open"
    severity: Severity | None = None
    neighbourhood: str | None = None

    def matches(self, view: ConflictView, *, ignore_status: bool = False) -> bool:
        """Whether ``view`` passes every filter (the status one unless ``ignore_status``)."""
        if not ignore_status and self.status not in ("all", view.status):
            return False
        if self.severity is not None and view.severity is not self.severity:
            return False
        return self.neighbourhood is None or self._in_neighbourhood(view)

    def _in_neighbourhood(self, view: ConflictView) -> bool:
        assert self.neighbourhood is not None
        codes = view.detected.neighbourhoods if view.detected is not None else []
        return any(meets(self.neighbourhood, code) for code in codes)


def selected(views: Mapping[str, ConflictView], chosen: ConflictFilter) -> list[ConflictView]:
    """Return the views that pass ``chosen``, the most urgent first within time order."""
    return sorted((v for v in views.values() if chosen.matches(v)), key=_order)


def _order(view: ConflictView) -> tuple[int, datetime, int, str]:
    detected = view.detected
    if detected is None:
        return (1, datetime.max.replace(tzinfo=AMSTERDAM), 3, view.conflict_id)
    return (0, detected.starts_at, SEVERITY_ORDER[detected.severity], view.conflict_id)


@dataclass(frozen=True)
class Console:
    """Writes conflicts as short blocks of text in one language."""

    language: Language = "nl"
    areas: Areas | None = None
    organisations: Mapping[str, str] = field(default_factory=dict)
    """Display names by slug (the organisations directory's); unknown slugs are shown as they are."""

    def organisation(self, slug: str) -> str:
        """Return the display name of an organisation, else its slug."""
        return self.organisations.get(slug, slug)

    def place(self, code: str) -> str:
        """Return the name of a neighbourhood with its code."""
        name = (self.areas or load_areas()).name(code)
        return code if name == code else f"{name} ({code})"

    def conflict(self, view: ConflictView) -> str:
        """Return the block of lines describing one conflict."""
        lines = [self._headline(view)]
        if view.detected is not None:
            lines += self._details(view.detected)
        else:
            lines.append(self._line("why", word("compacted", self.language)))
        lines += self._state_lines(view)
        lines.append(self._line("id", view.conflict_id))
        return "\n".join(lines)

    def listing(self, views: Iterable[ConflictView]) -> str:
        """Return every conflict's block, then a summary line."""
        shown = list(views)
        blocks = [self.conflict(view) for view in shown]
        return "\n\n".join([*blocks, self.summary(shown)])

    def summary(self, views: Iterable[ConflictView]) -> str:
        """Return ``3 conflicten: 2 open, 1 opgelost`` (or ``geen conflicten``)."""
        shown = list(views)
        if not shown:
            return word("none", self.language)
        resolved = sum(view.status == "resolved" for view in shown)
        noun = word("conflict" if len(shown) == 1 else "conflicts", self.language)
        opened = f"{len(shown) - resolved} {word('open', self.language)}"
        return f"{len(shown)} {noun}: {opened}, {resolved} {word('resolved', self.language)}"

    def event(self, data: ConflictEvent, view: ConflictView, occurred_at: datetime) -> str:
        """Return how one new event reads while following the topic."""
        stamp = occurred_at.astimezone(AMSTERDAM).strftime("%H:%M:%S")
        if isinstance(data, ConflictDetected):
            return f"[{stamp}] {word('new', self.language)}\n{self.conflict(view)}"
        if isinstance(data, ConflictResolved):
            explanation = _pick((data.explanation.nl, data.explanation.en), self.language)
            return f"[{stamp}] {word('resolved', self.language)}: {data.conflict_id} — {explanation}"
        by = self.organisation(data.acknowledged_by)
        accepted, by_word = word("accepted", self.language), word("by", self.language)
        return f"[{stamp}] {accepted}: {data.conflict_id} {by_word} {by}: {data.reason}"

    def _headline(self, view: ConflictView) -> str:
        severity = _pick(SEVERITIES[view.severity], self.language) if view.severity else "?"
        rule = _pick(RULES[view.rule], self.language) if view.rule else word("unknown", self.language)
        status = word(
            "acknowledged" if view.acknowledged and view.status == "open" else view.status, self.language
        )
        return f"{severity} · {rule} · {status}"

    def _details(self, detected: ConflictDetected) -> list[str]:
        lines = [self._line("when", self._when(detected))]
        lines.append(self._line("where", ", ".join(self.place(code) for code in detected.neighbourhoods)))
        in_time_order = sorted(detected.activities, key=lambda a: (a.occurrence_start, a.organisation))
        for index, activity in enumerate(in_time_order):
            start = self._moment(activity.occurrence_start)
            who = f"{self.organisation(activity.organisation)} · {activity.activity_id} · {start}"
            lines.append(self._line("who" if index == 0 else "", who))
        lines.append(
            self._line("why", _pick((detected.explanation.nl, detected.explanation.en), self.language))
        )
        if detected.severity is Severity.HIGH and detected.suggestions:
            options = "; ".join(self._moment(suggestion) for suggestion in detected.suggestions)
            lines.append(self._line("alternatives", options))
        return lines

    def _when(self, detected: ConflictDetected) -> str:
        start, end = detected.starts_at, detected.ends_at
        if detected.iso_week is not None:
            first, last = (
                long_date(start, self.language),
                long_date(end - timedelta(microseconds=1), self.language),
            )
            return f"{word('week', self.language)} {detected.iso_week}: {first} {DASH} {last}"
        if start.astimezone(AMSTERDAM).date() == end.astimezone(AMSTERDAM).date():
            return f"{long_date(start, self.language)}, {clock_time(start)}{DASH}{clock_time(end)}"
        return f"{self._moment(start)} {DASH} {self._moment(end)}"

    def _moment(self, moment: datetime) -> str:
        return f"{long_date(moment, self.language)} {clock_time(moment)}"

    def _state_lines(self, view: ConflictView) -> list[str]:
        if view.status == "resolved" and view.resolved is not None:
            explanation = _pick((view.resolved.explanation.nl, view.resolved.explanation.en), self.language)
            return [self._line("resolved", explanation)]
        if view.acknowledged is not None:
            by = self.organisation(view.acknowledged.acknowledged_by)
            return [self._line("accepted", f"{word('by', self.language)} {by}: {view.acknowledged.reason}")]
        return []

    def _line(self, key: str, text: str) -> str:
        label = word(key, self.language) if key in WORDS else key
        return f"  {label:<{LABEL_WIDTH}}{text}"
