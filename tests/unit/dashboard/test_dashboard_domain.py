"""The dashboard's rules: who sees what, agenda periods and filters, signed tokens."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.api.security import safe_return_path
from dashboard.domain import AgendaFilter, Period, Person, Role, wijken
from dashboard.service.signins import CsrfTokens, LinkSigner


def person(role: Role, centre: str | None = None) -> Person:
    return Person("id-1", "iemand", "Iemand", role, centre)


def test_a_coordinator_sees_only_their_own_centre_and_its_conflicts() -> None:
    coordinator = person(Role.COORDINATOR, "wijkcentrum-moerwijk")
    assert coordinator.may_see_centre("wijkcentrum-moerwijk")
    assert not coordinator.may_see_centre("wijkcentrum-bouwlust")
    assert coordinator.may_see_conflict_at({"wijkcentrum-moerwijk", "allekanten"})
    assert not coordinator.may_see_conflict_at({"allekanten"})
    assert not coordinator.may_see_conflict_at(set())
    for role in (Role.OPERATIONS, Role.COMMUNITY_BUILDER):
        assert person(role).may_see_centre("wijkcentrum-bouwlust")
        assert person(role).may_see_conflict_at(set())


def test_only_operations_act_for_operations() -> None:
    assert person(Role.OPERATIONS).is_operations
    assert not person(Role.COMMUNITY_BUILDER).is_operations


def test_a_week_runs_monday_to_sunday_and_a_month_fills_calendar_rows() -> None:
    week = Period.around("week", date(2026, 3, 5))
    assert (week.first, week.after_last) == (date(2026, 3, 2), date(2026, 3, 9))
    month = Period.around("maand", date(2026, 2, 14))
    assert (month.first, month.after_last) == (date(2026, 2, 1), date(2026, 3, 1))
    rows = month.weeks()
    assert all(len(row) == 7 for row in rows)
    assert rows[0][:6] == [None] * 6  # 1 February 2026 is a Sunday
    assert [day for row in rows for day in row if day] == month.days()
    assert month.previous() == date(2026, 1, 31)


def test_the_filter_counts_all_residents_for_every_group() -> None:
    wanted = AgendaFilter("WK051836", group="seniors")
    assert wanted.admits("staedion", "consultation", ["WK051836"], ["all_residents"])
    assert wanted.admits("staedion", "consultation", ["WK051836"], ["seniors", "tenants"])
    assert not wanted.admits("staedion", "consultation", ["WK051836"], ["tenants"])
    assert not wanted.admits("staedion", "consultation", ["WK051834"], ["seniors"])
    assert not AgendaFilter("WK051836", kind="walk").admits("a", "consultation", ["WK051836"], [])
    assert not AgendaFilter("WK051836", organisation="b").admits("a", "walk", ["WK051836"], [])


def test_the_wijken_of_zuidwest_have_their_names() -> None:
    assert wijken()["WK051836"] == "Moerwijk"
    assert set(wijken()) == {"WK051836", "WK051834", "WK051833", "WK051835"}


def test_csrf_tokens_belong_to_one_browser_and_one_secret() -> None:
    tokens = CsrfTokens("geheim")
    nonce = tokens.new_nonce()
    assert tokens.valid(nonce, tokens.token_for(nonce))
    assert not tokens.valid(tokens.new_nonce(), tokens.token_for(nonce))
    assert not CsrfTokens("ander geheim").valid(nonce, tokens.token_for(nonce))
    assert not tokens.valid(None, tokens.token_for(nonce))
    assert not tokens.valid(nonce, None)


def test_calendar_links_name_their_account_and_cannot_be_forged() -> None:
    links = LinkSigner("geheim")
    token = links.sign("account-7")
    assert links.account_of(token) == "account-7"
    assert links.account_of(token.replace("account-7", "account-8")) is None
    assert LinkSigner("ander geheim").account_of(token) is None


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        ("/agenda?wijk=WK051836", "/agenda?wijk=WK051836"),
        ("https://elders.example/", "/vandaag"),
        ("//elders.example", "/vandaag"),
        ("/\\elders.example", "/vandaag"),
        (None, "/vandaag"),
    ],
)
def test_return_paths_stay_local(candidate: str | None, expected: str) -> None:
    assert safe_return_path(candidate) == expected
