"""Errors of the HTTP API mapped in one place: bad input is a 422 that names each field and its problem."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


def _field(location: tuple[object, ...]) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or "(body)"


async def _invalid(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = [
        {"field": _field(tuple(item.get("loc", ()))), "problem": str(item.get("msg", "invalid"))}
        for item in error.errors()
    ]
    summary = "; ".join(f"{p['field']}: {p['problem']}" for p in problems)
    return JSONResponse({"detail": summary, "problems": problems}, status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    """Map request validation errors to a 422 that names the fields."""
    app.add_exception_handler(RequestValidationError, _invalid)
