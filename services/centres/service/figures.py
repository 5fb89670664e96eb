"""The programme's figure: volunteers per centre, how many receive the allowance, hours, and the trend."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from centres.store import CentreRow, HoursRow, MembershipRow, PaymentRow, SqlCentresUnitOfWork
from contracts.centres import AllowanceRoute


def quarter(month: int) -> int:
    """The quarter (1 to 4) of a month."""
    return (month - 1) // 3 + 1


async def programme_figures(unit: SqlCentresUnitOfWork, year: int) -> dict[str, Any]:
    """Per centre and in total: volunteers, those receiving the allowance, hours, per quarter of ``year``."""
    session = unit.session
    centres = {
        row.centre_id: row.name for row in await session.scalars(select(CentreRow).order_by(CentreRow.name))
    }
    members: dict[str, set[str]] = {centre: set() for centre in centres}
    for volunteer_id, centre_id in await session.execute(
        select(MembershipRow.volunteer_id, MembershipRow.centre_id)
    ):
        members.setdefault(centre_id, set()).add(volunteer_id)
    paid: dict[tuple[str | None, int], set[str]] = {}
    for payee, payer, month in await session.execute(
        select(PaymentRow.volunteer_id, PaymentRow.centre_id, PaymentRow.month).where(
            PaymentRow.year == year,
            PaymentRow.route == AllowanceRoute.ALLOWANCE.value,
            PaymentRow.declared_elsewhere.is_(False),
        )
    ):
        paid.setdefault((payer, quarter(month)), set()).add(payee)
    hours: dict[tuple[str, int], Decimal] = {}
    for centre_id, worked_on, amount in await session.execute(
        select(HoursRow.centre_id, HoursRow.worked_on, HoursRow.hours)
    ):
        if worked_on.year == year:
            key = (centre_id, quarter(worked_on.month))
            hours[key] = hours.get(key, Decimal("0")) + amount
    rows = []
    for centre_id, name in centres.items():
        quarters = [
            {
                "quarter": q,
                "receiving_allowance": len(paid.get((centre_id, q), set())),
                "hours": hours.get((centre_id, q), Decimal("0")),
            }
            for q in range(1, 5)
        ]
        receiving = set().union(*(paid.get((centre_id, q), set()) for q in range(1, 5)))
        total_hours = sum((hours.get((centre_id, q), Decimal("0")) for q in range(1, 5)), Decimal("0"))
        rows.append(
            {
                "centre_id": centre_id,
                "name": name,
                "volunteers": len(members.get(centre_id, set())),
                "receiving_allowance": len(receiving),
                "hours": total_hours,
                "quarters": quarters,
            }
        )
    everyone = set().union(*members.values()) if members else set()
    receiving_all = set().union(*paid.values()) if paid else set()
    return {
        "year": year,
        "centres": rows,
        "total": {
            "volunteers": len(everyone),
            "receiving_allowance": len(receiving_all),
            "hours": sum(hours.values(), Decimal("0")),
            "quarters": [
                {
                    "quarter": q,
                    "receiving_allowance": len(set().union(*(v for (c, qq), v in paid.items() if qq == q))),
                }
                for q in range(1, 5)
            ],
        },
    }
