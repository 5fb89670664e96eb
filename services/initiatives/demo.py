"""The Zuidwest demo: a dozen initiatives at every stage, entered through the service's own use cases."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from contracts import ActivityKind
from contracts.initiatives import InitiativeStatus, ReferralTarget, StatusReason, SupportKind
from initiatives import agenda, service
from initiatives.context import Context
from initiatives.domain.workdays import AMSTERDAM
from initiatives.forms import (
    PlannedActivity,
    Registration,
    StatusChange,
    Submission,
    SubsidyQuestion,
    SupportEntry,
)
from initiatives.settings import InitiativesSettings
from initiatives.store import InitiativesUnitOfWork, unit_of_work
from werkplaats.db import Database
from werkplaats.migrations import migrated

Step = Callable[[Context, InitiativesUnitOfWork, str], Awaitable[Any]]


@dataclass(frozen=True)
class DemoInitiative:
    """One demo initiative: what was submitted, how long ago, and what happened since."""

    days_ago: int
    form: dict[str, Any]
    first_contact_after: int | None = None
    status_path: tuple[InitiativeStatus, ...] = ()
    closing: tuple[InitiativeStatus, StatusReason, str] | None = None
    subsidy: dict[str, Any] | None = None
    activity: tuple[str, str, ActivityKind, int, str, str] | None = None
    support_hours: list[tuple[SupportKind, float, ReferralTarget | None]] = field(default_factory=list)


def _initiator(
    name: str, email: str | None = None, phone: str | None = None, org: str | None = None
) -> dict[str, Any]:
    return {"name": name, "email": email, "phone": phone, "organisation": org}


def _form(
    title: str, description: str, codes: list[str], help_wanted: list[str], **extra: Any
) -> dict[str, Any]:
    return {
        "title": title,
        "description": description,
        "neighbourhoods": codes,
        "help_wanted": help_wanted,
    } | extra


S, R = InitiativeStatus, StatusReason
DEMO: tuple[DemoInitiative, ...] = (
    DemoInitiative(
        1,
        _form(
            "Zwerfvuilprikactie Moerwijk-Oost",
            "Eén zaterdag per maand samen zwerfvuil prikken rond de Erasmusweg.",
            ["BU05183620"],
            ["volunteers", "promotion"],
            scale="street",
            estimated_budget_eur=250,
            themes=["housing_environment"],
            target_groups=["all_residents"],
            initiator=_initiator("Demo Bewoner 1", email="bewoner1@example.org"),
        ),
    ),
    DemoInitiative(
        9,
        _form(
            "Huiswerkklas De Uithof",
            "Huiswerkbegeleiding voor groep 7 en 8 op dinsdag- en donderdagmiddag.",
            ["BU05183399"],
            ["room", "volunteers"],
            scale="buurt",
            themes=["education"],
            target_groups=["youth", "parents"],
            initiator=_initiator("Demo Bewoner 2", phone="06 1234 5602"),
        ),
    ),
    DemoInitiative(
        12,
        _form(
            "Taalcafé Morgenstond",
            "Wekelijks Nederlands oefenen bij een kop thee, voor nieuwkomers.",
            ["BU05183488"],
            ["room", "promotion"],
            scale="buurt",
            estimated_budget_eur=600,
            themes=["social_cohesion", "education"],
            target_groups=["newcomers"],
            initiator=_initiator("Demo Bewoner 3", email="bewoner3@example.org"),
        ),
        first_contact_after=2,
        status_path=(S.IN_INTAKE,),
        support_hours=[(SupportKind.FIRST_CONTACT, 0.5, None), (SupportKind.ADVICE, 1.5, None)],
    ),
    DemoInitiative(
        20,
        _form(
            "Moestuin Zuiderpark-rand",
            "Een gezamenlijke moestuin met bakken voor buurtbewoners en de school.",
            ["BU05183536"],
            ["advice", "money", "hands_on"],
            scale="buurt",
            estimated_budget_eur=1400,
            legal_entity=True,
            themes=["health_vitality", "social_cohesion"],
            target_groups=["all_residents"],
            initiator=_initiator(
                "Demo Bewoner 4", email="bewoner4@example.org", org="Stichting Groen Zuiderpark"
            ),
        ),
        first_contact_after=3,
        status_path=(S.IN_INTAKE, S.SUPPORTED),
        subsidy={"public": True, "one_off": True, "costs": ["materials"]},
        support_hours=[
            (SupportKind.FIRST_CONTACT, 1.0, None),
            (SupportKind.HANDS_ON, 3.0, None),
            (SupportKind.REFERRAL, 0.5, ReferralTarget.SUBSIDY),
        ],
    ),
    DemoInitiative(
        30,
        _form(
            "Burendiner Venen, Oorden en Raden",
            "Een buurtmaaltijd in de zomer, iedereen kookt een gerecht mee.",
            ["BU05183387"],
            ["money", "promotion"],
            scale="buurt",
            estimated_budget_eur=900,
            themes=["social_cohesion"],
            target_groups=["all_residents"],
            initiator=_initiator("Demo Bewoner 5", email="bewoner5@example.org"),
        ),
        first_contact_after=1,
        status_path=(S.IN_INTAKE, S.SUPPORTED, S.RUNNING),
        subsidy={"public": True, "one_off": True, "costs": ["food", "drinks"]},
        activity=(
            "burendiner",
            "Burendiner Venen, Oorden en Raden",
            ActivityKind.SOCIAL,
            10,
            "17:30",
            "21:00",
        ),
        support_hours=[(SupportKind.FIRST_CONTACT, 0.5, None), (SupportKind.ADVICE, 2.0, None)],
    ),
    DemoInitiative(
        25,
        _form(
            "Bewonersavond groen Moerwijk-West",
            "Bewoners praten mee over het groen op de binnenterreinen.",
            ["BU05183637"],
            ["advice", "room", "promotion"],
            scale="buurt",
            themes=["housing_environment"],
            target_groups=["tenants"],
            initiator=_initiator(
                "Demo Bewoner 6", phone="06 1234 5606", org="Bewonerscommissie Moerwijk-West"
            ),
        ),
        first_contact_after=2,
        status_path=(S.IN_INTAKE, S.SUPPORTED, S.RUNNING),
        activity=(
            "bewonersavond",
            "Bewonersavond groen Moerwijk-West",
            ActivityKind.RESIDENTS_MEETING,
            8,
            "19:30",
            "21:30",
        ),
        support_hours=[
            (SupportKind.FIRST_CONTACT, 0.5, None),
            (SupportKind.REFERRAL, 0.25, ReferralTarget.CENTRE),
        ],
    ),
    DemoInitiative(
        60,
        _form(
            "Wandelclub 55+ Bouwlust",
            "Elke woensdag een wandeling van een uur met koffie na afloop.",
            ["BU05183396"],
            ["promotion", "money"],
            scale="buurt",
            estimated_budget_eur=450,
            themes=["health_vitality"],
            target_groups=["seniors"],
            initiator=_initiator("Demo Bewoner 7", phone="070 123 4507"),
        ),
        first_contact_after=4,
        status_path=(S.IN_INTAKE, S.SUPPORTED, S.RUNNING, S.COMPLETED),
        subsidy={
            "public": True,
            "one_off": False,
            "audience_over_55": True,
            "participants": 18,
            "meetings_per_year": 48,
        },
        support_hours=[
            (SupportKind.FIRST_CONTACT, 0.5, None),
            (SupportKind.REFERRAL, 0.5, ReferralTarget.PEP),
        ],
    ),
    DemoInitiative(
        40,
        _form(
            "Vuurwerkshow Oud en Nieuw",
            "Een vuurwerkshow op het grasveld bij de flats.",
            ["BU05183398"],
            ["money"],
            scale="wijk",
            estimated_budget_eur=12000,
            themes=["social_cohesion"],
            initiator=_initiator("Demo Bewoner 8", email="bewoner8@example.org"),
        ),
        first_contact_after=2,
        closing=(
            S.DECLINED,
            R.NOT_ALLOWED,
            "Een vuurwerkshow mag hier niet: er geldt een vuurwerkverbod. "
            "We denken graag mee over een ander feest.",
        ),
    ),
    DemoInitiative(
        15,
        _form(
            "Speelmiddag pleintje Morgenstond-Oost",
            "Een speelmiddag met spelletjes voor de kinderen van het plein.",
            ["BU05183489"],
            ["volunteers"],
            scale="street",
            themes=["social_cohesion"],
            target_groups=["youth"],
            initiator=_initiator("Demo Bewoner 9", email="bewoner9@example.org"),
        ),
        first_contact_after=3,
        closing=(
            S.WITHDRAWN,
            R.WITHDRAWN_BY_INITIATOR,
            "De initiatiefnemer heeft het initiatief zelf ingetrokken.",
        ),
    ),
    DemoInitiative(
        7,
        _form(
            "Repaircafé Moerwijk",
            "Spullen samen repareren in plaats van weggooien.",
            ["BU05183638"],
            ["room", "volunteers"],
            scale="wijk",
            themes=["work_economy"],
            target_groups=["all_residents"],
            initiator=_initiator("Demo Bewoner 10", email="bewoner10@example.org"),
            channel="counter",
            registered_by="cb-moerwijk",
        ),
        first_contact_after=0,
        status_path=(S.IN_INTAKE,),
        support_hours=[(SupportKind.FIRST_CONTACT, 0.25, None)],
    ),
    DemoInitiative(
        3,
        _form(
            "Ontmoetingsochtend Dreven en Gaarden",
            "Koffieochtend voor buren die elkaar nog niet kennen.",
            ["BU05183398"],
            ["room"],
            scale="buurt",
            themes=["social_cohesion"],
            target_groups=["all_residents"],
            initiator=_initiator("Demo Bewoner 11", phone="06 1234 5611"),
            channel="phone",
            registered_by="cb-bouwlust",
        ),
    ),
    DemoInitiative(
        14,
        _form(
            "Buurtbibliotheek Zijden, Steden en Zichten",
            "Een kastje met boeken om te ruilen bij de ingang.",
            ["BU05183396"],
            ["money"],
            scale="street",
            estimated_budget_eur=300,
            themes=["education"],
            initiator=_initiator("Demo Bewoner 12", email="bewoner12@example.org"),
        ),
    ),
)


def _fixed(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def _at(now: datetime, days_ago: int) -> datetime:
    return datetime.combine(
        (now - timedelta(days=days_ago)).astimezone(AMSTERDAM).date(), time(10, 0), tzinfo=AMSTERDAM
    )


async def load_demo(database: Database, context: Context, *, now: datetime | None = None) -> int:
    """Enter the demo initiatives; the number entered."""
    now = now or datetime.now(UTC)
    for item in DEMO:
        submitted_at = _at(now, item.days_ago)
        at_submission = replace(context, clock=_fixed(submitted_at))
        form = (
            Registration.model_validate(item.form)
            if "channel" in item.form
            else Submission.model_validate(item.form)
        )
        async with unit_of_work(database) as unit:
            receipt = await service.submit(at_submission, unit, form)
        await _follow_up(database, context, item, receipt, submitted_at, now)
    return len(DEMO)


async def _follow_up(
    database: Database,
    context: Context,
    item: DemoInitiative,
    receipt: service.Receipt,
    submitted_at: datetime,
    now: datetime,
) -> None:
    if item.first_contact_after is None:
        return
    day = submitted_at + timedelta(days=item.first_contact_after)
    context = replace(context, clock=lambda: day)
    initiative_id, builder = receipt.initiative_id, receipt.builder_id or "cb-demo"
    async with unit_of_work(database) as unit:
        for kind, hours, referral in item.support_hours or [(SupportKind.FIRST_CONTACT, 0.5, None)]:
            entry = SupportEntry(kind=kind, hours=hours, by=builder, on=day.date(), referred_to=referral)
            await service.log_support(context, unit, initiative_id, entry)
        for status in item.status_path[1:]:
            change = StatusChange(status=status, by=builder)
            await service.change_status(context, unit, initiative_id, change)
        if item.closing is not None:
            status, reason, explanation = item.closing
            change = StatusChange(status=status, reason=reason, explanation=explanation, by=builder)
            await service.change_status(context, unit, initiative_id, change)
        if item.subsidy is not None:
            await service.check_subsidy(
                context, unit, initiative_id, SubsidyQuestion.model_validate(item.subsidy)
            )
    if item.activity is not None:
        await _plan(database, context, initiative_id, item.activity, now)


async def _plan(
    database: Database,
    context: Context,
    initiative_id: str,
    activity: tuple[str, str, ActivityKind, int, str, str],
    now: datetime,
) -> None:
    name, title, kind, in_days, start, end = activity
    day = (now + timedelta(days=in_days)).astimezone(AMSTERDAM).date()
    context = replace(context, clock=lambda: now)
    form = PlannedActivity(
        title=title,
        kind=kind,
        starts_at=datetime.combine(day, time.fromisoformat(start), tzinfo=AMSTERDAM),
        ends_at=datetime.combine(day, time.fromisoformat(end), tzinfo=AMSTERDAM),
    )
    async with unit_of_work(database) as unit:
        await agenda.plan_activity(context, unit, initiative_id, name, form)


async def publish_demo(bootstrap: str, *, today: date | None = None) -> int:
    """Enter the demo initiatives into the initiatives database (the service relays their events)."""
    from initiatives.main import NAME, make_context, migrations_location

    settings = InitiativesSettings()
    now = datetime.combine(today, time(12), tzinfo=AMSTERDAM) if today else None
    async with migrated(settings, NAME, migrations_location()) as database:
        return await load_demo(database, make_context(settings), now=now)
