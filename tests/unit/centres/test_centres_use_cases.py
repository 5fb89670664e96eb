"""The centres' use cases on the in-memory unit of work: subsidies, budgets, coaching; scope and privacy."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from cryptography.fernet import Fernet

from centres.domain.allowance import load_caps
from centres.domain.subsidies import SubsidyTransitionError
from centres.sealing import Sealer
from centres.service import budgets, centres, coaching, subsidies
from centres.service.common import ActingRole, Actor, Context, IdConflictError, NotFoundError, OutOfScopeError
from centres.store import CentreRow
from centres.store.memory import InMemoryCentresUnitOfWork
from contracts.centres import BudgetLineKind, CoachingTopic, SubsidyDeadline, SubsidyStatus
from contracts.topics import CENTRES_EVENTS
from support.clock import MovableClock

CENTRE = "wijkcentrum-moerwijk"
STAFF = Actor("werkplaats", ActingRole.STAFF)
COORDINATOR = Actor("mooi-welzijn", ActingRole.COORDINATOR, centre_id=CENTRE)
ELSEWHERE = Actor("mooi-welzijn", ActingRole.COORDINATOR, centre_id="wijkcentrum-bouwlust")


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(datetime(2026, 5, 1, 9, tzinfo=UTC))


@pytest.fixture
def context(clock: MovableClock) -> Context:
    return Context(sealer=Sealer([Fernet.generate_key()]), caps=load_caps(), clock=clock)


@pytest.fixture
def unit(clock: MovableClock) -> InMemoryCentresUnitOfWork:
    unit = InMemoryCentresUnitOfWork()
    unit.centres.rows[CENTRE] = CentreRow(
        centre_id=CENTRE,
        organisation="mooi-welzijn",
        name="Wijkcentrum Moerwijk",
        address="Straat 1",
        neighbourhoods=["BU05183620"],
        opening_hours=[],
        coordinator_id=None,
        active=True,
        prices={},
        updated_at=clock.now,
    )
    return unit


def request(deadline: date | None = date(2026, 6, 1)) -> subsidies.ApplicationRequest:
    return subsidies.ApplicationRequest(
        regulation="Sociale initiatieven in de wijk 2024",
        amount_requested=Decimal("1500.00"),
        deadline=deadline,
    )


async def test_a_draft_is_created_once_and_announced(
    unit: InMemoryCentresUnitOfWork, context: Context
) -> None:
    first = await subsidies.create_application(unit, context, COORDINATOR, CENTRE, "app-1", request())
    again = await subsidies.create_application(unit, context, COORDINATOR, CENTRE, "app-1", request())
    await unit.commit()

    assert first == again
    assert first.status is SubsidyStatus.DRAFT
    assert [e.type for e in unit.envelopes(CENTRES_EVENTS)] == ["subsidy.status_changed"]
    assert [v.application_id for v in await subsidies.list_applications(unit, STAFF, CENTRE)] == ["app-1"]


async def test_another_centres_coordinator_can_neither_create_nor_read(
    unit: InMemoryCentresUnitOfWork, context: Context
) -> None:
    await subsidies.create_application(unit, context, COORDINATOR, CENTRE, "app-1", request())

    with pytest.raises(OutOfScopeError):
        await subsidies.create_application(unit, context, ELSEWHERE, CENTRE, "app-2", request())
    with pytest.raises(OutOfScopeError):
        await subsidies.list_applications(unit, ELSEWHERE, CENTRE)


async def test_an_application_for_an_unknown_centre_is_refused(
    unit: InMemoryCentresUnitOfWork, context: Context
) -> None:
    with pytest.raises(NotFoundError, match="wijkcentrum-nergens"):
        await subsidies.create_application(unit, context, STAFF, "wijkcentrum-nergens", "app-1", request())


async def test_a_grant_needs_an_amount(unit: InMemoryCentresUnitOfWork, context: Context) -> None:
    await subsidies.create_application(unit, context, STAFF, CENTRE, "app-1", request())
    submitted = subsidies.StatusRequest(status=SubsidyStatus.SUBMITTED)
    await subsidies.change_status(unit, context, STAFF, "app-1", submitted)

    with pytest.raises(SubsidyTransitionError, match="amount_granted"):
        await subsidies.change_status(
            unit, context, STAFF, "app-1", subsidies.StatusRequest(status=SubsidyStatus.GRANTED)
        )


async def test_deadline_and_report_reminders_go_out_once_per_step_until_the_report_is_in(
    unit: InMemoryCentresUnitOfWork, context: Context
) -> None:
    await subsidies.create_application(
        unit, context, STAFF, CENTRE, "app-1", request(deadline=date(2026, 6, 1))
    )
    await unit.commit()

    sent = [
        await subsidies.send_reminders(unit, context, day) for day in (date(2026, 5, 17), date(2026, 5, 18))
    ]
    sent.append(await subsidies.send_reminders(unit, context, date(2026, 5, 26)))
    await unit.commit()
    assert sent == [0, 1, 1]  # 14 days before 1 June once, then 7 days before

    for status in (SubsidyStatus.SUBMITTED, SubsidyStatus.GRANTED):
        granted = subsidies.StatusRequest(
            status=status, amount_granted=Decimal("1200.00"), report_due=date(2026, 12, 1)
        )
        await subsidies.change_status(unit, context, STAFF, "app-1", granted)
    assert await subsidies.send_reminders(unit, context, date(2026, 11, 30)) == 1
    await subsidies.submit_report(unit, context, STAFF, "app-1")
    assert await subsidies.send_reminders(unit, context, date(2026, 12, 1)) == 0
    await unit.commit()

    reminders = [e.data for e in unit.envelopes(CENTRES_EVENTS) if e.type == "subsidy.deadline_approaching"]
    assert [(r.deadline_kind, r.days_left) for r in reminders] == [  # type: ignore[attr-defined]
        (SubsidyDeadline.SUBMISSION, 14),
        (SubsidyDeadline.SUBMISSION, 6),
        (SubsidyDeadline.REPORT, 1),
    ]


async def test_a_budget_threshold_is_published_once_and_a_reused_actual_id_is_refused(
    unit: InMemoryCentresUnitOfWork, context: Context
) -> None:
    line = budgets.LineRequest(kind=BudgetLineKind.EXPENSE, category="energie", budgeted=Decimal("1000.00"))
    await budgets.set_line(unit, COORDINATOR, CENTRE, 2026, "energie", line)

    for actual_id, amount in (("a1", "600.00"), ("a2", "350.00"), ("a2", "350.00"), ("a3", "100.00")):
        booked = budgets.ActualRequest(line_id="energie", amount=Decimal(amount), booked_on=date(2026, 5, 1))
        await budgets.book_actual(unit, context, COORDINATOR, CENTRE, 2026, actual_id, booked)
    await unit.commit()
    other = budgets.ActualRequest(line_id="energie", amount=Decimal("1.00"), booked_on=date(2026, 5, 1))
    with pytest.raises(IdConflictError):
        await budgets.book_actual(unit, context, COORDINATOR, CENTRE, 2026, "a1", other)

    reached = [e.data for e in unit.envelopes(CENTRES_EVENTS) if e.type == "budget.threshold_reached"]
    assert [(r.threshold_percent, r.actual) for r in reached] == [  # type: ignore[attr-defined]
        (90, Decimal("950.00")),
        (100, Decimal("1050.00")),
    ]
    overview = await budgets.budget_overview(unit, context, COORDINATOR, CENTRE, 2026)
    assert overview["lines"][0]["actual"] == Decimal("1050.00")


async def test_coaching_notes_are_sealed_never_published_and_read_only_by_the_coach(
    unit: InMemoryCentresUnitOfWork, context: Context
) -> None:
    coordinator_id = await centres.add_person(
        unit,
        context,
        STAFF,
        centres.PersonRequest(role=ActingRole.COORDINATOR, centre_id=CENTRE, name="C. Oördinator"),
    )
    coach_id = await centres.add_person(
        unit, context, STAFF, centres.PersonRequest(role=ActingRole.COACH, name="C. Oach")
    )
    started = coaching.TrajectoryRequest(
        centre_id=CENTRE,
        coordinator_id=coordinator_id,
        coach_id=coach_id,
        topics=[CoachingTopic.BUDGET],
        started_on=date(2026, 5, 1),
    )
    await coaching.start_trajectory(unit, context, STAFF, "traj-1", started)
    coach = Actor("werkplaats", ActingRole.COACH, person_id=coach_id)
    held = coaching.SessionRequest(
        topic=CoachingTopic.BUDGET, held_on=date(2026, 5, 8), duration_minutes=60, notes="Zorgen om de huur."
    )
    await coaching.log_session(unit, context, coach, "traj-1", "s-1", held)
    await unit.commit()

    assert all(b"huur" not in event.payload for event in unit.published)
    assert b"huur" not in (unit.coaching.sessions["s-1"].sealed_notes or b"")
    seen_by_coach = await coaching.show_trajectory(unit, context, coach, "traj-1")
    seen_by_staff = await coaching.show_trajectory(unit, context, STAFF, "traj-1")
    assert seen_by_coach["sessions"][0]["notes"] == "Zorgen om de huur."
    assert "notes" not in seen_by_staff["sessions"][0]
    assert [e.type for e in unit.envelopes(CENTRES_EVENTS)] == [
        "coaching.trajectory_started",
        "coaching.session_logged",
    ]
