"""The centres unit of work: its repositories, on SQL."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from centres.store.repositories import (
    Budgets,
    Centres,
    Coaching,
    People,
    SentOnce,
    SqlBudgets,
    SqlCentres,
    SqlCoaching,
    SqlPeople,
    SqlSentOnce,
    SqlSubsidies,
    Subsidies,
)
from werkplaats.unit_of_work import SqlUnitOfWork, UnitOfWork


class CentresUnitOfWork(UnitOfWork):
    """One centres transaction: the repositories the use cases read and change."""

    centres: Centres
    people: People
    coaching: Coaching
    subsidies: Subsidies
    budgets: Budgets
    sent_once: SentOnce


class SqlCentresUnitOfWork(SqlUnitOfWork, CentresUnitOfWork):
    """The centres unit of work on the database; ``session`` serves the use cases not on repositories."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        self.centres = SqlCentres(session)
        self.people = SqlPeople(session)
        self.coaching = SqlCoaching(session)
        self.subsidies = SqlSubsidies(session)
        self.budgets = SqlBudgets(session)
        self.sent_once = SqlSentOnce(session)
