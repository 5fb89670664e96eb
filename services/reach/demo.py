"""The Zuidwest demo season: past activities and their reports, so advice differs by wijk and group."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from contracts import (
    ActivityKind,
    ActivityPublished,
    ActivityReported,
    ReachMethod,
    TargetGroup,
    encode_event,
    new_event,
)
from contracts.reach import report_key
from contracts.topics import partner_activities, partner_reports, partner_topics
from reach.domain import AMSTERDAM

M, G, K = ReachMethod, TargetGroup, ActivityKind
WEEKS = 12
SEED = 14


@dataclass(frozen=True)
class Approach:
    """A way one organiser tried to reach a group, and how well it worked here (share of the expected)."""

    methods: frozenset[ReachMethod]
    turnout: float
    childcare: bool = False
    interpreter: bool = False


@dataclass(frozen=True)
class Series:
    """A run of similar activities of one organiser for one group in one place, one a week."""

    org: str
    slug: str
    title: str
    kind: ActivityKind
    buurt: str
    group: TargetGroup
    expected: int
    start: time
    weekday: int
    approaches: tuple[Approach, ...]
    languages: tuple[str, ...]
    attendee_languages: tuple[str, ...]
    action: str


def _approach(
    turnout: float, *methods: ReachMethod, childcare: bool = False, interpreter: bool = False
) -> Approach:
    return Approach(frozenset(methods), turnout, childcare, interpreter)


SERIES: tuple[Series, ...] = (
    Series(
        "staedion", "renovatie-moerwijk-oost", "Bewonersavond renovatie Moerwijk-Oost", K.CONSULTATION,
        "BU05183620", G.TENANTS, 40, time(19, 30), 1,
        (
            _approach(0.3, M.FLYER, M.LETTER),
            _approach(1.4, M.DOOR_TO_DOOR, M.KEY_FIGURE, M.WHATSAPP_GROUP, interpreter=True),
            _approach(0.9, M.DOOR_TO_DOOR, M.LETTER),
        ),
        ("nl", "tr", "ar"), ("nl", "tr", "ar"),
        "De wensen gaan mee in het renovatieplan; de bewonerscommissie krijgt het aangepaste ontwerp.",
    ),
    Series(
        "gemeente-den-haag", "ouders-moerwijk", "Ouderavond speelplekken Moerwijk", K.RESIDENTS_MEETING,
        "BU05183637", G.PARENTS, 25, time(19, 0), 3,
        (
            _approach(1.2, M.VIA_SCHOOL, M.WHATSAPP_GROUP, childcare=True),
            _approach(0.4, M.POSTER, M.FLYER),
            _approach(0.8, M.VIA_SCHOOL, M.POSTER),
        ),
        ("nl", "ar"), ("nl", "ar", "tr"),
        "De gemeente kiest samen met de ouders twee speelplekken om eerst op te knappen.",
    ),
    Series(
        "hof-wonen", "senioren-morgenstond", "Informatiemiddag senioren Morgenstond", K.INFORMATION_MEETING,
        "BU05183488", G.SENIORS, 30, time(14, 0), 2,
        (
            _approach(1.5, M.LETTER, M.VIA_CENTRE),
            _approach(0.4, M.SOCIAL_MEDIA, M.POSTER),
            _approach(1.0, M.VIA_CENTRE, M.LOCAL_NEWSPAPER),
        ),
        ("nl",), ("nl", "en"),
        "Vragen over de liften en de galerijen gaan naar de onderhoudsplanning van 2027.",
    ),
    Series(
        "mooi-welzijn", "jongeren-bouwlust", "Jongerenatelier Bouwlust: wat mist er in de wijk?", K.WORKSHOP,
        "BU05183398", G.YOUTH, 20, time(16, 0), 4,
        (
            _approach(1.3, M.VIA_SCHOOL, M.SOCIAL_MEDIA),
            _approach(0.25, M.LETTER, M.FLYER),
            _approach(1.1, M.WHATSAPP_GROUP, M.VIA_SELF_ORGANISATION),
        ),
        ("nl",), ("nl", "ar", "so", "pl"),
        "De ideeën gaan naar het wijkteam; drie ervan worden uitgewerkt met de jongeren zelf.",
    ),
    Series(
        "haag-wonen", "huurders-bouwlust", "Huurdersavond Venen, Oorden en Raden", K.CONSULTATION,
        "BU05183387", G.TENANTS, 35, time(19, 30), 0,
        (
            _approach(0.5, M.LETTER, M.FLYER),
            _approach(1.1, M.DOOR_TO_DOOR, M.VIA_CENTRE),
            _approach(0.7, M.LETTER, M.LOCAL_NEWSPAPER),
        ),
        ("nl", "pl"), ("nl", "pl", "en"),
        "Groen en verlichting gaan naar de wijkaanpak; bewoners horen wat wordt uitgevoerd.",
    ),
)  # fmt: skip


@dataclass(frozen=True)
class DemoActivity:
    """One past activity of the demo with its report."""

    org: str
    published: ActivityPublished
    report: ActivityReported


def demo_season(today: date, *, weeks: int = WEEKS) -> list[DemoActivity]:
    """The demo's past season, up to the week before ``today``, without I/O (the same for the same day)."""
    rng = random.Random(SEED)
    season = []
    for series in SERIES:
        for week in range(1, weeks + 1):
            day = today - timedelta(weeks=week, days=(today.weekday() - series.weekday) % 7)
            approach = series.approaches[(week + rng.randrange(2)) % len(series.approaches)]
            season.append(_activity(series, day, week, approach, rng, today))
    return season


def _activity(
    series: Series, day: date, week: int, approach: Approach, rng: random.Random, today: date
) -> DemoActivity:
    start = datetime.combine(day, series.start, tzinfo=AMSTERDAM)
    published = ActivityPublished(
        activity_id=f"{series.slug}-{day.isoformat()}",
        title=series.title,
        kind=series.kind,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        neighbourhoods=[series.buurt],
        target_groups=[series.group],
        expected_attendance=series.expected,
        languages=list(series.languages),
    )
    attendance = max(0, round(series.expected * approach.turnout * rng.uniform(0.8, 1.2)))
    hear_back = day + timedelta(weeks=6)
    report = ActivityReported.model_validate(
        {
            "activity_id": published.activity_id,
            "occurrence_start": start,
            "attendance": attendance,
            "reach_methods": sorted(approach.methods),
            "languages": list(series.languages),
            "attendee_languages": list(
                series.attendee_languages[: 1 + week % len(series.attendee_languages)]
            ),
            "interpreter": approach.interpreter,
            "childcare": approach.childcare,
            "accessible": True,
            "follow_up": {"action": series.action, "residents_hear_back_by": hear_back.isoformat()},
            "follow_up_done": {"on": (hear_back - timedelta(days=3)).isoformat(), "summary": series.action}
            if hear_back < today and week % 3
            else None,
        }
    )
    return DemoActivity(series.org, published, report)


async def publish_season(bootstrap: str, season: Sequence[DemoActivity]) -> int:
    """Publish each activity on its organiser's topic and its report on the reports topic; how many events."""
    from werkplaats.broker import create_producer
    from werkplaats.topics_admin import ensure_topics

    organisations = sorted({item.org for item in season})
    await ensure_topics(bootstrap, [spec for org in organisations for spec in partner_topics(org)])
    producer = create_producer(bootstrap, client_id="werkplaats-reach-demo")
    await producer.start()
    try:
        sent = []
        for item in season:
            event = encode_event(new_event(item.published, source=item.org))
            sent.append(
                await producer.send(
                    partner_activities(item.org), event, key=item.published.activity_id.encode()
                )
            )
        for item in season:
            event = encode_event(new_event(item.report, source=item.org))
            sent.append(
                await producer.send(partner_reports(item.org), event, key=report_key(item.report).encode())
            )
        await asyncio.gather(*sent)
    finally:
        await producer.stop()
    return len(sent)


async def publish_demo(bootstrap: str, *, today: date | None = None) -> int:
    """Publish the demo season before ``today`` (default: today in Amsterdam); the number of events."""
    return await publish_season(bootstrap, demo_season(today or datetime.now(AMSTERDAM).date()))
