"""The demo season: plausible reports whose advice differs by wijk and group."""

from __future__ import annotations

from datetime import date

from contracts import ActivityKind, TargetGroup
from reach.demo import demo_season
from reach.domain import PlannedActivity, advise, observation, refusal_of

TODAY = date(2026, 12, 1)


def test_every_demo_report_is_acceptable_to_the_service() -> None:
    season = demo_season(TODAY)
    assert len(season) == 60
    for item in season:
        activity = PlannedActivity.from_published(item.org, item.published)
        assert refusal_of(item.org, activity, item.report, activity.ends_at) is None
        assert item.published.starts_at.date() < TODAY


def test_the_demo_is_the_same_for_the_same_day() -> None:
    assert demo_season(TODAY) == demo_season(TODAY)


def test_the_demo_advice_differs_by_wijk_and_group() -> None:
    seen = [
        observation(PlannedActivity.from_published(item.org, item.published), item.report)
        for item in demo_season(TODAY)
    ]
    moerwijk_tenants = advise(seen, "WK051836", TargetGroup.TENANTS, ActivityKind.CONSULTATION, 3)
    morgenstond_seniors = advise(seen, "WK051834", TargetGroup.SENIORS, ActivityKind.INFORMATION_MEETING, 3)
    bouwlust_youth = advise(seen, "WK051833", TargetGroup.YOUTH, ActivityKind.WORKSHOP, 3)
    assert all(a.sufficient for a in (moerwijk_tenants, morgenstond_seniors, bouwlust_youth))
    best = [a.methods[0].method.value for a in (moerwijk_tenants, morgenstond_seniors, bouwlust_youth)]
    assert len(set(best)) == 3, best
    assert {lang.language for lang in moerwijk_tenants.languages} >= {"tr", "ar"}
