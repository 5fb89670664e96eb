"""The residents' page in Chromium with JavaScript off, posting to a real initiatives service."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, async_playwright

from dashboard_stack import CHROMIUM, CHROMIUM_ARGS, axe_violations, served
from dashboard_support import offline_dashboard
from initiatives.main import create_app as create_initiatives
from initiatives_support import settings_for

pytestmark = pytest.mark.asyncio(loop_scope="module")
SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"


@dataclass
class Residents:
    dashboard_url: str
    initiatives_url: str


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def residents(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Residents]:
    directory = tmp_path_factory.mktemp("residents")
    group = f"residents-{uuid.uuid4().hex[:6]}"
    initiatives = create_initiatives(
        settings_for(f"sqlite+aiosqlite:///{directory / 'initiatives.db'}", group),
        bootstrap_servers=kafka_bootstrap,
    )
    async with served(initiatives) as initiatives_url:
        database = f"sqlite+aiosqlite:///{directory / 'dashboard.db'}"
        async with (
            offline_dashboard(database, initiatives_url=initiatives_url) as site,
            served(site.app, lifespan=False) as dashboard_url,
        ):
            yield Residents(dashboard_url, initiatives_url)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


async def test_a_resident_submits_an_idea_without_javascript_on_a_phone(
    residents: Residents, browser: Browser
) -> None:
    context = await browser.new_context(
        base_url=residents.dashboard_url,
        java_script_enabled=False,
        viewport={"width": 390, "height": 844},
        locale="nl-NL",
    )
    page = await context.new_page()
    await page.goto("/meedoen")
    await page.fill("#title", "Buurtmaaltijd Moerwijk-Oost")
    await page.fill("#description", "Een maaltijd voor de hele straat in het buurthuis, iedereen kookt mee.")
    await page.select_option("#area", "BU05183620")
    await page.check("#help-money")
    await page.fill("#name", "A. Bewoner")
    await page.fill("#email", "bewoner@example.org")
    await page.screenshot(path=str(SCREENSHOTS / "meedoen.png"), full_page=True)
    async with page.expect_navigation():
        await page.click("button[type=submit]")
    assert "Bedankt: we hebben uw idee ontvangen" in await page.inner_text("h1")
    reference = await page.inner_text("#reference")
    code = await page.inner_text("#access-code")
    assert reference.startswith("INI-")
    async with httpx.AsyncClient(base_url=residents.initiatives_url) as client:
        status = await client.get(f"/v1/submissions/{reference}", headers={"X-Access-Token": code})
    assert status.status_code == 200, status.text
    await context.close()


async def test_a_resident_hears_what_to_fix_without_javascript(
    residents: Residents, browser: Browser
) -> None:
    context = await browser.new_context(base_url=residents.dashboard_url, java_script_enabled=False)
    page = await context.new_page()
    await page.goto("/meedoen")
    await page.fill("#title", "Buurtfeest")
    async with page.expect_navigation():
        await page.click("button[type=submit]")
    alert = await page.inner_text("[role=alert]")
    assert "Kijk deze antwoorden nog eens na" in alert
    assert await page.get_attribute("#description", "aria-invalid") == "true"
    assert await page.input_value("#title") == "Buurtfeest"  # nothing typed is lost
    await context.close()


@pytest.mark.parametrize("language", ["nl", "en"])
async def test_axe_finds_no_wcag_aa_violation_on_the_residents_page(
    residents: Residents, browser: Browser, language: str
) -> None:
    context = await browser.new_context(base_url=residents.dashboard_url, bypass_csp=True)
    await context.add_cookies([{"name": "wp_lang", "value": language, "url": residents.dashboard_url}])
    page = await context.new_page()
    await page.goto("/meedoen")
    found = {"form": await axe_violations(page)}
    async with page.expect_navigation():
        await page.click("button[type=submit]")
    found["with-errors"] = await axe_violations(page)
    assert found == {"form": [], "with-errors": []}
    await context.close()
