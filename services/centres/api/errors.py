"""Errors of the centres API mapped in one place.

403  out of the acting person's scope      404  not there (or not visible)
409  an id reused for different content    422  a field is wrong, or a rule refuses (named)
"""

from __future__ import annotations

import re

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from centres.domain.errors import CentresError
from centres.service.common import IdConflictError, NotFoundError, OutOfScopeError

_FIELD = re.compile(r"^([a-z_][a-z0-9_.]*(?: and [a-z_][a-z0-9_]*)?): ")


def problem(field: str, message: str, **extra: object) -> JSONResponse:
    """A 422 naming ``field`` in FastAPI's own shape (``detail[].loc``)."""
    detail = [{"loc": ["body", field], "msg": message, "type": "value_error"}]
    return JSONResponse({"detail": detail, **extra}, status_code=422)


async def _domain_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, CentresError)
    message = str(error)
    if isinstance(error, NotFoundError):
        return JSONResponse({"detail": message}, status_code=404)
    if isinstance(error, OutOfScopeError):
        return JSONResponse({"detail": message}, status_code=403)
    if isinstance(error, IdConflictError):
        return JSONResponse({"detail": message}, status_code=409)
    match = _FIELD.match(message)
    field = match.group(1) if match else "(body)"
    return problem(field, message[match.end() :] if match else message)


def install(app: FastAPI) -> None:
    """Map the domain's errors to HTTP answers."""
    app.add_exception_handler(CentresError, _domain_error)
