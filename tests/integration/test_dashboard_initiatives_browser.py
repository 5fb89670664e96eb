"""Axe-core in Chromium over the initiatives page and the charts, a real initiatives service behind them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from playwright.async_api import async_playwright

from dashboard.api.rendering import AMSTERDAM
from dashboard_stack import CHROMIUM, CHROMIUM_ARGS, axe_violations, served, signed_in_page
from dashboard_support import offline_dashboard
from initiatives_support import Clock, form, running

SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"
PAGES = {"initiatives": "/initiatieven", "charts": "/grafieken"}


async def test_axe_finds_no_wcag_aa_violation_on_the_initiatives_pages_in_both_languages(
    kafka_bootstrap: str, unique: Callable[[str], str], tmp_path: Path
) -> None:
    clock = Clock(datetime(2026, 4, 7, 10, 0, tzinfo=AMSTERDAM))
    found: dict[str, list[str]] = {}
    async with running(
        kafka_bootstrap, f"sqlite+aiosqlite:///{tmp_path / 'i.db'}", unique("axe"), clock=clock
    ) as ini:
        contacted = (await ini.client.post("/v1/submissions", json=form(title="Buurtmoestuin"))).json()
        await ini.client.post("/v1/submissions", json=form(title="Lang gewacht"))
        path = f"/v1/initiatives/{contacted['initiative_id']}"
        builder = (await ini.client.get(path, headers=ini.staff)).json()["builder_id"]
        contact = {"kind": "first_contact", "hours": 0.5, "by": builder, "on": "2026-04-07"}
        assert (await ini.client.post(f"{path}/support", json=contact, headers=ini.staff)).status_code == 201
        question = {"public": True, "one_off": True, "costs": ["food"]}
        assert (await ini.client.post(f"{path}/subsidy-check", json=question, headers=ini.staff)).is_success
        pages = PAGES | {"initiative": f"/initiatieven/{contacted['initiative_id']}"}
        clock.now = datetime(2026, 4, 20, 10, 0, tzinfo=AMSTERDAM)
        await ini.service.keeper.tick()
        async with (
            served(ini.app, lifespan=False) as initiatives_url,
            offline_dashboard(
                f"sqlite+aiosqlite:///{tmp_path / 'd.db'}",
                initiatives_url=initiatives_url,
                operations_key=ini.staff_key,
            ) as site,
            served(site.app, lifespan=False) as dashboard_url,
            async_playwright() as playwright,
        ):
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for language in ("nl", "en"):
                page = await signed_in_page(browser, dashboard_url, "beheer", language)
                for name, address in pages.items():
                    await page.goto(address)
                    assert await page.get_attribute("html", "lang") == language
                    if name == "initiatives" and language == "nl":
                        await page.screenshot(path=str(SCREENSHOTS / "initiatieven.png"), full_page=True)
                    found[f"{name}-{language}"] = await axe_violations(page)
                await page.context.close()
            await browser.close()
    assert found == {name: [] for name in found}
    assert len(found) == 6
