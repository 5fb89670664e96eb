"""Abuse protection of the public submission endpoint: per-client limits and a body size limit."""

from __future__ import annotations

import json

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from werkplaats.auth import RateLimiter

log = structlog.get_logger(__name__)
SUBMISSIONS_PATH = "/v1/submissions"


class SubmissionGuard:
    """ASGI middleware: a public submission is limited per client and in size before it is parsed."""

    def __init__(
        self, app: ASGIApp, *, per_minute: int, max_bytes: int, client_header: str | None = None
    ) -> None:
        self.app = app
        self.limiter = RateLimiter(per_minute)
        self.max_bytes = max_bytes
        self.client_header = client_header.lower().encode() if client_header else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse what is too frequent or too large; pass everything else on."""
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != SUBMISSIONS_PATH:
            await self.app(scope, receive, send)
            return
        wait = self.limiter.retry_after(self._client(scope))
        if wait is not None:
            log.info("submission_refused", reason="rate_limited")
            await _answer(
                send, 429, f"too many submissions; try again in {wait} s", {"retry-after": str(wait)}
            )
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            log.info("submission_refused", reason="too_large")
            await _answer(send, 413, f"a submission may be at most {self.max_bytes} bytes")
            return
        await self._limited(scope, receive, send)

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Read the body up to the limit first, then replay it to the app."""
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_bytes:
                log.info("submission_refused", reason="too_large")
                await _answer(send, 413, f"a submission may be at most {self.max_bytes} bytes")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    def _client(self, scope: Scope) -> str:
        if self.client_header is not None:
            forwarded = dict(scope["headers"]).get(self.client_header)
            if forwarded:
                return str(forwarded.decode("latin-1").split(",")[0].strip())
        client = scope.get("client")
        return str(client[0]) if client else "unknown"


async def _answer(send: Send, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw_headers += [(name.encode(), value.encode()) for name, value in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})
