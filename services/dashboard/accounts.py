"""People who sign in: roles, argon2 password hashes, and the account use cases.

Errors::

    AccountError
    ├── AccountExistsError     the user name is taken
    └── InvalidAccountError    a coordinator without a centre, a password too short
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dashboard.store import AccountRow

MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()  # argon2id with the library's current (RFC 9106 low-memory) parameters
_DUMMY_HASH = _hasher.hash("a password nobody has, to spend the same time on unknown names")


class Role(StrEnum):
    """What a person does in the Werkplaats."""

    OPERATIONS = "operations"
    COMMUNITY_BUILDER = "community_builder"
    COORDINATOR = "coordinator"


class AccountError(ValueError):
    """An account change that cannot be made."""


class AccountExistsError(AccountError):
    """The user name is taken."""


class InvalidAccountError(AccountError):
    """The account would not make sense."""


@dataclass(frozen=True)
class Person:
    """The signed-in person, as pages see them."""

    account_id: str
    username: str
    display_name: str
    role: Role
    centre_id: str | None

    @property
    def is_operations(self) -> bool:
        """Whether they may act for operations (acknowledge conflicts)."""
        return self.role is Role.OPERATIONS

    def may_see_centre(self, centre_id: str) -> bool:
        """Coordinators see only their own centre; the others see every centre."""
        return self.role is not Role.COORDINATOR or self.centre_id == centre_id


def person_of(row: AccountRow) -> Person:
    """The person an account row describes."""
    return Person(row.account_id, row.username, row.display_name, Role(row.role), row.centre_id)


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


async def create_account(
    session: AsyncSession,
    *,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    centre_id: str | None = None,
) -> Person:
    """Add an account; the password is kept only as its argon2 hash."""
    if role is Role.COORDINATOR and not centre_id:
        raise InvalidAccountError("a coordinator needs the centre they coordinate")
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
        password_hash=hash_password(password),
        created_at=datetime.now(UTC),
        disabled=False,
    )
    session.add(row)
    await session.flush()
    return person_of(row)


async def verify_sign_in(session: AsyncSession, username: str, password: str) -> Person | None:
    """The person whose name and password these are, or None (in about the same time either way)."""
    row = await session.scalar(select(AccountRow).where(AccountRow.username == username))
    if row is None or row.disabled:
        _verify(_DUMMY_HASH, password)
        return None
    if not _verify(row.password_hash, password):
        return None
    if _hasher.check_needs_rehash(row.password_hash):
        row.password_hash = hash_password(password)
    return person_of(row)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def list_accounts(session: AsyncSession) -> list[Person]:
    """Every account, by user name."""
    rows = await session.scalars(select(AccountRow).order_by(AccountRow.username))
    return [person_of(row) for row in rows]
