"""Request bodies are bounded for every service's HTTP API, before anything reads them."""

from __future__ import annotations

from fastapi.exception_handlers import http_exception_handler
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyLimit:
    """ASGI middleware: a request body over ``max_bytes`` gets a 413 before the app reads it whole."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse declared or streamed bodies beyond the limit."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(send)
            return
        received = 0
        too_large = False

        async def limited() -> Message:
            nonlocal received, too_large
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                too_large = True
                return {"type": "http.disconnect"}
            return message

        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if too_large and not started:
                started = True
                await self._refuse(send)
                return
            if message["type"] == "http.response.start":
                started = True
            if not too_large:
                await send(message)

        await self.app(scope, limited, tracked)

    async def _refuse(self, send: Send) -> None:
        response = JSONResponse({"detail": f"the body may hold at most {self.max_bytes} bytes"}, 413)
        await send({"type": "http.response.start", "status": 413, "headers": response.raw_headers})
        await send({"type": "http.response.body", "body": response.body})


UNREADABLE_BODY = "There was an error parsing the body"
"""FastAPI's detail for a body it cannot even decode (not UTF-8, say): a 400 no API documents."""


async def on_http_error(request: Request, error: Exception) -> Response:
    """An unreadable body is a 422 naming ``body`` like any bad body; other errors as FastAPI answers them."""
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 400 and error.detail == UNREADABLE_BODY:
        problem = {"loc": ["body"], "msg": "the body is not JSON text in UTF-8", "type": "json_invalid"}
        return JSONResponse({"detail": [problem]}, status_code=422)
    return await http_exception_handler(request, error)
