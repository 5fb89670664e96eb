"""How the API answers bad requests: validation problems naming the field, body limits, documented errors.

Every client mistake gets a 4xx; nothing a client sends may reach a 500::

    400  the body is not JSON at all (FastAPI)
    401  no valid API key          403  the key's role may not do this
    404  not there (or another organisation's)    409  no longer possible (a resolved conflict)
    413  body too large            422  a field is wrong: ``detail[].loc`` names it
    429  too many requests with this key (``Retry-After``)
    503  a dependency does not answer, or the agenda is still loading (``Retry-After``)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from contracts import ActivityPublished
from scheduling.api.schemas import Problem, ValidationProblem

FIELDS = frozenset(ActivityPublished.model_fields)
_DESCRIPTIONS = {
    400: "The body is not JSON.",
    401: "No valid API key: `Authorization: Bearer <key>`.",
    403: "The key's role may not do this.",
    404: "Not found, or not the key's organisation's.",
    409: "No longer possible in this state.",
    413: "The request body is too large.",
    422: "A field is wrong; `detail[].loc` names it and `msg` says what is wrong.",
    429: "Too many requests with this key; retry after `Retry-After` seconds.",
    501: "Not available in this build.",
    503: "A dependency (the broker) does not answer, or the shared agenda is still loading (then with "
    "`Retry-After`); retry later.",
}


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The documented error responses ``codes`` for a route (401, 422 and 429 are always possible)."""
    documented: dict[int | str, dict[str, Any]] = {}
    for code in sorted({401, 422, 429, *codes}):
        entry: dict[str, Any] = {
            "description": _DESCRIPTIONS[code],
            "model": ValidationProblem if code == 422 else Problem,
        }
        if code in (429, 503):
            entry["headers"] = {
                "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}
            }
        documented[code] = entry
    return documented


def invalid(loc: Sequence[str | int], msg: str, kind: str = "value_error") -> RequestValidationError:
    """A 422 naming the field at ``loc`` (e.g. ``("body", "activity_id")``) and what is wrong with it."""
    return RequestValidationError([{"loc": tuple(loc), "msg": msg, "type": kind}])


def unsafe_text(value: object, loc: tuple[str | int, ...]) -> tuple[str | int, ...] | None:
    """Where in ``value`` a string holds NUL or an unpaired surrogate (unstorable), if anywhere."""
    if isinstance(value, str):
        return loc if "\x00" in value or not _encodable(value) else None
    items: Iterable[tuple[str | int, Any]] = ()
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    for key, item in items:
        found = unsafe_text(item, (*loc, key))
        if found is not None:
            return found
    return None


def reject_unsafe_text(value: object, loc: tuple[str | int, ...]) -> None:
    """Raise a 422 when ``value`` holds text that cannot be stored or published."""
    where = unsafe_text(value, loc)
    if where is not None:
        raise invalid(where, "must be valid Unicode text without NUL characters")


async def on_validation_error(_: Request, error: Exception) -> JSONResponse:
    """422 with each problem's ``loc``, ``msg`` and ``type``; model-level problems name their field."""
    assert isinstance(error, RequestValidationError)
    return JSONResponse({"detail": [_issue(item) for item in error.errors()]}, status_code=422)


def _issue(item: dict[str, Any]) -> dict[str, Any]:
    loc = [_clean(part) if isinstance(part, str) else part for part in item.get("loc", ())]
    loc = [part if isinstance(part, str | int) else str(part) for part in loc]
    msg = _clean(str(item.get("msg", "")))
    reason = msg.removeprefix("Value error, ")
    field = reason.split(" ", 1)[0]
    if loc and loc[-1] == "body" and field in FIELDS:
        loc.append(field)
        msg = reason
    return {"loc": loc, "msg": msg, "type": _clean(str(item.get("type", "value_error")))}


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _clean(text: str) -> str:
    return text if _encodable(text) else text.encode("utf-8", "replace").decode("utf-8")
