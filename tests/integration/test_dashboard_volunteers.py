"""Volunteers near their allowance cap: centres' events on the real broker to the coordinator, in Chromium."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from playwright.async_api import async_playwright

from centres_support import Centres, running_centres
from dashboard.api.rendering import AMSTERDAM
from dashboard.main import create_runtime
from dashboard.settings import DashboardSettings
from dashboard_stack import CHROMIUM, CHROMIUM_ARGS, axe_violations, served, signed_in_page
from dashboard_support import offline_dashboard, sign_in
from support.testing import wait_for
from test_centres_api import hours, pay, register, volunteer

MOERWIJK, BOUWLUST = "wijkcentrum-moerwijk", "wijkcentrum-bouwlust"  # the test coordinators' centres


async def near_the_monthly_cap(centres: Centres, centre_id: str) -> str:
    """A volunteer of ``centre_id`` paid 190 euros this month for 40 hours: 30 euros under the monthly cap."""
    volunteer_id = await volunteer(centres, centre_id)
    today = datetime.now(AMSTERDAM).date().isoformat()
    entries = [f"{volunteer_id}-{n}" for n in range(4)]
    for entry in entries:
        await hours(centres, volunteer_id, centre_id, entry, today, "10")
    paid = await pay(centres, volunteer_id, centre_id, f"{volunteer_id}-p", "190.00", entries)
    assert paid.status_code == 200, paid.text
    return volunteer_id


async def test_the_coordinator_sees_only_their_volunteers_near_the_cap_with_the_amount_left_in_chromium(
    kafka_bootstrap: str, unique: Callable[[str], str], database_url: str, tmp_path: Path
) -> None:
    settings = DashboardSettings(
        database_url=database_url, consumer_group=unique("dash"), start_from="earliest"
    )
    centres_database = f"sqlite+aiosqlite:///{tmp_path / 'centres.db'}"
    async with running_centres(kafka_bootstrap, unique, centres_database, tmp_path) as centres:
        await register(centres, MOERWIJK)
        await register(centres, BOUWLUST)
        ours = await near_the_monthly_cap(centres, MOERWIJK)
        theirs = await near_the_monthly_cap(centres, BOUWLUST)
        async with (
            served(centres.app, lifespan=False) as centres_url,
            offline_dashboard(
                database_url, centres_url=centres_url, operations_key=centres.operations
            ) as site,
        ):
            runtime = create_runtime(settings, bootstrap_servers=kafka_bootstrap)
            await runtime.start()
            try:
                client = site.client
                await sign_in(client, "coord-moerwijk")
                page_path = f"/centra/{MOERWIJK}/vrijwilligers"

                async def shown() -> bool:
                    return ours in (await client.get(page_path)).text

                await wait_for(shown, timeout=120, interval=0.5)
                html = (await client.get(page_path)).text
                assert "€\xa030,00" in html  # left under the monthly maximum of 220 euros
                assert theirs not in html
                assert (await client.get(f"/centra/{BOUWLUST}/vrijwilligers")).status_code == 403
                await _in_chromium(site.app, ours)
            finally:
                await runtime.stop()


async def _in_chromium(app: object, volunteer_id: str) -> None:
    async with served(app, lifespan=False) as dashboard_url, async_playwright() as playwright:  # type: ignore[arg-type]
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for language, left, caption in (
                ("nl", "Nog over", "Vrijwilligers van dit centrum dicht bij een grens"),
                ("en", "Amount left", "Volunteers of this centre near a cap"),
            ):
                page = await signed_in_page(browser, dashboard_url, "coord-moerwijk", language)
                await page.goto(f"/centra/{MOERWIJK}")
                async with page.expect_navigation():
                    await page.click(f"a[href='/centra/{MOERWIJK}/vrijwilligers']")
                row = page.locator("#near-cap tbody tr", has_text=volunteer_id)
                assert await row.count() == 1
                cells = await row.locator("td").all_inner_texts()
                assert cells[-1].replace("\xa0", " ") in ("€ 30,00", "€30.00")
                assert left in await page.locator("#near-cap thead").inner_text()
                assert caption in await page.locator("#near-cap caption").inner_text()
                assert await axe_violations(page) == []
                await page.context.close()
        finally:
            await browser.close()
