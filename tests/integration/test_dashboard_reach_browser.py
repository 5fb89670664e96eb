"""Reach on the dashboard in Chromium, real scheduling and reach services behind it: an organiser files a
due report (the personal-data check shown at its field), the draft page gives reach advice beside the
conflicts, operations see the overdue promise; axe-core finds no WCAG AA violation on these pages."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.async_api import async_playwright

from contracts import OrganisationRole
from dashboard.store import AccountRow
from dashboard_stack import CHROMIUM, CHROMIUM_ARGS, axe_violations, served, signed_in_page
from dashboard_support import offline_dashboard, password_hash
from reach_support import evening, report, running_stack, send_report
from scheduling_support import activity, quiet_evening
from support.testing import wait_for
from werkplaats.organisations import add_organisation

MOERWIJK = "WK051836"


async def test_an_organiser_files_a_due_report_sees_advice_on_a_draft_and_operations_see_overdue_promises(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    reach_db = f"sqlite+aiosqlite:///{tmp_path / 'reach.db'}"
    async with running_stack(kafka_bootstrap, reach_db, tmp_path, serving=True) as stack:
        partners = stack.partners
        staedion = partners.slugs["staedion"]
        ops_slug = f"ops-{uuid.uuid4().hex[:8]}"
        key = await add_organisation(
            kafka_bootstrap, ops_slug, name=ops_slug, role=OrganisationRole.OPERATIONS
        )
        ops = {"Authorization": f"Bearer {key.secret}"}
        planned = {"kind": "workshop", "target_groups": ["parents"], "expected_attendance": 20}
        for name, days in (("eerder-1", 20), ("eerder-2", 13), ("avond", 6)):
            await partners.publish("staedion", activity(name, evening(days), 2, [MOERWIJK], **planned))

        async def due() -> list[str]:
            answer = await stack.reach_api.get(
                "/v1/reports/due", params={"organisation": staedion}, headers=ops
            )
            return sorted(item["activity_id"] for item in answer.json())

        await wait_for(lambda: _is(due, ["avond", "eerder-1", "eerder-2"]), timeout=180, interval=0.3)
        for name, days in (("eerder-1", 20), ("eerder-2", 13)):
            earlier = report(
                name, evening(days), 25, ["door_to_door", "key_figure"], attendee_languages=["tr"]
            )
            await send_report(partners, "staedion", earlier)
        await wait_for(lambda: _is(due, ["avond"]), timeout=120, interval=0.3)
        draft_day = quiet_evening(30)
        await wait_for(lambda: _advised(stack, ops, draft_day), timeout=120, interval=0.5)

        async with (
            served(stack.scheduling_app, lifespan=False) as scheduling_url,
            served(stack.reach_app, lifespan=False) as reach_url,
            offline_dashboard(
                f"sqlite+aiosqlite:///{tmp_path / 'd.db'}",
                scheduling_url=scheduling_url,
                reach_url=reach_url,
                operations_key=key.secret,
            ) as site,
            served(site.app, lifespan=False) as dashboard_url,
            async_playwright() as playwright,
        ):
            async with site.dashboard.runtime.database.transaction() as session:
                session.add(_organiser(staedion))
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            found: dict[str, list[str]] = {}
            page = await signed_in_page(browser, dashboard_url, "organisator")

            await page.goto("/verslagen")
            assert await page.locator("#due-reports h3").all_inner_texts() == ["Bewonersavond avond"]
            found["reports"] = await axe_violations(page)
            async with page.expect_navigation():
                await page.click("#due-reports a.button")
            await page.fill("#attendance", "14")
            await page.check("#rm-flyer")
            await page.fill("#input_summary", "Zorgen over de speeltuin; bel 06-12345678 voor meer info.")
            await page.fill("#follow_up_action", "De wensen gaan naar het projectteam.")
            await page.fill("#hear_back_by", "2020-01-02")
            async with page.expect_navigation():
                await page.click("form.draft-form button[type=submit]")
            error = await page.inner_text("#error-input_summary")
            assert "Dit bevat een telefoonnummer" in error
            assert await page.get_attribute("#input_summary", "aria-invalid") == "true"
            assert await page.input_value("#attendance") == "14"  # nothing typed is lost
            assert await page.is_checked("#rm-flyer")
            found["report-with-errors"] = await axe_violations(page)

            await page.fill("#input_summary", "Zorgen over de speeltuin en de verlichting.")
            async with page.expect_navigation():
                await page.click("form.draft-form button[type=submit]")
            assert "/verslagen?ingediend=avond" in page.url
            assert "is ontvangen" in await page.inner_text("[role=status]")

            async def reported() -> bool:
                await page.goto("/verslagen")
                return await page.locator("#due-reports").count() == 0

            await wait_for(reported, timeout=60, interval=0.5)

            await page.goto("/concepten")
            await page.fill("#title", "Ouderavond speeltuin")
            await page.select_option("#kind", "workshop")
            await page.fill("#date", draft_day.isoformat())
            await page.check(f"#nb-{MOERWIJK}")
            await page.uncheck("#tg-all_residents")
            await page.check("#tg-parents")
            async with page.expect_navigation():
                await page.click("form.draft-form button[type=submit]")
            advice = await page.inner_text("#advice")
            assert "Huis aan huis: 2 verslagen" in advice  # the flyer of one report is below the minimum
            assert "Flyer" not in advice
            assert f"Bewonersavond eerder-2 — {staedion}" in advice
            assert "tr (2)" in advice
            found["draft-with-advice"] = await axe_violations(page)
            await page.context.close()

            page = await signed_in_page(browser, dashboard_url, "beheer")
            await page.goto("/beloften")
            rows = await page.locator("#overdue-promises tbody tr").all_inner_texts()
            assert any("Bewonersavond avond" in row and staedion in row for row in rows)
            found["promises"] = await axe_violations(page)
            await page.goto("/verslagen")
            assert "hoort bij geen organisatie" in await page.inner_text("main")
            await browser.close()
    assert found == {name: [] for name in found}


def _organiser(organisation: str) -> AccountRow:
    return AccountRow(
        account_id=str(uuid.uuid4()),
        username="organisator",
        display_name="Organisator",
        role="community_builder",
        centre_id=None,
        organisation=organisation,
        password_hash=password_hash(),
        created_at=datetime.now(UTC),
        disabled=False,
    )


async def _is(read: Any, wanted: Any) -> bool:
    return bool(await read() == wanted)


async def _advised(stack: Any, headers: dict[str, str], day: Any) -> bool:
    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=18)
    draft = activity("concept", start, 2, [MOERWIJK], kind="workshop", target_groups=["parents"])
    answer = await stack.scheduling_api.post(
        "/v1/activities/check", json=draft.model_dump(mode="json"), headers=headers
    )
    return any(item["sufficient"] for item in answer.json().get("reach_advice", []))
