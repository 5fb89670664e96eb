"""The initiatives use cases on the in-memory unit of work: rows kept and events published per commit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from cryptography.fernet import Fernet

from contracts.centres import SubsidyDeadline
from contracts.initiatives import InitiativeStatus, StatusReason, SupportKind
from contracts.topics import INITIATIVES_EVENTS
from initiatives import agenda, deadlines, privacy, reminders, service
from initiatives.context import Context
from initiatives.domain.assignment import Builder
from initiatives.errors import RefusedError, UnknownInitiativeError
from initiatives.forms import PlannedActivity, StatusChange, Submission, SubsidyQuestion, SupportEntry
from initiatives.sealing import Sealer
from initiatives.store.memory import InMemoryInitiativesUnitOfWork
from support.clock import MovableClock

BUILDERS = [
    Builder("cb-moerwijk", "Opbouwwerker Moerwijk", ("WK051836",)),
    Builder("cb-moerwijk-2", "Opbouwwerker Moerwijk 2", ("WK051836",)),
]
OVER_55 = SubsidyQuestion(audience_over_55=True, participants=20, meetings_per_year=30, one_off=False)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(datetime(2026, 9, 1, 10, tzinfo=UTC))


@pytest.fixture
def context(clock: MovableClock) -> Context:
    return Context(builders=BUILDERS, sealer=Sealer([Fernet.generate_key().decode()]), clock=clock)


def submission(**overrides: Any) -> Submission:
    document: dict[str, Any] = {
        "title": "Koffieochtend 55+",
        "description": "Elke week koffie en een praatje in het buurthuis.",
        "neighbourhoods": ["BU05183620"],
        "help_wanted": ["money"],
        "initiator": {"name": "A. Bewoner", "email": "bewoner@example.org"},
    }
    return Submission.model_validate(document | overrides)


def types(unit: InMemoryInitiativesUnitOfWork) -> list[str]:
    return [envelope.type for envelope in unit.envelopes(INITIATIVES_EVENTS)]


async def submitted(context: Context, unit: InMemoryInitiativesUnitOfWork, **overrides: Any) -> str:
    receipt = await service.submit(context, unit, submission(**overrides))
    await unit.commit()
    return receipt.initiative_id


async def test_submissions_are_spread_over_the_builders_of_the_wijk_and_announced(context: Context) -> None:
    unit = InMemoryInitiativesUnitOfWork()

    first = await service.submit(context, unit, submission())
    await unit.commit()
    second = await service.submit(context, unit, submission())
    await unit.commit()

    assert {first.builder_id, second.builder_id} == {"cb-moerwijk", "cb-moerwijk-2"}
    assert types(unit) == ["initiative.submitted", "initiative.assigned"] * 2
    assert await service.open_loads(unit) == {"cb-moerwijk": 1, "cb-moerwijk-2": 1}


async def test_the_initiator_contact_is_kept_sealed_and_never_published(context: Context) -> None:
    unit = InMemoryInitiativesUnitOfWork()

    initiative_id = await submitted(context, unit)

    row = unit.initiatives.rows[initiative_id]
    assert b"bewoner@example.org" not in (row.contact or b"")
    assert context.sealer.open(row.contact)["email"] == "bewoner@example.org"
    assert all(b"bewoner@example.org" not in event.payload for event in unit.published)


async def test_a_first_contact_takes_a_submitted_initiative_into_intake(context: Context) -> None:
    unit = InMemoryInitiativesUnitOfWork()
    initiative_id = await submitted(context, unit)

    entry = SupportEntry(kind=SupportKind.FIRST_CONTACT, hours=0.5, by="cb-moerwijk", on=date(2026, 9, 1))
    await service.log_support(context, unit, initiative_id, entry)
    await unit.commit()

    assert unit.initiatives.rows[initiative_id].status == InitiativeStatus.IN_INTAKE.value
    assert types(unit)[-2:] == ["initiative.support_logged", "initiative.status_changed"]
    assert len(await unit.support_log.of(initiative_id)) == 1


async def test_an_unknown_initiative_is_refused_by_name(context: Context) -> None:
    unit = InMemoryInitiativesUnitOfWork()

    with pytest.raises(UnknownInitiativeError, match="INI-0000-0000"):
        await service.check_subsidy(context, unit, "INI-0000-0000", OVER_55)


async def test_an_overdue_first_contact_is_raised_once(context: Context, clock: MovableClock) -> None:
    unit = InMemoryInitiativesUnitOfWork()
    initiative_id = await submitted(context, unit)
    clock.now += timedelta(days=14)

    assert await deadlines.raise_overdue(context, unit) == 1
    await unit.commit()
    assert await deadlines.raise_overdue(context, unit) == 0
    await unit.commit()

    overdue = [e for e in unit.envelopes(INITIATIVES_EVENTS) if e.type == "initiative.overdue"]
    assert [e.data.initiative_id for e in overdue] == [initiative_id]  # type: ignore[attr-defined]


async def test_closing_an_initiative_withdraws_its_activities_from_the_agenda(context: Context) -> None:
    unit = InMemoryInitiativesUnitOfWork()
    initiative_id = await submitted(context, unit)
    start = datetime(2026, 10, 1, 10, tzinfo=UTC)
    planned = PlannedActivity(title="Koffie", starts_at=start, ends_at=start + timedelta(hours=2))
    await agenda.plan_activity(context, unit, initiative_id, "koffie", planned)
    await unit.commit()

    withdrawal = StatusChange(
        status=InitiativeStatus.WITHDRAWN,
        reason=StatusReason.WITHDRAWN_BY_INITIATOR,
        by="cb-moerwijk",
        explanation="De bewoner stopt ermee.",
    )
    await service.change_status(context, unit, initiative_id, withdrawal)
    await unit.commit()

    assert [a.withdrawn for a in await unit.activities.of(initiative_id)] == [True]
    assert [e.type for e in unit.envelopes(agenda.ACTIVITIES_TOPIC)] == [
        "activity.published",
        "activity.withdrawn",
    ]


async def test_erasure_removes_the_contact_and_keeps_the_initiative(context: Context) -> None:
    unit = InMemoryInitiativesUnitOfWork()
    initiative_id = await submitted(context, unit)

    await privacy.erase(context, unit, initiative_id, everything=False)
    await unit.commit()

    assert unit.initiatives.rows[initiative_id].contact is None
    assert (await privacy.export(context, unit, initiative_id))["initiator"] == {}


async def test_a_closed_initiative_plans_no_activities(context: Context) -> None:
    unit = InMemoryInitiativesUnitOfWork()
    initiative_id = await submitted(context, unit)
    unit.initiatives.rows[initiative_id].status = InitiativeStatus.DECLINED.value
    start = datetime(2026, 10, 1, 10, tzinfo=UTC)
    planned = PlannedActivity(title="Koffie", starts_at=start, ends_at=start + timedelta(hours=2))

    with pytest.raises(RefusedError, match="closed"):
        await agenda.plan_activity(context, unit, initiative_id, "koffie", planned)


async def test_an_application_deadline_is_reminded_once_per_step(
    context: Context, clock: MovableClock
) -> None:
    unit = InMemoryInitiativesUnitOfWork()
    initiative_id = await submitted(context, unit)
    checked = await service.check_subsidy(context, unit, initiative_id, OVER_55)
    await unit.commit()
    assert any(fit.regulation_id == "activiteiten-55-plus" and fit.fits for fit in checked.results)

    sent = []
    days = (
        date(2026, 9, 1),
        date(2026, 9, 10),
        date(2026, 9, 22),
        date(2026, 9, 23),
        date(2026, 9, 24),
        date(2026, 10, 1),
    )
    for day in days:
        clock.now = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
        sent.append(await reminders.send_subsidy_reminders(context, unit))
        await unit.commit()

    assert sent == [0, 1, 0, 1, 0, 0]  # 28 days before 30 September, then 7 days before; never after
    approaching = [e.data for e in unit.envelopes(INITIATIVES_EVENTS) if e.type.endswith("approaching")]
    assert [(d.deadline_kind, d.deadline, d.step, d.days_left) for d in approaching] == [  # type: ignore[attr-defined]
        (SubsidyDeadline.SUBMISSION, date(2026, 9, 30), 28, 20),
        (SubsidyDeadline.SUBMISSION, date(2026, 9, 30), 7, 7),
    ]
    assert {d.builder_id for d in approaching} == {unit.initiatives.rows[initiative_id].builder_id}  # type: ignore[attr-defined]


async def test_the_report_is_reminded_after_the_activity_under_the_best_fitting_regulation(
    context: Context, clock: MovableClock
) -> None:
    unit = InMemoryInitiativesUnitOfWork()
    initiative_id = await submitted(context, unit, scale="street", estimated_budget_eur=500)
    question = SubsidyQuestion(costs=["food"])
    assert (
        await service.check_subsidy(context, unit, initiative_id, question)
    ).best == "sociale-initiatieven-2024"
    start = datetime(2026, 9, 5, 14, tzinfo=UTC)
    planned = PlannedActivity(title="Straatfeest", starts_at=start, ends_at=start + timedelta(hours=4))
    await agenda.plan_activity(context, unit, initiative_id, "feest", planned)
    await unit.commit()

    clock.now = datetime(2026, 10, 10, 9, tzinfo=UTC)  # report due 31 October (56 days after 5 September)
    assert await reminders.send_subsidy_reminders(context, unit) == 0
    clock.now = datetime(2026, 10, 18, 9, tzinfo=UTC)
    assert await reminders.send_subsidy_reminders(context, unit) == 1
    assert await reminders.send_subsidy_reminders(context, unit) == 0
    await unit.commit()

    event = next(e.data for e in unit.envelopes(INITIATIVES_EVENTS) if e.type.endswith("approaching"))
    assert (event.deadline_kind, event.deadline, event.days_left) == (  # type: ignore[attr-defined]
        SubsidyDeadline.REPORT,
        date(2026, 10, 31),
        13,
    )


async def test_a_withdrawn_initiative_is_not_reminded(context: Context, clock: MovableClock) -> None:
    unit = InMemoryInitiativesUnitOfWork()
    initiative_id = await submitted(context, unit)
    await service.check_subsidy(context, unit, initiative_id, OVER_55)
    unit.initiatives.rows[initiative_id].status = InitiativeStatus.WITHDRAWN.value
    await unit.commit()

    clock.now = datetime(2026, 9, 10, 9, tzinfo=UTC)

    assert await reminders.send_subsidy_reminders(context, unit) == 0
