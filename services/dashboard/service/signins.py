"""Sign-ins kept server side (the cookie holds a random token, the database its hash) and CSRF tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from dashboard.domain import Person
from dashboard.service.accounts import person_of
from dashboard.store import AccountRow, SecretRow, SessionRow


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def start(session: AsyncSession, person: Person, *, lasts: timedelta) -> str:
    """Record a sign-in of ``person``; return the token for the cookie (shown only here)."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    session.add(
        SessionRow(
            token_hash=_digest(token), account_id=person.account_id, created_at=now, expires_at=now + lasts
        )
    )
    await session.execute(delete(SessionRow).where(SessionRow.expires_at < now))
    return token


async def resolve(session: AsyncSession, token: str) -> Person | None:
    """The person signed in with ``token``, if the sign-in is still valid and the account enabled."""
    row = await session.execute(
        select(AccountRow)
        .join(SessionRow, SessionRow.account_id == AccountRow.account_id)
        .where(SessionRow.token_hash == _digest(token), SessionRow.expires_at > datetime.now(UTC))
    )
    account = row.scalar_one_or_none()
    if account is None or account.disabled:
        return None
    return person_of(account)


async def end(session: AsyncSession, token: str) -> None:
    """Sign out: the token stops working at once."""
    await session.execute(delete(SessionRow).where(SessionRow.token_hash == _digest(token)))


async def service_secret(session: AsyncSession, name: str) -> str:
    """A random secret of the service, created once and shared by every instance."""
    found = await session.get(SecretRow, name)
    if found is not None:
        return found.value
    value = secrets.token_urlsafe(32)
    session.add(SecretRow(name=name, value=value))
    await session.flush()
    return value


class CsrfTokens:
    """Signed double-submit tokens: a random nonce in a cookie, its HMAC in every form."""

    def __init__(self, secret: str) -> None:
        self._key = secret.encode()

    @staticmethod
    def new_nonce() -> str:
        """A fresh nonce for the CSRF cookie."""
        return secrets.token_urlsafe(24)

    def token_for(self, nonce: str) -> str:
        """The token forms carry for ``nonce``."""
        return hmac.new(self._key, b"csrf:" + nonce.encode(), hashlib.sha256).hexdigest()

    def valid(self, nonce: str | None, token: str | None) -> bool:
        """Whether ``token`` belongs to ``nonce`` (both present)."""
        if not nonce or not token:
            return False
        return hmac.compare_digest(self.token_for(nonce), token)


class LinkSigner:
    """Signs calendar links, so a calendar program can fetch a person's filtered agenda without a cookie."""

    def __init__(self, secret: str) -> None:
        self._key = secret.encode()

    def sign(self, account_id: str) -> str:
        """The token of ``account_id``'s calendar links."""
        mac = hmac.new(self._key, b"ics:" + account_id.encode(), hashlib.sha256).hexdigest()[:32]
        return f"{account_id}.{mac}"

    def account_of(self, token: str) -> str | None:
        """The account a link token was signed for, or None for a forged one."""
        account_id, _, _mac = token.partition(".")
        return account_id if account_id and hmac.compare_digest(self.sign(account_id), token) else None
