"""Allowance cap checks per second: the service's check (history loaded, rules in Python) vs one SQL query.

Both sides answer the same question for the same random volunteers and proposed payments, on the same
database in the same run: which caps (monthly, yearly, hourly) would the payment break, given a year of
payments at several centres? Every answer is compared; a disagreement fails the benchmark.
"""

from __future__ import annotations

import random
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import Integer, Numeric, String, bindparam, insert, text

from benchmarks.report import machine, median
from centres.domain import allowance
from centres.domain.allowance import CapTable, ProposedPayment, WorkDay
from centres.main import migrations_location
from centres.sealing import Sealer
from centres.service.volunteers import counted_amounts
from centres.store import CentreRow, PaymentRow, SqlCentresUnitOfWork, VolunteerRow
from contracts.centres import AllowanceCap, AllowanceRoute
from werkplaats.db import Database
from werkplaats.migrations import upgrade

YEAR = 2025
CHUNK = 50
CENTRES = ("bench-moerwijk", "bench-bouwlust", "bench-allekanten")

CAP_QUERY = text(
    """
WITH history AS (
    SELECT month, route, amount FROM allowance_payments WHERE volunteer_id = :volunteer AND year = :year
),
proposed AS (
    SELECT month, route, amount FROM history
    UNION ALL SELECT CAST(:month AS INTEGER), CAST(:route AS VARCHAR(30)), CAST(:amount AS NUMERIC(12, 2))
),
flags AS (
    SELECT
        (SELECT COUNT(*) FROM history WHERE route = 'allowance' AND amount > 0) AS before_allowance,
        (SELECT COUNT(*) FROM proposed WHERE route = 'allowance' AND amount > 0) AS after_allowance
),
months AS (
    SELECT p.month,
        ROUND(SUM(CASE WHEN p.route = 'allowance' OR f.after_allowance > 0 THEN p.amount ELSE 0 END), 2)
            AS after_total
    FROM proposed p CROSS JOIN flags f GROUP BY p.month
),
months_before AS (
    SELECT h.month,
        ROUND(SUM(CASE WHEN h.route = 'allowance' OR f.before_allowance > 0 THEN h.amount ELSE 0 END), 2)
            AS before_total
    FROM history h CROSS JOIN flags f GROUP BY h.month
)
SELECT
    f.after_allowance > 0 AS capped,
    COALESCE((SELECT after_total FROM months WHERE month = :month), 0) > :monthly_cap
    OR EXISTS (
        SELECT 1 FROM months m LEFT JOIN months_before b ON b.month = m.month
        WHERE m.month <> :month AND m.after_total > :monthly_cap
          AND COALESCE(b.before_total, 0) <= :monthly_cap
    ) AS monthly,
    COALESCE((SELECT SUM(after_total) FROM months), 0) > :yearly_cap AS yearly,
    :route = 'allowance' AND :amount > :hourly_limit AS hourly
FROM flags f
"""
).bindparams(
    bindparam("month", type_=Integer()),
    bindparam("route", type_=String()),
    *(
        bindparam(name, type_=Numeric(12, 2))
        for name in ("amount", "monthly_cap", "yearly_cap", "hourly_limit")
    ),
)


@dataclass(frozen=True)
class Check:
    """One question: which caps would paying this volunteer this amount for this work break."""

    volunteer_id: str
    birth_date: date
    proposed: ProposedPayment


@dataclass
class Result:
    """Checks per second on each side, and where it ran."""

    database: str
    volunteers: int
    payments: int
    checks: int
    service_per_s: float
    sql_per_s: float
    exceeded: int

    def markdown(self) -> str:
        """The result as a table row with its ratio."""
        ratio = self.service_per_s / self.sql_per_s
        return (
            f"| {self.database} | {self.volunteers:,} | {self.payments:,} | {self.checks:,} "
            f"| {self.service_per_s:,.0f} | {self.sql_per_s:,.0f} | {ratio:.2f}x | {self.exceeded:,} |"
        )


HEADER = (
    "| database | volunteers | payments in the year | checks | service check/s | one SQL query/s "
    "| service ÷ SQL | checks refused |\n|---|---|---|---|---|---|---|---|"
)


async def seed(database: Database, volunteers: int, rng: random.Random) -> tuple[list[tuple[str, date]], int]:
    """Volunteers with a year of payments at several centres: (their ids and birth dates, payments)."""
    sealer = Sealer([Fernet.generate_key()])
    now = datetime.now(UTC)
    people: list[tuple[str, date]] = []
    volunteer_rows, payment_rows = [], []
    for number in range(volunteers):
        volunteer_id = f"vol-bench{number:06d}"
        birth = date(rng.randint(1950, 2008), rng.randint(1, 12), rng.randint(1, 28))
        people.append((volunteer_id, birth))
        sealed = sealer.seal({"name": f"Bench {number}", "birth_date": birth.isoformat()})
        volunteer_rows.append(
            {"volunteer_id": volunteer_id, "sealed": sealed, "vog_issued_on": None, "created_at": now}
        )
        for month in range(1, 13):
            for centre in rng.sample(CENTRES, rng.randint(0, 2)):
                route = AllowanceRoute.COST_REIMBURSEMENT if rng.random() < 0.1 else AllowanceRoute.ALLOWANCE
                amount = Decimal(rng.randint(1000, 12000)) / 100
                payment_rows.append(_payment(volunteer_id, centre, route, amount, month, now))
    async with database.unit_of_work(SqlCentresUnitOfWork) as unit:
        for centre in CENTRES:
            unit.session.add(_centre(centre, now))
        await unit.session.flush()
        await unit.session.execute(insert(VolunteerRow), volunteer_rows)
        for start in range(0, len(payment_rows), 5000):
            await unit.session.execute(insert(PaymentRow), payment_rows[start : start + 5000])
    return people, len(payment_rows)


def _centre(centre_id: str, now: datetime) -> CentreRow:
    return CentreRow(
        centre_id=centre_id,
        organisation="bench",
        name=centre_id,
        address="-",
        neighbourhoods=["WK051836"],
        opening_hours=[],
        coordinator_id=None,
        active=True,
        prices={},
        updated_at=now,
    )


def _payment(
    volunteer_id: str, centre: str, route: AllowanceRoute, amount: Decimal, month: int, now: datetime
) -> dict[str, Any]:
    day = date(YEAR, month, 1)
    return {
        "payment_id": uuid.uuid4().hex,
        "volunteer_id": volunteer_id,
        "centre_id": centre,
        "route": route.value,
        "amount": amount,
        "hours": Decimal("0"),
        "year": YEAR,
        "month": month,
        "worked_from": day,
        "worked_until": day,
        "exception_caps": [],
        "sealed_justification": None,
        "declared_elsewhere": False,
        "created_at": now,
    }


def questions(people: list[tuple[str, date]], count: int, rng: random.Random) -> list[Check]:
    """Random proposed payments for random volunteers."""
    checks = []
    for _ in range(count):
        volunteer_id, birth = rng.choice(people)
        month = rng.randint(1, 12)
        work = tuple(
            WorkDay(date(YEAR, month, day), Decimal(rng.randint(1, 8))) for day in rng.sample(range(1, 28), 3)
        )
        route = AllowanceRoute.COST_REIMBURSEMENT if rng.random() < 0.1 else AllowanceRoute.ALLOWANCE
        checks.append(
            Check(volunteer_id, birth, ProposedPayment(route, Decimal(rng.randint(500, 15000)) / 100, work))
        )
    return checks


async def service_side(
    database: Database, caps: CapTable, checks: list[Check]
) -> list[frozenset[AllowanceCap]]:
    """The service's check: the year's history loaded through the use case's query, rules in Python."""
    answers = []
    for check in checks:
        async with database.unit_of_work(SqlCentresUnitOfWork) as unit:
            history = await counted_amounts(unit, check.volunteer_id, YEAR)
        answers.append(allowance.check_payment(caps, check.birth_date, history, check.proposed).exceeded)
    return answers


async def sql_side(database: Database, caps: CapTable, checks: list[Check]) -> list[frozenset[AllowanceCap]]:
    """The same check as one SQL query per payment."""
    year_caps = caps.for_year(YEAR)
    answers = []
    for check in checks:
        _, month = check.proposed.month
        parameters = {
            "volunteer": check.volunteer_id,
            "year": YEAR,
            "month": month,
            "route": check.proposed.route.value,
            "amount": check.proposed.amount,
            "monthly_cap": year_caps.monthly,
            "yearly_cap": year_caps.yearly,
            "hourly_limit": allowance.hourly_limit(caps, check.birth_date, check.proposed.work),
        }
        async with database.unit_of_work(SqlCentresUnitOfWork) as unit:
            row = (await unit.session.execute(CAP_QUERY, parameters)).one()
        capped, monthly, yearly, hourly = (bool(value) for value in row)
        flags = {AllowanceCap.MONTHLY: monthly, AllowanceCap.YEARLY: yearly, AllowanceCap.HOURLY: hourly}
        answers.append(frozenset(cap for cap, hit in flags.items() if capped and hit))
    return answers


async def run_benchmark(database_url: str | None, *, volunteers: int, checks: int, rounds: int) -> Result:
    """Seed a database, then time both sides on the same checks; the medians of ``rounds``."""
    rng = random.Random(11)
    label = "PostgreSQL" if database_url else "SQLite"
    scratch = Path(tempfile.mkdtemp(prefix="werkplaats-bench-centres-"))
    database = Database(database_url or f"sqlite+aiosqlite:///{scratch / 'centres.db'}")
    try:
        await upgrade(database, migrations_location())
        people, payments = await seed(database, volunteers, rng)
        caps = allowance.load_caps()
        asked = questions(people, checks, rng)
        service_rates, sql_rates = [], []
        for _ in range(rounds):
            service_s = sql_s = 0.0
            by_service: list[frozenset[AllowanceCap]] = []
            by_sql: list[frozenset[AllowanceCap]] = []
            for start in range(
                0, len(asked), CHUNK
            ):  # alternate in small chunks: both sides see the same load
                chunk = asked[start : start + CHUNK]
                started = time.perf_counter()
                by_service += await service_side(database, caps, chunk)
                service_s += time.perf_counter() - started
                started = time.perf_counter()
                by_sql += await sql_side(database, caps, chunk)
                sql_s += time.perf_counter() - started
            service_rates.append(len(asked) / service_s)
            sql_rates.append(len(asked) / sql_s)
            disagreements = [i for i, (a, b) in enumerate(zip(by_service, by_sql, strict=True)) if a != b]
            if disagreements:
                raise AssertionError(
                    f"the two checks disagree on {len(disagreements)} of {len(asked)} payments"
                )
        refused = sum(1 for answer in by_service if answer)
        return Result(label, volunteers, payments, checks, median(service_rates), median(sql_rates), refused)
    finally:
        await database.dispose()


def report(results: list[Result]) -> str:
    """The results as the Markdown written to docs/benchmarks.md."""
    rows = "\n".join(result.markdown() for result in results)
    return f"Machine: {machine()}\n\n{HEADER}\n{rows}\n"


async def scratch_postgres(admin_url: str) -> tuple[str, Any]:
    """A fresh PostgreSQL database in the server of ``admin_url``: its URL and a coroutine that drops it."""
    import asyncpg  # type: ignore[import-untyped]

    name = f"bench_centres_{uuid.uuid4().hex[:8]}"
    plain = admin_url.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(plain)
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()

    async def drop() -> None:
        connection = await asyncpg.connect(plain)
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()

    base = plain.rpartition("/")[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{name}", drop()
