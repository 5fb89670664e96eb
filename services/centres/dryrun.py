"""The dry run of a room request: the scheduler's ``POST /v1/activities/check``, over HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import structlog

from contracts import ActivityPublished

log = structlog.get_logger(__name__)


class SchedulingDryRun:
    """Asks the scheduling API which conflicts an activity would cause; nothing is published."""

    def __init__(self, client: httpx.AsyncClient, base_url: str, api_key: str) -> None:
        self.client = client
        self.url = base_url.rstrip("/") + "/v1/activities/check"
        self._headers = {"Authorization": f"Bearer {api_key}"}

    async def __call__(self, activity: ActivityPublished) -> list[dict[str, Any]]:
        """The conflicts found; one `unchecked` entry when the scheduler cannot be asked."""
        try:
            response = await self.client.post(
                self.url, content=activity.model_dump_json(), headers=self._headers | _JSON
            )
            response.raise_for_status()
        except httpx.HTTPError as error:
            log.warning("dry_run_unavailable", error_type=type(error).__name__)
            return [{"rule": "unchecked", "explanation": {"nl": "Niet gecontroleerd.", "en": "Not checked."}}]
        return [
            {
                key: conflict.get(key)
                for key in ("conflict_id", "rule", "severity", "starts_at", "explanation")
            }
            for conflict in response.json().get("conflicts", [])
        ]


_JSON = {"Content-Type": "application/json"}
