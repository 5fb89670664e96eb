"""Who is asking and may they: the sign-in cookie, CSRF tokens, security headers, safe redirects."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request, Response
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dashboard.domain import Person
from dashboard.service.signins import CsrfTokens

SESSION_COOKIE = "wp_session"
CSRF_COOKIE = "wp_csrf"
LANGUAGE_COOKIE = "wp_lang"
CSRF_FIELD = "csrf_token"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class SignInRequiredError(Exception):
    """The page needs a signed-in person; the browser is sent to the sign-in page."""


class ForbiddenError(Exception):
    """The signed-in person may not see or do this."""


class CsrfError(Exception):
    """A form arrived without the token of this browser."""


@dataclass(frozen=True)
class CookiePolicy:
    """How the dashboard's cookies are set."""

    secure: bool
    session_seconds: int

    def set_session(self, response: Response, token: str) -> None:
        """The sign-in cookie: HttpOnly, SameSite=Lax, Secure unless configured off."""
        response.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=self.session_seconds,
            httponly=True,
            secure=self.secure,
            samesite="lax",
            path="/",
        )

    def clear_session(self, response: Response) -> None:
        """Remove the sign-in cookie."""
        response.delete_cookie(SESSION_COOKIE, path="/", secure=self.secure, httponly=True, samesite="lax")


class SecurityMiddleware:
    """Sets the security headers on every answer and gives each browser a CSRF nonce cookie (pure ASGI)."""

    def __init__(self, app: ASGIApp, cookies: CookiePolicy) -> None:
        self.app = app
        self.cookies = cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Attach the nonce before the page renders; add the cookie and headers to the answer."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = Request(scope).cookies.get(CSRF_COOKIE)
        fresh = not nonce or len(nonce) > 64
        if fresh:
            nonce = CsrfTokens.new_nonce()
        scope.setdefault("state", {})["csrf_nonce"] = nonce

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if fresh:
                    secure = "; Secure" if self.cookies.secure else ""
                    headers.append(
                        "Set-Cookie", f"{CSRF_COOKIE}={nonce}; HttpOnly; Path=/; SameSite=Lax{secure}"
                    )
            await send(message)

        await self.app(scope, receive, send_with_headers)


def csrf_token(request: Request, tokens: CsrfTokens) -> str:
    """The token forms on this page carry."""
    return tokens.token_for(request.state.csrf_nonce)


def check_csrf(request: Request, tokens: CsrfTokens, submitted: str | None) -> None:
    """Refuse a form that does not carry this browser's token."""
    if not tokens.valid(request.cookies.get(CSRF_COOKIE), submitted):
        raise CsrfError


def safe_return_path(candidate: str | None, default: str = "/vandaag") -> str:
    """A local path to return to; anything else (another host, a scheme) becomes ``default``."""
    if not candidate or not candidate.startswith("/") or candidate.startswith("//") or "\\" in candidate:
        return default
    return candidate


def require(person: Person | None) -> Person:
    """The signed-in person, or a redirect to the sign-in page."""
    if person is None:
        raise SignInRequiredError
    return person
