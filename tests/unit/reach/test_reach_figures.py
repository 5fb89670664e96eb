"""The statistics against figures computed by hand on a small fixture."""

from __future__ import annotations

from datetime import datetime

import pytest

from contracts import ActivityKind, ReachMethod, TargetGroup
from reach.domain import (
    AMSTERDAM,
    Observation,
    Season,
    Selection,
    advise,
    figures,
    season_of,
    wilson_interval,
)

M = ReachMethod
MOERWIJK, BOUWLUST = "WK051836", "WK051833"


def report(
    number: int,
    attendance: int,
    expected: int | None,
    methods: set[ReachMethod],
    *,
    wijk: str = MOERWIJK,
    group: TargetGroup = TargetGroup.TENANTS,
    month: int = 3,
    languages: tuple[str, ...] = (),
) -> Observation:
    return Observation(
        organisation="staedion",
        activity_id=f"avond-{number}",
        title=f"Avond {number}",
        occurrence_start=datetime(2026, month, number, 19, 30, tzinfo=AMSTERDAM),
        kind=ActivityKind.CONSULTATION,
        wijken=(wijk,),
        target_groups=(group,),
        attendance=attendance,
        expected_attendance=expected,
        methods=frozenset(methods),
        attendee_languages=languages,
    )


# Five evenings in Moerwijk for tenants, one elsewhere that no Moerwijk figure may count.
FIXTURE = [
    report(1, 8, 40, {M.FLYER}, languages=("nl",)),
    report(2, 60, 40, {M.DOOR_TO_DOOR, M.KEY_FIGURE}, languages=("nl", "tr", "ar")),
    report(3, 30, 40, {M.FLYER, M.DOOR_TO_DOOR}, languages=("nl", "tr")),
    report(4, 45, 50, {M.DOOR_TO_DOOR}, languages=("nl",)),
    report(5, 12, None, {M.FLYER}),
    report(6, 100, 10, {M.FLYER}, wijk=BOUWLUST, group=TargetGroup.SENIORS),
]
MOERWIJK_TENANTS = Selection(wijk=MOERWIJK, target_group=TargetGroup.TENANTS)


def test_overall_turnout_of_a_selection() -> None:
    overall = figures(FIXTURE, MOERWIJK_TENANTS, minimum=3).overall
    assert overall.reports == 5
    assert overall.mean_attendance == pytest.approx(31.0)  # (8 + 60 + 30 + 45 + 12) / 5
    assert overall.median_attendance == 30.0  # 8 12 [30] 45 60
    assert overall.with_expectation == 4  # the fifth evening expected nobody in particular
    assert overall.turnout_ratio == pytest.approx(143 / 170)  # (8 + 60 + 30 + 45) / (40 + 40 + 40 + 50)
    assert (overall.reached_expected, overall.reached_share) == (1, 0.25)  # only the 60 of 40
    assert overall.reached_low == pytest.approx(0.0456, abs=1e-4)  # Wilson 95% for 1 of 4
    assert overall.reached_high == pytest.approx(0.6994, abs=1e-4)


def test_methods_ranked_by_turnout_with_the_reports_they_rest_on() -> None:
    methods = figures(FIXTURE, MOERWIJK_TENANTS, minimum=3).methods
    assert [f.method for f in methods] == [M.DOOR_TO_DOOR, M.FLYER]  # key_figure: 1 report, not shown
    door, flyer = methods
    assert door.used.reports == 3
    assert door.used.turnout_ratio == pytest.approx(135 / 130)  # (60 + 30 + 45) / (40 + 40 + 50)
    assert door.used.mean_attendance == pytest.approx(45.0)
    assert door.used.reached_expected == 1
    assert flyer.used.reports == 3
    assert flyer.used.turnout_ratio == pytest.approx(
        38 / 80
    )  # (8 + 30) / (40 + 40); the 12 had no expectation
    assert flyer.used.median_attendance == 12.0
    assert (flyer.used.reached_low, flyer.used.reached_high) == pytest.approx((0.0, 0.6576), abs=1e-4)


def test_a_comparison_group_below_the_minimum_is_not_shown() -> None:
    flyer = next(f for f in figures(FIXTURE, MOERWIJK_TENANTS, minimum=3).methods if f.method is M.FLYER)
    assert flyer.not_used.reports == 2  # evenings 2 and 4
    assert not flyer.not_used.shown
    assert flyer.not_used.mean_attendance is None
    assert flyer.not_used.turnout_ratio is None


def test_nothing_but_the_count_is_shown_below_the_minimum() -> None:
    found = figures(FIXTURE, MOERWIJK_TENANTS, minimum=6)
    assert found.overall.reports == 5
    assert not found.overall.shown
    assert found.overall.mean_attendance is None
    assert found.overall.turnout_ratio is None
    assert found.methods == []


def test_a_selection_counts_only_its_wijk_and_group() -> None:
    assert figures(FIXTURE, Selection(wijk=BOUWLUST), minimum=1).overall.mean_attendance == 100.0
    assert figures(FIXTURE, Selection(), minimum=1).overall.reports == 6
    assert figures(FIXTURE, Selection(target_group=TargetGroup.SENIORS), minimum=1).overall.reports == 1


def test_seasons_are_meteorological() -> None:
    assert [season_of(datetime(2026, month, 1, 12, tzinfo=AMSTERDAM)) for month in (12, 1, 3, 6, 9)] == [
        Season.WINTER,
        Season.WINTER,
        Season.SPRING,
        Season.SUMMER,
        Season.AUTUMN,
    ]
    assert figures(FIXTURE, Selection(season=Season.SPRING), minimum=1).overall.reports == 6
    assert figures(FIXTURE, Selection(season=Season.WINTER), minimum=1).overall.reports == 0


def test_wilson_interval_of_known_proportions() -> None:
    assert wilson_interval(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson_interval(10, 10) == pytest.approx((0.7225, 1.0), abs=1e-4)
    with pytest.raises(ValueError, match="no trials"):
        wilson_interval(0, 0)


def test_advice_names_methods_languages_and_examples() -> None:
    advice = advise(FIXTURE, MOERWIJK, TargetGroup.TENANTS, ActivityKind.CONSULTATION, minimum=3)
    assert (advice.reports, advice.sufficient) == (5, True)
    assert [m.method for m in advice.methods] == [M.DOOR_TO_DOOR, M.FLYER]
    assert advice.methods[0].turnout_ratio == pytest.approx(1.0385)
    assert [(lang.language, lang.reports) for lang in advice.languages] == [("nl", 4), ("tr", 2), ("ar", 1)]
    assert [e.activity_id for e in advice.examples] == ["avond-2", "avond-4", "avond-3"]  # 1.5, 0.9, 0.75


def test_advice_below_the_minimum_gives_examples_but_no_figures() -> None:
    advice = advise(FIXTURE, BOUWLUST, TargetGroup.SENIORS, ActivityKind.CONSULTATION, minimum=3)
    assert (advice.reports, advice.sufficient) == (1, False)
    assert advice.turnout_ratio is None
    assert advice.methods == []
    assert advice.languages == []
    assert [e.activity_id for e in advice.examples] == ["avond-6"]
