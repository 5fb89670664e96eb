"""What every route needs: the database, templates, cookies, tokens, the owners' clients, the live feed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from dashboard.api.rendering import Templates
from dashboard.api.security import LANGUAGE_COOKIE, SESSION_COOKIE, CookiePolicy, csrf_token
from dashboard.domain import Person
from dashboard.i18n import pick_language
from dashboard.owners import OwnerClient, Reach, Scheduling
from dashboard.service import signins
from dashboard.service.accounts import Passwords
from dashboard.service.live import LiveFeed
from dashboard.service.signins import CsrfTokens, LinkSigner
from dashboard.settings import DashboardSettings
from werkplaats.db import Database

SIGNING_SECRET = "signing"  # noqa: S105 - the name of the secret, not the secret


@dataclass
class WebContext:
    """The dashboard's parts as the routes use them; tokens are ready once the service has started."""

    settings: DashboardSettings
    database: Database
    templates: Templates
    cookies: CookiePolicy
    live: LiveFeed
    scheduling: Scheduling
    initiatives: OwnerClient
    centres: OwnerClient
    reach: Reach
    _csrf: CsrfTokens | None = None
    _links: LinkSigner | None = None
    passwords: Passwords = field(default_factory=Passwords)
    features: set[str] = field(default_factory=lambda: {"centres", "initiatives"})
    """Pages beyond the conflicts and the agenda: ``initiatives``, ``centres``."""

    async def load_secrets(self) -> None:
        """The signing secret: configured, else created once in the database."""
        configured = self.settings.session_secret
        if configured is not None and configured.get_secret_value():
            secret = configured.get_secret_value()
        else:
            async with self.database.transaction() as session:
                secret = await signins.service_secret(session, SIGNING_SECRET)
        self._csrf, self._links = CsrfTokens(secret), LinkSigner(secret)

    @property
    def csrf(self) -> CsrfTokens:
        """CSRF tokens (after start)."""
        if self._csrf is None:
            raise RuntimeError("the dashboard has not started")
        return self._csrf

    @property
    def links(self) -> LinkSigner:
        """Calendar link signer (after start)."""
        if self._links is None:
            raise RuntimeError("the dashboard has not started")
        return self._links

    def language(self, request: Request) -> str:
        """The language of this request's pages: the person's switch, else Dutch (the default)."""
        return pick_language(request.cookies.get(LANGUAGE_COOKIE), None, self.settings.default_language)

    async def person(self, request: Request) -> Person | None:
        """Who is signed in on this browser, if anyone."""
        token = request.cookies.get(SESSION_COOKIE)
        if not token or len(token) > 100:
            return None
        async with self.database.sessions() as session:
            return await signins.resolve(session, token)

    def page(
        self,
        request: Request,
        person: Person | None,
        template: str,
        context: dict[str, Any] | None = None,
        *,
        status: int = 200,
    ) -> HTMLResponse:
        """A rendered page in the person's language."""
        language = self.language(request)
        values = {
            "request": request,
            "person": person,
            "csrf_token": csrf_token(request, self.csrf),
            "path": request.url.path,
            "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            "features": self.features,
        }
        values.update(context or {})
        html = self.templates.render(language, template, values)
        return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})

    def text(self, request: Request, message: str) -> str:
        """``message`` translated for this request."""
        return self.templates.gettext(self.language(request), message)
