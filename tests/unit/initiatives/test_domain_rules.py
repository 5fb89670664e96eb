"""Assignment, lifecycle and subsidy fit: the pure rules."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.initiatives import InitiativeStatus, Missing, StatusReason
from initiatives.domain.assignment import Builder, choose_builder
from initiatives.domain.identity import new_initiative_id
from initiatives.domain.lifecycle import TransitionError, check_move
from initiatives.domain.subsidies import Scale, SubsidyFacts, best_fit, bundled_regulations, check_all

BUILDERS = (
    Builder("cb-moerwijk", "Opbouwwerker Moerwijk", ("WK051836",)),
    Builder("cb-morgenstond", "Opbouwwerker Morgenstond", ("WK051834", "WK051835")),
    Builder("cb-bouwlust-1", "Opbouwwerker Bouwlust 1", ("WK051833",)),
    Builder("cb-bouwlust-2", "Opbouwwerker Bouwlust 2", ("WK051833", "WK051836")),
)
WIJKEN = ("WK051833", "WK051834", "WK051835", "WK051836", "WK051840")


@given(st.lists(st.sampled_from(WIJKEN), max_size=120))
def test_no_builder_gets_more_than_one_above_another_who_covers_the_same_wijk(wijken: list[str]) -> None:
    load: Counter[str] = Counter()
    for wijk in wijken:
        chosen = choose_builder(BUILDERS, wijk, load)
        others = [b for b in BUILDERS if wijk in b.wijken] or list(BUILDERS)
        assert all(load[chosen.id] <= load[other.id] for other in others)
        load[chosen.id] += 1


def test_an_initiative_in_a_wijk_nobody_covers_still_gets_a_builder() -> None:
    assert choose_builder(BUILDERS, "WK051840", {}).id in {b.id for b in BUILDERS}


def test_a_builder_id_that_looks_like_a_name_is_refused() -> None:
    with pytest.raises(ValueError, match="builder id"):
        Builder("Fatima El Amrani", "x", ("WK051836",))


def test_references_have_the_contract_shape() -> None:
    assert new_initiative_id(0) == "INI-0000-0000"
    assert len({new_initiative_id() for _ in range(1000)}) == 1000


def test_the_lifecycle_goes_forward_one_step_at_a_time() -> None:
    check_move(
        InitiativeStatus.SUBMITTED,
        InitiativeStatus.IN_INTAKE,
        StatusReason.PROGRESS,
        explanation=None,
        merged_into=None,
    )
    with pytest.raises(TransitionError, match="cannot go from submitted to running"):
        check_move(
            InitiativeStatus.SUBMITTED,
            InitiativeStatus.RUNNING,
            StatusReason.PROGRESS,
            explanation=None,
            merged_into=None,
        )


def test_declining_needs_a_reason_and_an_explanation() -> None:
    with pytest.raises(TransitionError, match="explanation"):
        check_move(
            InitiativeStatus.IN_INTAKE,
            InitiativeStatus.DECLINED,
            StatusReason.NOT_FEASIBLE,
            explanation=" ",
            merged_into=None,
        )
    with pytest.raises(TransitionError, match="reason for declined"):
        check_move(
            InitiativeStatus.IN_INTAKE,
            InitiativeStatus.DECLINED,
            StatusReason.DUPLICATE,
            explanation="x",
            merged_into=None,
        )


def test_a_closed_initiative_stays_closed() -> None:
    with pytest.raises(TransitionError, match="closed"):
        check_move(
            InitiativeStatus.COMPLETED,
            InitiativeStatus.RUNNING,
            StatusReason.PROGRESS,
            explanation=None,
            merged_into=None,
        )


def test_merging_names_the_other_initiative() -> None:
    with pytest.raises(TransitionError, match="merged_into"):
        check_move(
            InitiativeStatus.SUPPORTED,
            InitiativeStatus.MERGED,
            StatusReason.DUPLICATE,
            explanation="x",
            merged_into=None,
        )


def fits(facts: SubsidyFacts, today: date = date(2026, 3, 2)) -> dict[str, object]:
    return {result.regulation_id: result for result in check_all(bundled_regulations(), facts, today)}


def test_a_buurt_initiative_without_a_legal_entity_gets_at_most_750() -> None:
    result = fits(SubsidyFacts(Scale.BUURT, legal_entity=False, budget_eur=1200))["sociale-initiatieven-2024"]
    assert result.maximum_eur == 750  # type: ignore[attr-defined]
    assert result.missing == [Missing.LEGAL_ENTITY]  # type: ignore[attr-defined]


def test_a_wijk_initiative_of_a_stichting_can_get_5000() -> None:
    result = fits(SubsidyFacts(Scale.WIJK, legal_entity=True, budget_eur=8000))["sociale-initiatieven-2024"]
    assert (result.fits, result.maximum_eur) == (True, 5000)  # type: ignore[attr-defined]


def test_drinks_and_volunteer_allowances_are_not_eligible() -> None:
    facts = SubsidyFacts(Scale.STREET, legal_entity=False, budget_eur=300, costs=frozenset({"drinks"}))
    assert Missing.ELIGIBLE_COSTS in fits(facts)["sociale-initiatieven-2024"].missing  # type: ignore[attr-defined]


def test_the_over_55_regulation_needs_participants_meetings_and_gives_its_deadline() -> None:
    facts = SubsidyFacts(
        Scale.BUURT, legal_entity=False, audience_over_55=True, participants=10, meetings_per_year=40
    )
    result = fits(facts, date(2026, 9, 10))["activiteiten-55-plus"]
    assert result.missing == [Missing.PARTICIPANTS]  # type: ignore[attr-defined]
    assert result.deadline == date(2026, 9, 30)  # type: ignore[attr-defined]
    assert result.reminders == [date(2026, 9, 23)]  # type: ignore[attr-defined]


def test_an_expired_regulation_is_not_applied() -> None:
    facts = SubsidyFacts(Scale.WIJK, legal_entity=True)
    assert "leefbaarheid-bewonersparticipatie-2020" in fits(facts, date(2024, 6, 1))
    assert "leefbaarheid-bewonersparticipatie-2020" not in fits(facts, date(2025, 1, 1))


def test_the_best_fit_is_the_fitting_regulation_giving_most() -> None:
    results = check_all(
        bundled_regulations(), SubsidyFacts(Scale.WIJK, legal_entity=True, budget_eur=4000), date(2026, 3, 2)
    )
    assert best_fit(results) == "sociale-initiatieven-2024"


def test_every_regulation_has_a_source_and_a_validity_start() -> None:
    for regulation in bundled_regulations():
        assert regulation.source.startswith("https://")
        assert regulation.valid_from.year >= 2020
