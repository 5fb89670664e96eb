"""HTTP authentication by organisation API key, role checks and per-key rate limits (FastAPI)."""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from contracts import OrganisationRole, OrganisationUpdated
from werkplaats.organisations.directory import OrganisationDirectory
from werkplaats.organisations.keys import key_id_of

UNAUTHENTICATED = "a valid API key is required: Authorization: Bearer <key>"
UNAUTHENTICATED_PER_MINUTE = 60

bearer = HTTPBearer(auto_error=False, description="An organisation API key: `Authorization: Bearer wp_...`")


@dataclass
class RateLimiter:
    """A token bucket per key: ``per_minute`` requests a minute, in bursts of at most that many."""

    per_minute: int
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def retry_after(self, key: str) -> int | None:
        """Take one request from ``key``'s bucket: None when allowed, else seconds until it would be."""
        now = self.clock()
        tokens, last = self._buckets.get(key, (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + (now - last) * self.per_minute / 60.0)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            return None
        self._buckets[key] = (tokens, now)
        return max(1, math.ceil((1.0 - tokens) * 60.0 / self.per_minute))


class Authenticator:
    """Turns a request's bearer key into the organisation it belongs to."""

    def __init__(
        self,
        directory: OrganisationDirectory,
        *,
        requests_per_minute: int = 600,
        unauthenticated_per_minute: int = UNAUTHENTICATED_PER_MINUTE,
    ) -> None:
        self.directory = directory
        self.limiter = RateLimiter(requests_per_minute)
        self.anonymous = RateLimiter(unauthenticated_per_minute)
        """Requests without a valid key, per client address: guessing keys or flooding costs a 429."""

    def caller(self, *roles: OrganisationRole) -> Callable[..., Awaitable[OrganisationUpdated]]:
        """A FastAPI dependency: the calling organisation, which must have one of ``roles`` (any if none)."""

        async def authenticated(
            request: Request,
            credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
        ) -> OrganisationUpdated:
            organisation = self.directory.authenticate(credentials.credentials) if credentials else None
            if organisation is None or credentials is None:
                client = request.client.host if request.client else "unknown"
                wait = self.anonymous.retry_after(client)
                if wait is not None:
                    raise HTTPException(
                        429,
                        f"too many requests without a valid key; retry in {wait} s",
                        {"Retry-After": str(wait)},
                    )
                raise HTTPException(401, UNAUTHENTICATED, {"WWW-Authenticate": "Bearer"})
            wait = self.limiter.retry_after(key_id_of(credentials.credentials) or organisation.slug)
            if wait is not None:
                raise HTTPException(
                    429, f"too many requests with this key; retry in {wait} s", {"Retry-After": str(wait)}
                )
            if roles and organisation.role not in roles:
                allowed = " or ".join(role.value for role in roles)
                raise HTTPException(
                    403, f"this needs an {allowed} key; {organisation.slug} is a {organisation.role.value}"
                )
            return organisation

        return authenticated

    def _refusal(self, request: Request) -> HTTPException:
        """401 for a request without a valid key, or 429 once its client sent too many of those."""
        wait = self.anonymous.retry_after(request.client.host if request.client else "unknown")
        if wait is not None:
            message = f"too many requests without a valid key; retry in {wait} s"
            return HTTPException(429, message, {"Retry-After": str(wait)})
        return HTTPException(401, UNAUTHENTICATED, {"WWW-Authenticate": "Bearer"})
