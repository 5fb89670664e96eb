"""People who sign in: roles, argon2 password hashes, and the account use cases.

Errors::

    AccountError
    ├── AccountExistsError     the user name is taken
    └── InvalidAccountError    a coordinator without a centre, a password too short
"""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.envelope import SLUG_PATTERN
from dashboard.domain import Person, Role
from dashboard.store import AccountRow

MIN_PASSWORD_LENGTH = 12


class AccountError(ValueError):
    """An account change that cannot be made."""


class AccountExistsError(AccountError):
    """The user name is taken."""


class InvalidAccountError(AccountError):
    """The account would not make sense."""


def person_of(row: AccountRow) -> Person:
    """The person an account row describes."""
    return Person(
        row.account_id, row.username, row.display_name, Role(row.role), row.centre_id, row.organisation
    )


class Passwords:
    """argon2id hashes at a chosen cost (RFC 9106's low-memory profile by default), computed in a thread.

    Hashing takes a good part of a second of one core by design, so it never runs on the event loop.
    """

    def __init__(self, *, memory_kib: int = 65536, time_cost: int = 3, parallelism: int = 4) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)
        self._decoy: str | None = None

    async def hash(self, password: str) -> str:
        """An argon2id hash of ``password``."""
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        """Whether ``password`` matches ``password_hash`` (whatever cost the hash was made with)."""
        return await asyncio.to_thread(self._matches, password_hash, password)

    async def spend_time(self, password: str) -> None:
        """Take as long as a real check, so an unknown user name cannot be told from a wrong password."""
        if self._decoy is None:
            self._decoy = await self.hash("a password nobody has")
        await self.verify(self._decoy, password)

    def outdated(self, password_hash: str) -> bool:
        """Whether the hash was made at another cost than the current one."""
        return bool(self._hasher.check_needs_rehash(password_hash))

    def _matches(self, password_hash: str, password: str) -> bool:
        try:
            return bool(self._hasher.verify(password_hash, password))
        except (VerificationError, InvalidHashError):
            return False


async def create_account(
    session: AsyncSession,
    passwords: Passwords,
    *,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    centre_id: str | None = None,
    organisation: str | None = None,
) -> Person:
    """Add an account; the password is kept only as its argon2 hash."""
    if role is Role.COORDINATOR and not centre_id:
        raise InvalidAccountError("a coordinator needs the centre they coordinate")
    if organisation is not None and not re.match(SLUG_PATTERN, organisation):
        raise InvalidAccountError(f"{organisation!r} is no organisation slug")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidAccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if await session.scalar(select(AccountRow).where(AccountRow.username == username)) is not None:
        raise AccountExistsError(f"user name {username!r} is taken")
    row = AccountRow(
        account_id=str(uuid.uuid4()),
        username=username,
        display_name=display_name,
        role=role.value,
        centre_id=centre_id if role is Role.COORDINATOR else None,
        organisation=organisation,
        password_hash=await passwords.hash(password),
        created_at=datetime.now(UTC),
        disabled=False,
    )
    session.add(row)
    await session.flush()
    return person_of(row)


async def verify_sign_in(
    session: AsyncSession, passwords: Passwords, username: str, password: str
) -> Person | None:
    """The person whose name and password these are, or None (in about the same time either way)."""
    row = await session.scalar(select(AccountRow).where(AccountRow.username == username))
    if row is None or row.disabled:
        await passwords.spend_time(password)
        return None
    if not await passwords.verify(row.password_hash, password):
        return None
    if passwords.outdated(row.password_hash):
        row.password_hash = await passwords.hash(password)
    return person_of(row)


async def list_accounts(session: AsyncSession) -> list[Person]:
    """Every account, by user name."""
    rows = await session.scalars(select(AccountRow).order_by(AccountRow.username))
    return [person_of(row) for row in rows]
