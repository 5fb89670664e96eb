"""Commands sent to the services that own the data, with the dashboard's own key (never the browser's).

Errors::

    OwnerError                 the owning service refused or could not be reached
    ├── OwnerRefusedError      it answered 4xx: the message says why
    └── OwnerUnavailableError  it did not answer, or answered 5xx
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx


class OwnerError(Exception):
    """The owning service did not do what was asked."""


class OwnerRefusedError(OwnerError):
    """The owning service refused (4xx); ``problems`` names the fields when it said."""

    def __init__(self, status: int, message: str, problems: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.problems = problems or []


class OwnerUnavailableError(OwnerError):
    """The owning service did not answer, or failed."""


class OwnerClient:
    """Calls one owning service's HTTP API, with a bearer key when it has one."""

    def __init__(self, client: httpx.AsyncClient, base_url: str, key: str | None = None) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.key = key

    async def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send the request; the JSON answer, or an ``OwnerError``."""
        headers = dict(kwargs.pop("headers", {}))
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        try:
            response = await self.client.request(method, self.base_url + path, headers=headers, **kwargs)
        except httpx.HTTPError as error:
            raise OwnerUnavailableError(f"{self.base_url} did not answer: {type(error).__name__}") from None
        if response.status_code >= 500:
            raise OwnerUnavailableError(f"{self.base_url} answered {response.status_code}")
        if response.status_code >= 400:
            raise _refusal(response)
        return response.json() if response.content else None


def _refusal(response: httpx.Response) -> OwnerRefusedError:
    try:
        body = response.json()
    except ValueError:
        return OwnerRefusedError(response.status_code, response.text[:300])
    detail = body.get("detail") if isinstance(body, dict) else body
    listed = body.get("problems") if isinstance(body, dict) else None
    if isinstance(listed, list):  # {"problems": [{"field", "problem"}]}
        problems = [(str(item.get("field", "")), str(item.get("problem", ""))) for item in listed]
        return OwnerRefusedError(response.status_code, str(detail), problems)
    if isinstance(detail, list):  # FastAPI's {"detail": [{"loc", "msg"}]}
        problems = [
            (".".join(str(p) for p in item.get("loc", [])), str(item.get("msg", ""))) for item in detail
        ]
        return OwnerRefusedError(response.status_code, "; ".join(f"{f}: {m}" for f, m in problems), problems)
    return OwnerRefusedError(response.status_code, str(detail))


class Scheduling:
    """The scheduling service's commands the dashboard uses."""

    def __init__(self, owner: OwnerClient) -> None:
        self.owner = owner

    async def acknowledge(self, conflict_id: str, reason: str) -> None:
        """Accept a conflict with a reason, as the dashboard's operations organisation."""
        await self.owner.call("POST", f"/v1/conflicts/{conflict_id}/acknowledge", json={"reason": reason})

    async def check(self, draft: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The conflicts a draft would cause (a dry run), and the reach advice for its wijken and groups."""
        answer = await self.owner.call("POST", "/v1/activities/check", json=draft)
        return list(answer["conflicts"]), list(answer.get("reach_advice", []))


class Reach:
    """The reach service's reports and promises, asked for the signed-in person's organisation."""

    def __init__(self, owner: OwnerClient) -> None:
        self.owner = owner

    async def due(self, organisation: str) -> list[dict[str, Any]]:
        """The reports ``organisation`` owes: occurrences that ended without a report."""
        return list(await self.owner.call("GET", "/v1/reports/due", params={"organisation": organisation}))

    async def report(self, organisation: str, activity_id: str, report: dict[str, Any]) -> None:
        """File a report for ``organisation`` (the dashboard's operations key acts for it)."""
        path = f"/v1/activities/{quote(activity_id, safe='')}/reports"
        await self.owner.call("POST", path, params={"organisation": organisation}, json=report)

    async def overdue(self) -> list[dict[str, Any]]:
        """Promises to residents past their date without a follow-up."""
        return list(await self.owner.call("GET", "/v1/promises/overdue"))
