"""Errors of the HTTP API mapped in one place; a 422 names each field and never echoes what was sent.

400  refused submission (spam)   401  no valid API key    403  the key's role may not do this
404  no such initiative (or wrong access token)           409  the lifecycle does not allow it
413  body too large              422  a field is wrong     429  too many submissions from this client
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from initiatives.errors import RefusedError, UnknownActivityError, UnknownBuilderError, UnknownInitiativeError


def _field(location: tuple[object, ...]) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or "(body)"


def problem_response(problems: list[dict[str, str]]) -> JSONResponse:
    """A 422 listing each field and its problem."""
    summary = "; ".join(f"{p['field']}: {p['problem']}" for p in problems)
    return JSONResponse({"detail": summary, "problems": problems}, status_code=422)


async def _invalid(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    return problem_response(
        [
            {"field": _field(tuple(item.get("loc", ()))), "problem": str(item.get("msg", "invalid"))}
            for item in error.errors()
        ]
    )


async def _unknown(_: Request, error: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(error)}, status_code=404)


async def _unknown_builder(_: Request, error: Exception) -> JSONResponse:
    return problem_response([{"field": "builder_id", "problem": str(error)}])


async def _refused(_: Request, error: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(error)}, status_code=409)


def install_error_handlers(app: FastAPI) -> None:
    """Map validation and service errors to 4xx answers."""
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(UnknownInitiativeError, _unknown)
    app.add_exception_handler(UnknownActivityError, _unknown)
    app.add_exception_handler(UnknownBuilderError, _unknown_builder)
    app.add_exception_handler(RefusedError, _refused)
