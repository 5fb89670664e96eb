"""The dashboard in real Chromium beside a real scheduling service: live conflicts, acknowledging, WCAG AA."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from dashboard_stack import CHROMIUM, CHROMIUM_ARGS, Stack, axe_violations, running_stack
from dashboard_support import PASSWORD
from scheduling_support import at, quiet_evening
from support.testing import wait_for

pytestmark = pytest.mark.asyncio(loop_scope="module")
SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"
MOERWIJK_OOST = "BU05183620"
OVERLAP, DOUBLE_BOOKING = "Tegelijk in dezelfde buurt", "Zaal dubbel geboekt"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with running_stack(kafka_bootstrap, tmp_path_factory.mktemp("dashboard-stack")) as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


async def new_context(browser: Browser, stack: Stack, **options: Any) -> BrowserContext:
    context = await browser.new_context(
        base_url=stack.dashboard_url, viewport={"width": 1280, "height": 900}, locale="nl-NL", **options
    )
    context.set_default_timeout(20_000)
    return context


async def sign_in_by_keyboard(page: Page, username: str) -> None:
    """Sign in with the keyboard only: Tab to each field, type, Enter."""
    await page.goto("/aanmelden")
    await tab_to(page, "#username")
    await page.keyboard.type(username)
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.id") == "password"
    await page.keyboard.type(PASSWORD)
    async with page.expect_navigation():
        await page.keyboard.press("Enter")


async def tab_to(page: Page, selector: str, limit: int = 60) -> None:
    """Press Tab until ``selector`` has the focus; fail if it never gets it."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await page.evaluate(
            "(s) => document.activeElement && document.activeElement.matches(s)", selector
        ):
            outline = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", f"{selector} has focus but no visible focus outline"
            return
    raise AssertionError(f"{selector} cannot be reached with Tab")


def clash(activity_id: str, hour: int) -> dict[str, Any]:
    day = quiet_evening(days_ahead=30)
    start = at(day, hour)
    return {
        "title": f"Inspraakavond {activity_id}",
        "kind": "consultation",
        "starts_at": start.isoformat(),
        "ends_at": start.replace(hour=hour + 2).isoformat(),
        "neighbourhoods": [MOERWIJK_OOST],
        "venue": {"venue_id": "wijkcentrum-moerwijk", "room": "zaal 1"},
        "target_groups": ["tenants"],
    }


async def publish_clash(stack: Stack, name: str) -> None:
    """Two partners plan evenings in the same buurt and room, overlapping."""
    await stack.publish("a", f"{name}-a-{stack.run}", clash(f"{name} renovatie", 19))
    await stack.publish("b", f"{name}-b-{stack.run}", clash(f"{name} buurtschouw", 20))


WATCH_ARRIVALS = """
() => {
  window.__notReloaded = true;
  window.__arrivals = {};
  new MutationObserver((mutations) => {
    for (const mutation of mutations) for (const node of mutation.addedNodes) {
      if (node.dataset && node.dataset.conflictId) window.__arrivals[node.dataset.conflictId] = Date.now();
    }
  }).observe(document.getElementById("live-conflicts"), {childList: true, subtree: true});
}
"""


async def test_a_clash_published_through_the_partner_api_appears_on_today_within_two_seconds(
    stack: Stack, browser: Browser
) -> None:
    context = await new_context(browser, stack)
    page = await context.new_page()
    await sign_in_by_keyboard(page, "beheer")
    assert page.url.endswith("/vandaag")
    await page.wait_for_selector("#live-conflicts[data-live='open']")
    await page.evaluate(WATCH_ARRIVALS)
    await publish_clash(stack, "live")
    items = {}
    for rule in ("neighbourhood_overlap", "venue_double_booking"):
        await wait_for(lambda: _conflict_of(stack, "live", rule), timeout=60)  # noqa: B023
        conflict_id = _conflict_of(stack, "live", rule)
        items[rule] = await page.wait_for_selector(f"#conflict-{conflict_id}", timeout=10_000)
        arrived_ms = await page.evaluate("(id) => window.__arrivals[id]", conflict_id)
        _, published_ms = stack.conflicts.events("conflict.detected", conflict_id)[0]
        assert arrived_ms - published_ms < 2000, (
            f"took {arrived_ms - published_ms} ms from the topic to the page"
        )
    overlap = items["neighbourhood_overlap"]
    assert OVERLAP in await overlap.inner_text()
    assert DOUBLE_BOOKING in await items["venue_double_booking"].inner_text()
    assert await page.evaluate("window.__notReloaded") is True
    assert "Partner A" in await overlap.inner_text()  # the explanation names the organisers
    announced = await page.inner_text("#announcer")
    assert announced.startswith("Nieuw conflict: ")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "vandaag.png"), full_page=True)
    await context.close()


async def test_acknowledging_in_the_page_publishes_conflict_acknowledged_and_today_drops_it(
    stack: Stack, browser: Browser
) -> None:
    context = await new_context(browser, stack)
    watching = await context.new_page()
    await sign_in_by_keyboard(watching, "beheer")
    await watching.wait_for_selector("#live-conflicts[data-live='open']")
    await publish_clash(stack, "accept")
    await wait_for(lambda: _conflict_of(stack, "accept"), timeout=60)
    conflict_id = _conflict_of(stack, "accept")
    await watching.wait_for_selector(f"#conflict-{conflict_id}", timeout=30_000)
    page = await context.new_page()
    await page.goto("/vandaag")
    await tab_to(page, f"a[href='/conflicten/{conflict_id}']")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert "Inspraakavond accept renovatie" in await page.inner_text("main")
    assert "Inspraakavond accept buurtschouw" in await page.inner_text("main")
    await page.screenshot(path=str(SCREENSHOTS / "conflict.png"), full_page=True)
    await tab_to(page, "#reason")
    await page.keyboard.type("Zelfde huurders; bewust na elkaar in één zaal.")
    await page.keyboard.press("Tab")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert "geaccepteerd=1" in page.url
    await wait_for(lambda: stack.conflicts.events("conflict.acknowledged", conflict_id), timeout=30)
    document, _ = stack.conflicts.events("conflict.acknowledged", conflict_id)[0]
    assert document["data"]["reason"].startswith("Zelfde huurders; bewust na elkaar in één zaal.")
    assert document["data"]["reason"].endswith("(beheer)")
    await watching.wait_for_selector(f"#conflict-{conflict_id}", state="detached", timeout=10_000)
    await page.reload()
    assert "Geaccepteerd" in await page.inner_text(".history")
    await context.close()


async def test_the_agenda_and_drafts_work_with_the_keyboard(stack: Stack, browser: Browser) -> None:
    context = await new_context(browser, stack)
    page = await context.new_page()
    await sign_in_by_keyboard(page, "opbouw")
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.className") == "skip-link"
    await page.keyboard.press("Enter")
    assert await page.evaluate("document.activeElement.id") == "main"
    day = quiet_evening(days_ahead=30)
    await page.goto(f"/agenda?wijk=WK051836&datum={day.isoformat()}")
    await page.wait_for_selector(".agenda-entry.has-conflict")
    await page.screenshot(path=str(SCREENSHOTS / "agenda-week.png"), full_page=True)
    await tab_to(page, "#weergave")
    await page.keyboard.press("ArrowDown")
    await tab_to(page, ".filters button")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert "weergave=maand" in page.url
    await page.screenshot(path=str(SCREENSHOTS / "agenda-month.png"), full_page=True)
    await page.goto("/concepten")
    await tab_to(page, "#title")
    await page.keyboard.type("Inspraakavond speeltuin")
    await tab_to(page, "#date")
    await page.fill("#date", day.isoformat())  # typing into a date field depends on the browser's locale
    await tab_to(page, f"#nb-{MOERWIJK_OOST}")
    await page.keyboard.press("Space")
    await tab_to(page, ".draft-form button[type=submit]")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    result = await page.inner_text("#result")
    assert "Tegelijk in dezelfde buurt" in result
    await page.screenshot(path=str(SCREENSHOTS / "concepten.png"), full_page=True)
    await context.close()


PAGES = [
    ("sign-in", None, "/aanmelden"),
    ("today", "beheer", "/vandaag"),
    ("conflict", "beheer", "CONFLICT"),
    ("agenda-week", "opbouw", "/agenda?wijk=WK051836&datum=DAY"),
    ("agenda-month", "opbouw", "/agenda?wijk=WK051836&weergave=maand&datum=DAY"),
    ("drafts", "opbouw", "/concepten"),
    ("charts", "opbouw", "/grafieken"),
    ("not-found", "opbouw", "/bestaat-niet"),
    ("forbidden", "coord-bouwlust", "CONFLICT"),
]


@pytest.mark.parametrize("language", ["nl", "en"])
async def test_axe_finds_no_wcag_aa_violation_on_any_page(
    stack: Stack, browser: Browser, language: str
) -> None:
    if not stack.conflicts.events("conflict.detected"):
        await publish_clash(stack, f"axe-{language}")
        await wait_for(lambda: stack.conflicts.events("conflict.detected"), timeout=60)
    conflict_id = stack.conflicts.events("conflict.detected")[-1][0]["data"]["conflict_id"]
    await wait_for(lambda: _known(stack, conflict_id), timeout=30)
    day = quiet_evening(days_ahead=30).isoformat()
    found: dict[str, list[str]] = {}
    for name, username, path in PAGES:
        context = await new_context(browser, stack, bypass_csp=True)  # axe is injected as an inline script
        await context.add_cookies([{"name": "wp_lang", "value": language, "url": stack.dashboard_url}])
        page = await context.new_page()
        if username:
            await sign_in_by_keyboard(page, username)
        await page.goto(path.replace("CONFLICT", f"/conflicten/{conflict_id}").replace("DAY", day))
        assert await page.get_attribute("html", "lang") == language
        found[name] = await axe_violations(page)
        if name == "sign-in":
            await page.fill("#username", "beheer")
            await page.fill("#password", "verkeerd wachtwoord")
            await page.click("button[type=submit]")
            found["sign-in-failed"] = await axe_violations(page)
        if name == "drafts":
            await page.click(".draft-form button[type=submit]")
            found["drafts-with-errors"] = await axe_violations(page)
        await context.close()
    assert found == {name: [] for name in found}, json.dumps(found, indent=1, ensure_ascii=False)


def _conflict_of(stack: Stack, name: str, rule: str = "neighbourhood_overlap") -> str | None:
    """The conflict of ``rule`` between the clash called ``name``, once it is on the topic."""
    for document, _ in stack.conflicts.events("conflict.detected"):
        data = document["data"]
        ids = {activity["activity_id"] for activity in data["activities"]}
        if data["rule"] == rule and ids == {f"{name}-a-{stack.run}", f"{name}-b-{stack.run}"}:
            return str(data["conflict_id"])
    return None


async def _known(stack: Stack, conflict_id: str) -> bool:
    from dashboard.store import ConflictRow

    async with stack.app.state.runtime.database.sessions() as session:
        return await session.get(ConflictRow, conflict_id) is not None
