"""Subsidy fit: an initiative's facts checked against regulations that are data, valid for a period."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from contracts.initiatives import Missing, RegulationFit


class Scale(StrEnum):
    """How far an initiative reaches: one street, a buurt or a whole wijk."""

    STREET = "street"
    BUURT = "buurt"
    WIJK = "wijk"


@dataclass(frozen=True)
class SubsidyFacts:
    """What the check needs to know about an initiative (from the submission and the intake)."""

    scale: Scale
    legal_entity: bool
    budget_eur: float | None = None
    public: bool = True
    one_off: bool = True
    in_area: bool = True
    audience_over_55: bool = False
    participants: int | None = None
    meetings_per_year: int | None = None
    costs: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Regulation:
    """One regulation as the rules data describes it."""

    id: str
    name_nl: str
    name_en: str
    source: str
    valid_from: date
    valid_until: date | None
    maximum_by_scale: Mapping[str, float] | None
    maximum_fixed: float | None
    legal_entity_required_above: float | None
    requires: frozenset[str]
    excluded_costs: frozenset[str]
    minimum_participants: int | None
    minimum_meetings_per_year: int | None
    annual_deadline: tuple[int, int] | None
    reminder_days_before: tuple[int, ...]
    first_come_first_served: bool
    report_within_days: int | None = None
    """Days after the (last) activity within which the report (verantwoording) is due, if one is."""
    report_reminder_days_before: tuple[int, ...] = ()

    def valid_on(self, day: date) -> bool:
        """Whether the regulation applies on ``day``."""
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Regulation:
        """Read one regulation of ``subsidy_rules.json``."""
        deadline = data.get("annual_deadline")
        month_day = tuple(int(part) for part in deadline.split("-")) if deadline else None
        return cls(
            id=data["id"],
            name_nl=data["name"]["nl"],
            name_en=data["name"]["en"],
            source=data["source"],
            valid_from=date.fromisoformat(data["valid_from"]),
            valid_until=date.fromisoformat(data["valid_until"]) if data.get("valid_until") else None,
            maximum_by_scale=data.get("maximum_by_scale"),
            maximum_fixed=data.get("maximum_fixed"),
            legal_entity_required_above=data.get("legal_entity_required_above"),
            requires=frozenset(data.get("requires", ())),
            excluded_costs=frozenset(data.get("excluded_costs", ())),
            minimum_participants=data.get("minimum_participants"),
            minimum_meetings_per_year=data.get("minimum_meetings_per_year"),
            annual_deadline=(month_day[0], month_day[1]) if month_day else None,
            reminder_days_before=tuple(data.get("reminder_days_before", ())),
            first_come_first_served=bool(data.get("first_come_first_served", False)),
            report_within_days=data.get("report_within_days"),
            report_reminder_days_before=tuple(data.get("report_reminder_days_before", ())),
        )


_REQUIREMENTS: dict[str, tuple[str, Missing]] = {
    "public_activity": ("public", Missing.PUBLIC_ACTIVITY),
    "one_off": ("one_off", Missing.ONE_OFF),
    "in_area": ("in_area", Missing.AREA),
    "audience_over_55": ("audience_over_55", Missing.AUDIENCE_OVER_55),
}


def check(regulation: Regulation, facts: SubsidyFacts, today: date) -> RegulationFit:
    """How ``regulation`` fits an initiative with ``facts`` on ``today``."""
    missing = [
        missing
        for requirement, (fact, missing) in _REQUIREMENTS.items()
        if requirement in regulation.requires and not getattr(facts, fact)
    ]
    missing += _minimums(regulation, facts)
    if regulation.excluded_costs & facts.costs:
        missing.append(Missing.ELIGIBLE_COSTS)
    ceiling = _ceiling(regulation, facts.scale)
    limit = regulation.legal_entity_required_above
    if limit is not None and not facts.legal_entity:
        if facts.budget_eur is not None and facts.budget_eur > limit:
            missing.append(Missing.LEGAL_ENTITY)
        ceiling = min(ceiling, limit)
    if facts.budget_eur is not None:
        ceiling = min(ceiling, facts.budget_eur)
    deadline = next_deadline(regulation, today)
    return RegulationFit(
        regulation_id=regulation.id,
        fits=not missing,
        maximum_eur=ceiling,
        missing=missing,
        deadline=deadline,
        reminders=reminders(regulation, deadline, today),
    )


def _minimums(regulation: Regulation, facts: SubsidyFacts) -> list[Missing]:
    missing = []
    participants = regulation.minimum_participants
    if participants is not None and (facts.participants or 0) < participants:
        missing.append(Missing.PARTICIPANTS)
    meetings = regulation.minimum_meetings_per_year
    if meetings is not None and (facts.meetings_per_year or 0) < meetings:
        missing.append(Missing.MEETINGS)
    return missing


def _ceiling(regulation: Regulation, scale: Scale) -> float:
    if regulation.maximum_by_scale is not None:
        return float(regulation.maximum_by_scale[scale.value])
    return float(regulation.maximum_fixed or 0)


def next_deadline(regulation: Regulation, today: date) -> date | None:
    """The next annual deadline on or after ``today`` within the validity period, if any."""
    if regulation.annual_deadline is None:
        return None
    month, day = regulation.annual_deadline
    deadline = date(today.year, month, day)
    if deadline < today:
        deadline = date(today.year + 1, month, day)
    if regulation.valid_until is not None and deadline > regulation.valid_until:
        return None
    return deadline


def reminders(regulation: Regulation, deadline: date | None, today: date) -> list[date]:
    """The reminder days before ``deadline`` that are still to come."""
    if deadline is None:
        return []
    days = (deadline - timedelta(days=before) for before in regulation.reminder_days_before)
    return sorted(day for day in days if day >= today)


def check_all(regulations: Sequence[Regulation], facts: SubsidyFacts, today: date) -> list[RegulationFit]:
    """Every regulation valid on ``today``, checked."""
    return [check(regulation, facts, today) for regulation in regulations if regulation.valid_on(today)]


def best_fit(results: Sequence[RegulationFit]) -> str | None:
    """The fitting regulation that gives the most, if any fits."""
    fitting = [result for result in results if result.fits and result.maximum_eur > 0]
    return max(fitting, key=lambda result: result.maximum_eur).regulation_id if fitting else None


def regulation(regulation_id: str) -> Regulation | None:
    """The bundled regulation with ``regulation_id``, if there is one."""
    return next((r for r in bundled_regulations() if r.id == regulation_id), None)


@cache
def bundled_regulations() -> tuple[Regulation, ...]:
    """The regulations in the bundled ``subsidy_rules.json``."""
    text = resources.files("initiatives.data").joinpath("subsidy_rules.json").read_text(encoding="utf-8")
    return tuple(Regulation.from_dict(item) for item in json.loads(text)["regulations"])
