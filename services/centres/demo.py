"""The Zuidwest demo for the centres service: the four centres named in the sources, with plausible rooms.

The centres and who runs them come from the programme's sources (Mooi Welzijn runs Wijkcentrum Moerwijk
and Wijkcentrum Bouwlust; Allekanten in Bouwlust is open seven days; Buurtkamer De Spruijt is in
Moerwijk). Rooms, capacities, hours, programme, budgets and volunteers are invented but plausible demo
values; the room names match the scheduling demo, so its plans meet these rooms.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from centres.domain.bookings import AMSTERDAM
from centres.main import NAME, context_of, migrations_location
from centres.service import bookings, budgets, centres, coaching, subsidies, volunteers
from centres.service.common import ActingRole, Actor, Context
from centres.settings import CentresSettings
from centres.store import SqlCentresUnitOfWork
from contracts.topics import partner_topics
from werkplaats.db import Database
from werkplaats.migrations import migrated
from werkplaats.topics_admin import ensure_topics

STAFF = Actor("werkplaats", ActingRole.STAFF)
WEEKDAYS, ALL_WEEK = range(1, 6), range(1, 8)


def _hours(days: range, opens: str, closes: str) -> list[dict[str, Any]]:
    return [{"weekday": day, "opens": opens, "closes": closes} for day in days]


def _room(
    name: str, capacity: int, *, step_free: bool = True, loop: bool = False, toilet: bool = True
) -> dict[str, Any]:
    accessibility = {"step_free": step_free, "hearing_loop": loop, "accessible_toilet": toilet}
    return {"room_id": name, "name": name, "capacity": capacity, "accessibility": accessibility}


CENTRES: dict[str, dict[str, Any]] = {
    "wijkcentrum-moerwijk": {
        "organisation": "mooi-welzijn",
        "name": "Wijkcentrum Moerwijk",
        "address": "Moerwijk, Den Haag (demo address)",
        "neighbourhoods": ["WK051836", "BU05183638"],
        "rooms": [
            _room("Grote zaal", 120, loop=True),
            _room("Spreekkamer 1", 10),
            _room("Spreekkamer 2", 8),
            _room("Keuken", 16),
        ],
        "opening_hours": _hours(WEEKDAYS, "09:00", "22:00") + _hours(range(6, 7), "10:00", "16:00"),
    },
    "wijkcentrum-bouwlust": {
        "organisation": "mooi-welzijn",
        "name": "Wijkcentrum Bouwlust",
        "address": "Bouwlust, Den Haag (demo address)",
        "neighbourhoods": ["WK051833", "BU05183396"],
        "rooms": [_room("Zaal 1", 60, loop=True), _room("Zaal 2", 30), _room("Atelier", 14, toilet=False)],
        "opening_hours": _hours(WEEKDAYS, "09:00", "22:00"),
    },
    "allekanten": {
        "organisation": "allekanten",
        "name": "Allekanten",
        "address": "Bouwlust en Vrederust, Den Haag (demo address)",
        "neighbourhoods": ["WK051833", "BU05183398"],
        "rooms": [
            _room("Theaterzaal", 150, loop=True),
            _room("Huiskamer", 40),
            _room("Leslokaal", 24),
            _room("Sportzaal", 60, loop=False),
        ],
        "opening_hours": _hours(ALL_WEEK, "08:30", "23:00"),
    },
    "de-spruijt": {
        "organisation": "buurtkamer-de-spruijt",
        "name": "Buurtkamer De Spruijt",
        "address": "Moerwijk, Den Haag (demo address)",
        "neighbourhoods": ["WK051836", "BU05183637"],
        "rooms": [_room("Buurtkamer", 40, step_free=True, toilet=False)],
        "opening_hours": _hours(WEEKDAYS, "09:30", "21:30"),
    },
}

PROGRAMME = [
    # centre, room, title, kind, weekday (0 = Monday), start, end, weekly count, attendance
    ("wijkcentrum-moerwijk", "Keuken", "Samen koken en eten", "social", 2, "17:00", "20:00", 8, 14),
    ("wijkcentrum-moerwijk", "Grote zaal", "Koffieochtend voor buren", "social", 1, "10:00", "12:00", 8, 45),
    ("wijkcentrum-bouwlust", "Zaal 2", "Taalcafé Nederlands", "workshop", 3, "13:30", "15:30", 8, 20),
    ("allekanten", "Huiskamer", "Open huiskamer", "social", 6, "12:00", "17:00", 8, 35),
    ("allekanten", "Sportzaal", "Bewegen voor 55-plussers", "social", 0, "10:00", "11:00", 8, 25),
    ("de-spruijt", "Buurtkamer", "Naaiatelier", "workshop", 4, "10:00", "12:30", 8, 12),
]

VOLUNTEERS = [
    ("wijkcentrum-moerwijk", "Demo Vrijwilliger A", date(1958, 4, 2), 3),
    ("wijkcentrum-moerwijk", "Demo Vrijwilliger B", date(2005, 12, 20), 4),
    ("wijkcentrum-moerwijk", "Demo Vrijwilliger C", date(1979, 7, 9), 2),
    ("wijkcentrum-bouwlust", "Demo Vrijwilliger D", date(1990, 1, 30), 3),
    ("wijkcentrum-bouwlust", "Demo Vrijwilliger E", date(1964, 10, 11), 2),
    ("allekanten", "Demo Vrijwilliger F", date(1999, 3, 3), 5),
    ("allekanten", "Demo Vrijwilliger G", date(2007, 6, 1), 3),
    ("allekanten", "Demo Vrijwilliger H", date(1971, 8, 15), 4),
    ("de-spruijt", "Demo Vrijwilliger I", date(1983, 2, 14), 3),
]


def _next(weekday: int, today: date) -> date:
    return today + timedelta(days=(weekday - today.weekday()) % 7 + 7)


def _local(day: date, clock: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=AMSTERDAM)


async def load_demo(
    bootstrap: str, *, settings: CentresSettings | None = None, today: date | None = None
) -> int:
    """Write the demo into the centres database (its outbox publishes it); the number of events staged."""
    settings = settings or CentresSettings()
    today = today or datetime.now(AMSTERDAM).date()
    for organisation in {centre["organisation"] for centre in CENTRES.values()}:
        await ensure_topics(bootstrap, partner_topics(organisation), security=settings)
    async with migrated(settings, NAME, migrations_location()) as database:
        return await _load(database, context_of(settings), today)


async def _load(database: Database, context: Context, today: date) -> int:
    staged = 0
    async with database.unit_of_work(SqlCentresUnitOfWork) as unit:
        for centre_id, body in CENTRES.items():
            await centres.save_centre(
                unit, context, STAFF, centre_id, centres.CentreRequest.model_validate(body)
            )
        staged += len(unit.events)
    async with database.unit_of_work(SqlCentresUnitOfWork) as unit:
        for centre_id, room, title, kind, weekday, start, end, count, attendance in PROGRAMME:
            day = _next(weekday, today)
            request = bookings.BookingRequest(
                room_id=room,
                title=title,
                kind=kind,
                starts_at=_local(day, start),
                ends_at=_local(day, end),
                recurrence=f"FREQ=WEEKLY;COUNT={count}",
                use="regular",
                tariff="programme",
                expected_attendance=attendance,
            )
            booking_id = f"programma-{centre_id}-{weekday}"
            await bookings.request_booking(unit, context, STAFF, centre_id, booking_id, request)
        staged += len(unit.events)
    async with database.unit_of_work(SqlCentresUnitOfWork) as unit:
        staged += await _support(unit, context, today)
    return staged


async def _support(unit: SqlCentresUnitOfWork, context: Context, today: date) -> int:
    year = today.year
    coach = await centres.add_person(
        unit, context, STAFF, centres.PersonRequest(role=ActingRole.COACH, name="Demo Coach PEP")
    )
    for centre_id in CENTRES:
        coordinator = await centres.add_person(
            unit,
            context,
            STAFF,
            centres.PersonRequest(
                role=ActingRole.COORDINATOR, centre_id=centre_id, name=f"Demo Coördinator {centre_id}"
            ),
        )
        trajectory = coaching.TrajectoryRequest(
            centre_id=centre_id,
            coordinator_id=coordinator,
            coach_id=coach,
            topics=["marketing", "subsidy_applications", "programming"],
            goals=[
                coaching.Goal(goal_id="bereik", description="Meer buurtbewoners bereiken via sociale media")
            ],
            started_on=today - timedelta(days=60),
        )
        await coaching.start_trajectory(unit, context, STAFF, f"traject-{centre_id}", trajectory)
        for line_id, kind, category, amount in (
            ("verhuur", "income", "verhuur", "18000.00"),
            ("subsidie", "income", "subsidie", "45000.00"),
            ("energie", "expense", "energie", "9500.00"),
            ("activiteiten", "expense", "activiteiten", "12000.00"),
        ):
            line = budgets.LineRequest(kind=kind, category=category, budgeted=Decimal(amount))
            await budgets.set_line(unit, STAFF, centre_id, year, line_id, line)
        spent = budgets.ActualRequest(line_id="energie", amount=Decimal("8800.00"), booked_on=today)
        await budgets.book_actual(unit, context, STAFF, centre_id, year, f"energie-{centre_id}-{year}", spent)
        draft = subsidies.ApplicationRequest(
            regulation="Activiteiten voor en door 55-plussers",
            amount_requested=Decimal("500.00"),
            deadline=today + timedelta(days=10),
        )
        await subsidies.create_application(
            unit, context, STAFF, centre_id, f"55plus-{centre_id}-{year}", draft
        )
    for number, (centre_id, name, birth, weekly_hours) in enumerate(VOLUNTEERS):
        request = volunteers.VolunteerRequest(centre_id=centre_id, name=name, birth_date=birth)
        volunteer_id = await volunteers.register_volunteer(unit, context, STAFF, request)
        await unit.session.flush()
        first = today.replace(day=1) - timedelta(days=1)
        month_start = first.replace(day=1)
        entries = []
        for week in range(4):
            day = month_start + timedelta(days=7 * week + number % 5)
            entry_id = f"uren-{volunteer_id}-{week}"
            hours = volunteers.HoursRequest(centre_id=centre_id, worked_on=day, hours=Decimal(weekly_hours))
            await volunteers.log_hours(unit, context, STAFF, volunteer_id, entry_id, hours)
            entries.append(entry_id)
        await unit.session.flush()
        if number % 3 != 2:  # two in three receive the allowance: the figure to grow
            pay_amount = Decimal(4 * weekly_hours) * Decimal("3.00")
            payment = volunteers.PaymentRequest(
                centre_id=centre_id,
                route="allowance",
                amount=pay_amount,
                entry_ids=entries,
            )
            await volunteers.pay(unit, context, STAFF, volunteer_id, f"vergoeding-{volunteer_id}", payment)
    return len(unit.events)
