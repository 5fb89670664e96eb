"""Who gets what, flapping held back to one follow-up, digests grouped, backoff with jitter."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from contracts import Channel, RecipientKind, Severity
from notifications import domain
from notifications.domain import DETECTED, RESOLVED, ConflictState, follow_up, observe

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
QUIET = timedelta(minutes=10)
FACTS = domain.ConflictFacts("c1", Severity.MEDIUM, ("BU05183620",), ("staedion", "gemeente-den-haag"))


def test_a_wijk_covers_its_buurten_and_a_buurt_meets_a_wijk_conflict() -> None:
    assert domain.covers({"WK051836"}, ["BU05183620"])
    assert domain.covers({"BU05183620"}, ["WK051836"])
    assert not domain.covers({"WK051837"}, ["BU05183620"])


def test_subscribers_are_matched_by_type_severity_area_and_organisation() -> None:
    subs = [
        domain.Subscription("all", email="a@x.nl"),
        domain.Subscription("high", email="h@x.nl", min_severity=Severity.HIGH),
        domain.Subscription("elsewhere", email="e@x.nl", neighbourhoods=frozenset({"WK051899"})),
        domain.Subscription(
            "theirs", webhook_url="https://h/x", webhook_secret="s", organisations=frozenset({"staedion"})
        ),
        domain.Subscription("acks", email="k@x.nl", event_types=frozenset({domain.ACKNOWLEDGED})),
    ]
    found = domain.recipients_for(FACTS, DETECTED, subs, {})
    assert [r.ref for r in found] == ["subscription:all", "subscription:theirs"]
    assert found[1].channel is Channel.WEBHOOK


def test_involved_organisations_are_told_by_webhook_else_email_else_not() -> None:
    contacts = {
        "staedion": domain.OrganisationContact("staedion", "p@staedion.nl", "https://s/h", "secret"),
        "gemeente-den-haag": domain.OrganisationContact("gemeente-den-haag", "g@denhaag.nl"),
    }
    found = domain.recipients_for(FACTS, RESOLVED, [], contacts)
    assert [(r.kind, r.ref, r.channel) for r in found] == [
        (RecipientKind.ORGANISATION, "organisation:staedion", Channel.WEBHOOK),
        (RecipientKind.ORGANISATION, "organisation:gemeente-den-haag", Channel.EMAIL),
    ]
    assert domain.recipients_for(FACTS, DETECTED, [], {}) == []
    assert domain.recipients_for(FACTS, domain.ACKNOWLEDGED, [], contacts) == []


def test_the_first_detection_is_announced_at_once() -> None:
    state, announcement = observe(ConflictState(), DETECTED, T0, QUIET)
    assert announcement == domain.Announcement(1, DETECTED, follow_up=False)
    assert state.quiet_until == T0 + QUIET


def test_flapping_back_to_detected_within_the_quiet_period_sends_nothing_more() -> None:
    state, _ = observe(ConflictState(), DETECTED, T0, QUIET)
    state, a = observe(state, RESOLVED, T0 + timedelta(minutes=1), QUIET)
    state, b = observe(state, DETECTED, T0 + timedelta(minutes=2), QUIET)
    assert (a, b, state.follow_up_due) == (None, None, None)


def test_a_change_within_the_quiet_period_becomes_one_follow_up_at_its_end() -> None:
    state, _ = observe(ConflictState(), DETECTED, T0, QUIET)
    state, _ = observe(state, RESOLVED, T0 + timedelta(minutes=1), QUIET)
    assert follow_up(state, T0 + timedelta(minutes=9), QUIET)[1] is None
    state, announcement = follow_up(state, T0 + QUIET, QUIET)
    assert announcement == domain.Announcement(2, RESOLVED, follow_up=True)


def test_a_resolution_of_a_conflict_never_announced_is_silent() -> None:
    assert observe(ConflictState(), RESOLVED, T0, QUIET)[1] is None


@given(st.lists(st.tuples(st.sampled_from([DETECTED, RESOLVED]), st.integers(0, 120)), max_size=40))
def test_flapping_never_sends_more_than_one_message_per_quiet_period_plus_one_follow_up(
    changes: list[tuple[str, int]],
) -> None:
    """Oracle: announcements are at least a quiet period apart, and the last one tells the final state."""
    state, now, sent = ConflictState(), T0, []
    for event_type, gap_s in changes:
        now += timedelta(seconds=gap_s)
        for moment in (now,):
            state, due = follow_up(state, moment, timedelta(seconds=600))
            sent += [(moment, due)] if due else []
        state, announcement = observe(state, event_type, now, timedelta(seconds=600))
        sent += [(now, announcement)] if announcement else []
    state, last = follow_up(state, now + timedelta(seconds=600), timedelta(seconds=600))
    sent += [(now + timedelta(seconds=600), last)] if last else []
    moments = [m for m, _ in sent]
    assert all(b - a >= timedelta(seconds=600) for a, b in itertools.pairwise(moments))
    if sent and state.actual is not None:
        assert sent[-1][1].event_type == state.actual


def test_digest_moments_are_in_amsterdam_time() -> None:
    now = datetime(2026, 7, 1, 6, 30, tzinfo=UTC)  # 08:30 in Amsterdam (summer time)
    assert domain.last_digest_moment(time(8, 0), now) == datetime(2026, 7, 1, 6, 0, tzinfo=UTC)
    assert domain.last_digest_moment(time(9, 0), now) == datetime(2026, 6, 30, 7, 0, tzinfo=UTC)


def test_digests_group_by_wijk_then_severity_high_first() -> None:
    def item(code: str, severity: Severity, hour: int) -> domain.DigestItem:
        return domain.DigestItem("c", DETECTED, severity, (code,), "nl", "en", T0 + timedelta(hours=hour))

    groups = domain.group_digest(
        [
            item("BU05183620", Severity.LOW, 1),
            item("BU05183621", Severity.HIGH, 3),
            item("BU05183621", Severity.HIGH, 2),
        ]
    )
    assert [(g.wijk, g.severity) for g in groups] == [("WK051836", Severity.HIGH), ("WK051836", Severity.LOW)]
    assert [i.starts_at.hour for i in groups[0].items] == [11, 12]


def test_retry_delays_grow_exponentially_with_jitter_up_to_the_cap() -> None:
    rng = random.Random(1)
    delays = [domain.retry_delay(n, 1.0, 60.0, rng) for n in range(1, 10)]
    assert all(2 ** (n - 1) / 2 <= d <= 2 ** (n - 1) for n, d in enumerate(delays[:5], start=1))
    assert all(30 <= d <= 60 for d in delays[6:])
