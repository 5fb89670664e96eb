"""The Zuidwest demo: a month of partner plans with every kind of conflict, published on partner topics."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from contracts import (
    ActivityKind,
    ActivityPublished,
    ActivityWithdrawn,
    AddressVenue,
    CentreVenue,
    OrganisationRole,
    TargetGroup,
    Theme,
    encode_event,
    new_event,
)
from contracts.topics import TopicSpec, partner_activities, partner_topics
from scheduling.domain import AMSTERDAM, UnfavourableCalendar, load_calendar
from scheduling.domain.clock import Occurrence, to_us

K, G, T = ActivityKind, TargetGroup, Theme
MON, TUE, WED, THU, FRI, SAT = range(6)
SEARCH_DAYS = 366
"""How far after the month's start the demo looks for an unfavourable date."""

MOERWIJK, MORGENSTOND, BOUWLUST, ZUIDERPARK = "WK051836", "WK051834", "WK051833", "WK051835"
MOERWIJK_OOST = "BU05183620"
MORGENSTOND_WEST, MORGENSTOND_OOST = "BU05183488", "BU05183489"
VENEN_OORDEN_RADEN, ZIJDEN_STEDEN_ZICHTEN, DREVEN_GAARDEN = "BU05183387", "BU05183396", "BU05183398"
DE_UITHOF = "BU05183399"
MOERWIJK_WEST = "BU05183637"

WIJKCENTRUM_MOERWIJK, WIJKCENTRUM_BOUWLUST = "wijkcentrum-moerwijk", "wijkcentrum-bouwlust"
ALLEKANTEN, DE_SPRUIJT = "allekanten", "de-spruijt"
STADSDEELKANTOOR = AddressVenue(address="Stadsdeelkantoor Escamp, Leyweg 813, Den Haag")
SENIOR_FLATS = AddressVenue(address="Recreatiezaal seniorencomplex, Melis Stokelaan, Den Haag")
MEETING_POINT = AddressVenue(address="Verzamelen bij het Stadsdeelkantoor Escamp, Leyweg 813")


DEMO_ORGANISATIONS: dict[str, str] = {
    "gemeente-den-haag": "Gemeente Den Haag",
    "staedion": "Staedion",
    "haag-wonen": "Haag Wonen",
    "hof-wonen": "Hof Wonen",
    "mooi-welzijn": "Mooi Welzijn",
    "haags-sportkwartier": "Haags Sportkwartier",
    "allekanten": "Allekanten",
    "buurtkamer-de-spruijt": "Buurtkamer De Spruijt",
    "wijkcentrum-moerwijk": "Wijkcentrum Moerwijk",
    "npzw": "Nationaal Programma Den Haag Zuidwest",
}
"""The demo's organisations and their names (registered in the organisations directory)."""


@dataclass(frozen=True)
class Plan:
    """One activity a partner plans, at a day of the demo month (0 is its first Monday) and local times."""

    org: str
    activity_id: str
    title: str
    kind: ActivityKind
    day: int
    start: str
    end: str
    neighbourhoods: tuple[str, ...]
    groups: tuple[TargetGroup, ...]
    themes: tuple[Theme, ...]
    venue: CentreVenue | AddressVenue | None
    attendance: int
    languages: tuple[str, ...] = ("nl",)
    recurrence: str | None = None

    def published(self, month_start: date) -> ActivityPublished:
        """Return the ``activity.published`` payload of this plan in the month starting ``month_start``."""
        day = month_start + timedelta(days=self.day)
        return ActivityPublished(
            activity_id=self.activity_id,
            title=self.title,
            kind=self.kind,
            starts_at=_at(day, self.start),
            ends_at=_at(day, self.end),
            recurrence=self.recurrence,
            neighbourhoods=list(self.neighbourhoods),
            venue=self.venue,
            target_groups=list(self.groups),
            themes=list(self.themes),
            expected_attendance=self.attendance,
            languages=list(self.languages),
        )


def _at(day: date, clock: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=AMSTERDAM)


def on(week: int, weekday: int) -> int:
    """Return the day of the demo month: ``week`` 0-3, ``weekday`` 0 (Monday) to 6."""
    return 7 * week + weekday


def room(venue_id: str, name: str | None = None) -> CentreVenue:
    """Return a community centre, optionally one of its rooms."""
    return CentreVenue(venue_id=venue_id, room=name)


# fmt: off
PLANS: tuple[Plan, ...] = (
    # neighbourhood_overlap: a wijk-level consultation and a buurt-level meeting on the same evening
    Plan("gemeente-den-haag", "inspraak-zuiderpark", "Inspraakavond herinrichting Zuiderpark-gebied",
         K.CONSULTATION, on(0, TUE), "19:30", "21:30", (MOERWIJK, ZUIDERPARK), (G.ALL_RESIDENTS,),
         (T.HOUSING_ENVIRONMENT, T.SOCIAL_COHESION), room(WIJKCENTRUM_MOERWIJK, "Grote zaal"), 120,
         ("nl", "en")),
    Plan("staedion", "bewonersavond-moerwijk-oost", "Bewonersavond renovatie portiekflats Moerwijk-Oost",
         K.RESIDENTS_MEETING, on(0, TUE), "19:00", "21:00", (MOERWIJK_OOST,), (G.TENANTS,),
         (T.HOUSING_ENVIRONMENT,), room(DE_SPRUIJT, "Buurtkamer"), 40, ("nl", "tr", "ar")),
    # same_evening: two evenings about Dreven en Gaarden, one after the other
    Plan("gemeente-den-haag", "speelplekken-dreven", "Informatieavond nieuwe speelplekken Dreven en Gaarden",
         K.INFORMATION_MEETING, on(0, THU), "17:30", "18:30", (DREVEN_GAARDEN,), (G.PARENTS, G.YOUTH),
         (T.HOUSING_ENVIRONMENT, T.HEALTH_VITALITY), room(WIJKCENTRUM_BOUWLUST, "Zaal 1"), 35),
    Plan("haag-wonen", "bewonersavond-dreven", "Bewonersavond renovatie Dreven",
         K.RESIDENTS_MEETING, on(0, THU), "19:30", "21:00", (DREVEN_GAARDEN,), (G.TENANTS,),
         (T.HOUSING_ENVIRONMENT,), room(ALLEKANTEN, "Theaterzaal"), 80, ("nl", "en", "tr")),
    # target_group_overload: four participation occurrences for older residents of Morgenstond in one week
    Plan("staedion", "bijeenkomst-seniorencomplex", "Bewonersbijeenkomst seniorencomplex Morgenstond-Oost",
         K.RESIDENTS_MEETING, on(1, MON), "14:00", "15:30", (MORGENSTOND_OOST,), (G.SENIORS,),
         (T.HOUSING_ENVIRONMENT,), SENIOR_FLATS, 30),
    Plan("gemeente-den-haag", "wijkschouw-morgenstond", "Wijkschouw Morgenstond-Oost met de wijkagent",
         K.WALK, on(1, TUE), "10:00", "12:00", (MORGENSTOND_OOST,), (G.ALL_RESIDENTS,),
         (T.SAFETY, T.HOUSING_ENVIRONMENT), MEETING_POINT, 20),
    Plan("gemeente-den-haag", "inspraak-verkeersplan-morgenstond", "Inspraakavond verkeersplan Morgenstond",
         K.CONSULTATION, on(1, WED), "19:30", "21:00", (MORGENSTOND,), (G.ALL_RESIDENTS,),
         (T.SAFETY, T.HOUSING_ENVIRONMENT), STADSDEELKANTOOR, 90),
    Plan("mooi-welzijn", "workshop-valpreventie", "Workshop Zeker bewegen: vallen voorkomen",
         K.WORKSHOP, on(1, THU), "10:00", "12:00", (MORGENSTOND_WEST,), (G.SENIORS,),
         (T.HEALTH_VITALITY,), STADSDEELKANTOOR, 18),
    # venue_double_booking: a booking of Allekanten without a room during the coffee morning
    Plan("allekanten", "koffieochtend", "Koffieochtend voor de buurt",
         K.SOCIAL, on(0, THU), "10:00", "12:00", (ZIJDEN_STEDEN_ZICHTEN,), (G.ALL_RESIDENTS,),
         (T.SOCIAL_COHESION,), room(ALLEKANTEN, "Huiskamer"), 35, recurrence="FREQ=WEEKLY;BYDAY=TH;COUNT=4"),
    Plan("hof-wonen", "spreekuur-allekanten", "Spreekuur Hof Wonen in Allekanten",
         K.OFFICE_HOURS, on(1, THU), "10:30", "12:00", (ZIJDEN_STEDEN_ZICHTEN,), (G.TENANTS,),
         (T.HOUSING_ENVIRONMENT,), room(ALLEKANTEN), 12),
    # conflict with nothing: weekly office hours, language café, homework class, meals, garden, survey
    Plan("staedion", "huurdersspreekuur-moerwijk", "Huurdersspreekuur Staedion",
         K.OFFICE_HOURS, on(0, MON), "13:00", "15:00", (MOERWIJK,), (G.TENANTS,),
         (T.HOUSING_ENVIRONMENT,), room(WIJKCENTRUM_MOERWIJK, "Spreekkamer 1"), 10,
         recurrence="FREQ=WEEKLY;BYDAY=MO;COUNT=4"),
    Plan("haag-wonen", "spreekuur-wijkpost", "Spreekuur Haag Wonen in de wijk",
         K.OFFICE_HOURS, on(0, WED), "09:30", "11:30", (MORGENSTOND,), (G.TENANTS,),
         (T.HOUSING_ENVIRONMENT,), AddressVenue(address="Wijkpost Haag Wonen, Leyweg, Den Haag"), 10,
         recurrence="FREQ=WEEKLY;BYDAY=WE;COUNT=4"),
    Plan("mooi-welzijn", "taalcafe-de-spruijt", "Taalcafé: Nederlands oefenen bij de koffie",
         K.SOCIAL, on(0, WED), "10:00", "11:30", (MOERWIJK_WEST,), (G.NEWCOMERS,),
         (T.EDUCATION, T.SOCIAL_COHESION), room(DE_SPRUIJT, "Buurtkamer"), 15, ("nl", "ar", "tr", "pl"),
         recurrence="FREQ=WEEKLY;BYDAY=WE;COUNT=4"),
    Plan("allekanten", "huiswerkklas", "Huiswerkklas voor basisschoolkinderen",
         K.SOCIAL, on(0, MON), "15:30", "17:00", (DE_UITHOF, ZIJDEN_STEDEN_ZICHTEN), (G.YOUTH,),
         (T.EDUCATION,), room(ALLEKANTEN, "Leslokaal"), 20, recurrence="FREQ=WEEKLY;BYDAY=MO,WE;COUNT=8"),
    Plan("buurtkamer-de-spruijt", "buurtmaaltijd", "Buurtmaaltijd: samen eten voor drie euro",
         K.SOCIAL, on(0, FRI), "17:30", "19:30", (MOERWIJK_OOST,), (G.ALL_RESIDENTS,),
         (T.SOCIAL_COHESION, T.HEALTH_VITALITY), room(DE_SPRUIJT, "Buurtkamer"), 30,
         recurrence="FREQ=WEEKLY;BYDAY=FR;COUNT=4"),
    Plan("buurtkamer-de-spruijt", "werkochtend-moestuin", "Werkochtend buurtmoestuin",
         K.SOCIAL, on(2, SAT), "10:00", "13:00", (MOERWIJK_OOST,), (G.ALL_RESIDENTS,),
         (T.SOCIAL_COHESION, T.HEALTH_VITALITY), AddressVenue(address="Buurtmoestuin aan de Moerweg"), 15),
    Plan("hof-wonen", "enquete-woonwensen", "Enquête woonwensen ouderen: kraam in het winkelcentrum",
         K.SURVEY, on(2, FRI), "10:00", "14:00", (BOUWLUST,), (G.SENIORS,),
         (T.HOUSING_ENVIRONMENT,), AddressVenue(address="Winkelcentrum Leyweg, Den Haag"), 60),
)
# fmt: on
"""The fixed plans; the unfavourable-date evening is added by :func:`demo_plans`."""

QUIET_ACTIVITIES: frozenset[tuple[str, str]] = frozenset(
    {
        ("staedion", "huurdersspreekuur-moerwijk"),
        ("haag-wonen", "spreekuur-wijkpost"),
        ("mooi-welzijn", "taalcafe-de-spruijt"),
        ("allekanten", "huiswerkklas"),
        ("buurtkamer-de-spruijt", "buurtmaaltijd"),
        ("buurtkamer-de-spruijt", "werkochtend-moestuin"),
        ("hof-wonen", "enquete-woonwensen"),
    }
)
"""Plans that collide with nothing, whatever month the demo is for."""


def month_start(today: date) -> date:
    """Return the Monday after ``today``: the demo month starts there, so all of it lies ahead."""
    return today + timedelta(days=7 - today.weekday())


def first_unfavourable_evening(start: date, calendar: UnfavourableCalendar | None = None) -> date:
    """Return the first date on or after ``start`` on which a 19:30 evening meeting is unfavourable."""
    calendar = calendar or load_calendar()
    for offset in range(SEARCH_DAYS):
        day = start + timedelta(days=offset)
        evening = Occurrence(to_us(_at(day, "19:30")), to_us(_at(day, "21:00")))
        if calendar.reasons(evening):
            return day
    raise LookupError(f"no unfavourable date within {SEARCH_DAYS} days of {start}")


def unfavourable_plan(start: date, calendar: UnfavourableCalendar | None = None) -> Plan:
    """Return an inspraakavond on the first unfavourable evening from ``start``."""
    day = (first_unfavourable_evening(start, calendar) - start).days
    return Plan(
        "gemeente-den-haag", "inspraak-omgevingsplan-vrederust",
        "Inspraakavond omgevingsplan Venen, Oorden en Raden",
        K.CONSULTATION, day, "19:30", "21:00", (VENEN_OORDEN_RADEN,), (G.ALL_RESIDENTS,),
        (T.HOUSING_ENVIRONMENT,), room(WIJKCENTRUM_BOUWLUST, "Zaal 1"), 70, ("nl", "en"),
    )  # fmt: skip


def demo_plans(today: date) -> list[Plan]:
    """Return every plan of the demo month after ``today``."""
    return [*PLANS, unfavourable_plan(month_start(today))]


def demo_activities(today: date | None = None) -> list[tuple[str, ActivityPublished]]:
    """Return the demo month as ``(organisation, activity.published payload)``, without I/O."""
    today = today or datetime.now(AMSTERDAM).date()
    start = month_start(today)
    return [(plan.org, plan.published(start)) for plan in demo_plans(today)]


async def publish_activities(
    bootstrap: str, activities: Sequence[tuple[str, ActivityPublished | ActivityWithdrawn]]
) -> int:
    """Publish each event on its organisation's topic (created if missing); return how many."""
    from werkplaats.broker import create_producer
    from werkplaats.topics_admin import ensure_topics

    organisations = sorted({org for org, _ in activities})
    specs: list[TopicSpec] = [spec for org in organisations for spec in partner_topics(org)]
    await ensure_topics(bootstrap, specs)
    producer = create_producer(bootstrap, client_id="werkplaats-demo")
    await producer.start()
    try:
        sent = [
            await producer.send(
                partner_activities(org),
                encode_event(new_event(data, source=org)),
                key=data.activity_id.encode(),
            )
            for org, data in activities
        ]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()
    return len(sent)


async def register_demo_organisations(bootstrap: str) -> None:
    """Register the demo's organisations with their names, unless they are registered already."""
    from werkplaats.organisations import add_missing_organisations

    await add_missing_organisations(bootstrap, DEMO_ORGANISATIONS, role=OrganisationRole.PARTNER)


async def publish_demo(bootstrap: str, *, today: date | None = None) -> int:
    """Publish the Zuidwest demo month after ``today`` (default: today in Amsterdam); the number of events."""
    await register_demo_organisations(bootstrap)
    return await publish_activities(bootstrap, demo_activities(today))
