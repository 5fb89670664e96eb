"""The dashboard beside a real scheduling service, both served over loopback HTTP, for browser tests."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from fastapi import FastAPI
from playwright.async_api import Browser, Page

from contracts import OrganisationRole
from contracts.topics import SCHEDULING_AGENDA, SCHEDULING_CONFLICTS, all_service_topics
from dashboard.main import create_app as create_dashboard
from dashboard.settings import DashboardSettings
from dashboard.store import AccountRow
from dashboard_support import ACCOUNTS, PASSWORD, TEST_SETTINGS, password_hash
from scheduling.main import create_app as create_scheduling
from scheduling.settings import SchedulingSettings
from scheduling_support import skip_history
from support.testing import wait_for
from werkplaats.organisations import add_organisation
from werkplaats.topics_admin import ensure_topics

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).parents[1] / "vendor" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


async def axe_violations(page: Page) -> list[str]:
    """What axe-core finds against WCAG 2.1 A and AA on the page as it is now (empty: nothing)."""
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_AA,
    )
    found = []
    for violation in result["violations"]:
        where = ", ".join(str(node["target"][0]) for node in violation["nodes"][:3])
        found.append(f"{violation['id']}: {violation['help']} ({where})")
    return found


async def signed_in_page(browser: Browser, base_url: str, username: str, language: str = "nl") -> Page:
    """A page of a new browser context in ``language``, signed in through the form (axe may be injected)."""
    context = await browser.new_context(base_url=base_url, bypass_csp=True)
    await context.add_cookies([{"name": "wp_lang", "value": language, "url": base_url}])
    page = await context.new_page()
    await page.goto("/aanmelden")
    await page.fill("#username", username)
    await page.fill("#password", PASSWORD)
    async with page.expect_navigation():
        await page.click("button[type=submit]")
    return page


@asynccontextmanager
async def served(app: FastAPI, *, lifespan: bool = True) -> AsyncIterator[str]:
    """Serve ``app`` (its lifespan too, unless told not to) on a free loopback port; yields its base URL."""
    mode = "on" if lifespan else "off"
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, access_log=False, lifespan=mode)
    )
    task = asyncio.create_task(server.serve())
    await wait_for(lambda: server.started or task.done(), timeout=300)
    if task.done():
        task.result()
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@dataclass
class TopicWatcher:
    """Every record written to ``topic`` after the watcher started, collected in the background."""

    bootstrap: str
    topic: str
    records: list[ConsumerRecord[bytes, bytes]] = field(default_factory=list)
    _consumer: AIOKafkaConsumer | None = None
    _task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        await self._consumer.start()
        partitions = [
            TopicPartition(self.topic, p)
            for p in sorted(self._consumer.partitions_for_topic(self.topic) or ())
        ]
        if not partitions:
            await self._consumer._client.force_metadata_update()
            found = self._consumer.partitions_for_topic(self.topic) or ()
            partitions = [TopicPartition(self.topic, p) for p in sorted(found)]
        self._consumer.assign(partitions)
        await self._consumer.seek_to_end(*partitions)
        for partition in partitions:
            await self._consumer.position(partition)
        self._task = asyncio.create_task(self._collect())

    async def _collect(self) -> None:
        assert self._consumer is not None
        while True:
            for batch in (await self._consumer.getmany(timeout_ms=200)).values():
                self.records.extend(batch)

    def events(self, event_type: str, conflict_id: str | None = None) -> list[tuple[dict[str, Any], int]]:
        """Documents of ``event_type`` (about ``conflict_id``) with their Kafka timestamps (ms)."""
        found = []
        for record in self.records:
            document = json.loads(record.value)
            if document["type"] != event_type:
                continue
            if conflict_id is None or document["data"].get("conflict_id") == conflict_id:
                found.append((document, record.timestamp))
        return found

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._consumer is not None:
            await self._consumer.stop()


async def start_at_end(bootstrap: str, group: str, topics: list[str]) -> None:
    """Commit ``group``'s offsets at the end of ``topics``: a new service reads only what comes next."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        partitions = [TopicPartition(t, p) for t in topics for p in consumer.partitions_for_topic(t) or ()]
        if partitions:
            consumer.assign(partitions)
            await consumer.commit(await consumer.end_offsets(partitions))
    finally:
        await consumer.stop()


@dataclass
class Stack:
    """Scheduling and the dashboard running, partner keys to publish with, the conflicts topic watched."""

    scheduling_url: str
    dashboard_url: str
    partner_keys: dict[str, str]
    partner_slugs: dict[str, str]
    conflicts: TopicWatcher
    app: FastAPI
    run: str

    async def publish(self, partner: str, activity_id: str, body: dict[str, Any]) -> None:
        """Publish through the partner HTTP API, as the partner would."""
        async with httpx.AsyncClient(base_url=self.scheduling_url) as client:
            response = await client.put(
                f"/v1/activities/{activity_id}",
                json=body,
                headers={"Authorization": f"Bearer {self.partner_keys[partner]}"},
            )
        assert response.status_code == 202, response.text


@asynccontextmanager
async def running_stack(bootstrap: str, data_dir: Path) -> AsyncIterator[Stack]:
    """Organisations, scheduling and the dashboard on the shared broker, each on a database of its own."""
    await ensure_topics(bootstrap, all_service_topics())
    run = uuid.uuid4().hex[:6]
    slugs = {"a": f"dash-a-{run}", "b": f"dash-b-{run}"}
    keys = {
        who: (
            await add_organisation(
                bootstrap,
                slug,
                name=f"Partner {who.upper()} {run}",
                role=OrganisationRole.PARTNER,
                contact_email=f"plannen@{slug}.example",
            )
        ).secret
        for who, slug in slugs.items()
    }
    operations = (
        await add_organisation(
            bootstrap, f"dash-ops-{run}", name="Werkplaats", role=OrganisationRole.OPERATIONS
        )
    ).secret
    await skip_history(bootstrap, f"dash-sched-{run}")
    scheduling = create_scheduling(
        SchedulingSettings(
            database_url=f"sqlite+aiosqlite:///{data_dir / 'scheduling.db'}",
            consumer_group=f"dash-sched-{run}",
            outbox_idle_poll_s=0.2,
        ),
        bootstrap_servers=bootstrap,
    )
    await start_at_end(bootstrap, f"dash-{run}-read-model", [SCHEDULING_CONFLICTS, SCHEDULING_AGENDA])
    watcher = TopicWatcher(bootstrap, SCHEDULING_CONFLICTS)
    await watcher.start()
    async with served(scheduling) as scheduling_url:
        await scheduling.state.service.view.wait_loaded()  # the agenda is read in the background
        dashboard = create_dashboard(
            DashboardSettings(
                database_url=f"sqlite+aiosqlite:///{data_dir / 'dashboard.db'}",
                consumer_group=f"dash-{run}",
                scheduling_url=scheduling_url,
                operations_key=operations,
                **TEST_SETTINGS,
            ),
            bootstrap_servers=bootstrap,
        )
        async with served(dashboard) as dashboard_url:
            async with dashboard.state.runtime.database.transaction() as session:
                for username, role, centre in ACCOUNTS:
                    session.add(
                        AccountRow(
                            account_id=str(uuid.uuid4()),
                            username=username,
                            display_name=f"{username} (test)",
                            role=role.value,
                            centre_id=centre,
                            password_hash=password_hash(),
                            created_at=datetime.now(UTC),
                            disabled=False,
                        )
                    )
            try:
                yield Stack(scheduling_url, dashboard_url, keys, slugs, watcher, dashboard, run)
            finally:
                await watcher.stop()
