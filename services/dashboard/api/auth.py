"""Signing in and out, and switching language."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dashboard.api.context import WebContext
from dashboard.api.security import CSRF_FIELD, LANGUAGE_COOKIE, SESSION_COOKIE, check_csrf, safe_return_path
from dashboard.i18n import LANGUAGES
from dashboard.service import signins
from dashboard.service.accounts import verify_sign_in

ONE_YEAR_S = 365 * 24 * 3600


def auth_router(web: WebContext) -> APIRouter:
    """``/aanmelden``, ``/afmelden`` and ``/taal/{language}``."""
    router = APIRouter()

    @router.get("/aanmelden", response_class=HTMLResponse, include_in_schema=False)
    async def sign_in_form(request: Request, terug: str | None = None) -> Response:
        return web.page(request, None, "sign_in.html", {"back": safe_return_path(terug), "failed": False})

    @router.post("/aanmelden", response_class=HTMLResponse, include_in_schema=False)
    async def sign_in(
        request: Request,
        username: Annotated[str, Form(max_length=60)] = "",
        password: Annotated[str, Form(max_length=200)] = "",
        terug: Annotated[str, Form(max_length=500)] = "",
        csrf_token: Annotated[str | None, Form(alias=CSRF_FIELD)] = None,
    ) -> Response:
        check_csrf(request, web.csrf, csrf_token)
        back = safe_return_path(terug)
        async with web.database.transaction() as session:
            person = await verify_sign_in(session, web.passwords, username.strip(), password)
            token = None
            if person is not None:
                lasts = timedelta(hours=web.settings.session_hours)
                token = await signins.start(session, person, lasts=lasts)
        if token is None:
            context = {"back": back, "failed": True, "username": username}
            return web.page(request, None, "sign_in.html", context, status=401)
        response = RedirectResponse(back, status_code=303)
        web.cookies.set_session(response, token)
        return response

    @router.post("/afmelden", include_in_schema=False)
    async def sign_out(
        request: Request, csrf_token: Annotated[str | None, Form(alias=CSRF_FIELD)] = None
    ) -> Response:
        check_csrf(request, web.csrf, csrf_token)
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            async with web.database.transaction() as session:
                await signins.end(session, token)
        response = RedirectResponse("/aanmelden", status_code=303)
        web.cookies.clear_session(response)
        return response

    @router.get("/taal/{language}", include_in_schema=False)
    async def switch_language(language: str, terug: str | None = None) -> Response:
        response = RedirectResponse(safe_return_path(terug), status_code=303)
        if language in LANGUAGES:
            response.set_cookie(
                LANGUAGE_COOKIE, language, max_age=ONE_YEAR_S, secure=web.cookies.secure, samesite="lax"
            )
        return response

    return router
