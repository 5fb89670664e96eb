"""The initiatives pipeline for staff, read from a real initiatives service with the operations key."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from dashboard.api.rendering import AMSTERDAM
from dashboard_stack import served
from dashboard_support import offline_dashboard, sign_in
from initiatives_support import Clock, form, running

SUBMITTED = datetime(2026, 4, 7, 10, 0, tzinfo=AMSTERDAM)


async def test_staff_see_the_pipeline_with_overdue_first_contacts_first_and_the_builders_load(
    kafka_bootstrap: str, database_url: str, unique: Callable[[str], str], tmp_path: Path
) -> None:
    clock = Clock(SUBMITTED)
    initiatives_database = f"sqlite+aiosqlite:///{tmp_path / 'initiatives.db'}"
    async with running(kafka_bootstrap, initiatives_database, unique("pipe"), clock=clock) as initiatives:
        late = (await initiatives.client.post("/v1/submissions", json=form(title="Lang gewacht"))).json()
        clock.now = datetime(2026, 4, 20, 10, 0, tzinfo=AMSTERDAM)  # past the first-contact deadline
        fresh = (await initiatives.client.post("/v1/submissions", json=form(title="Net binnen"))).json()
        raised, _ = await initiatives.service.keeper.tick()
        assert raised == 1
        helped = (await initiatives.client.post("/v1/submissions", json=form(title="Met steun"))).json()
        path = f"/v1/initiatives/{helped['initiative_id']}"
        builder = (await initiatives.client.get(path, headers=initiatives.staff)).json()["builder_id"]
        contact = {
            "kind": "first_contact",
            "hours": 1.5,
            "by": builder,
            "on": "2026-04-20",
            "notes": "Gebeld",
        }
        logged = await initiatives.client.post(f"{path}/support", json=contact, headers=initiatives.staff)
        assert logged.status_code == 201, logged.text
        question = {"public": True, "one_off": True, "costs": ["food"]}
        checked = await initiatives.client.post(
            f"{path}/subsidy-check", json=question, headers=initiatives.staff
        )
        assert checked.status_code == 200, checked.text
        fits = [r["regulation_id"] for r in checked.json()["results"] if r["fits"]]
        async with (
            served(initiatives.app, lifespan=False) as initiatives_url,
            offline_dashboard(
                database_url, initiatives_url=initiatives_url, operations_key=initiatives.staff_key
            ) as site,
        ):
            await sign_in(site.client, "beheer")
            page = await site.client.get("/initiatieven")
            one = await site.client.get(f"/initiatieven/{helped['initiative_id']}")
            unknown = await site.client.get("/initiatieven/INI-0000-0000")
            await sign_in(site.client, "coord-moerwijk")
            coordinator = await site.client.get("/initiatieven")

    assert page.status_code == 200, page.text
    submitted = page.text[page.text.index('id="status-submitted"') : page.text.index('id="status-in_intake"')]
    assert submitted.index("Lang gewacht") < submitted.index("Net binnen")  # overdue first
    late_card = submitted[submitted.index("Lang gewacht") :].split("</h3>")[0]
    assert '<span class="tag">te laat</span>' in late_card  # in words, not by colour alone
    assert "te laat" not in submitted[submitted.index("Net binnen") :].split("</h3>")[0]
    assert late["initiative_id"] in submitted
    assert fresh["initiative_id"] in submitted
    builders = page.text[page.text.index('id="builders"') :].split("</table>")[0]
    loads = [int(n) for n in re.findall(r'<td class="numeric">(\d+)</td>', builders)]
    assert len(loads) == 4  # the four community builders
    assert sum(loads) == 3  # the three open initiatives, spread over the builders covering Moerwijk
    assert coordinator.status_code == 403

    assert one.status_code == 200, one.text
    log = one.text[one.text.index('id="support-log"') :].split("</table>")[0]
    assert "Eerste contact" in log
    assert "1,5" in log  # hours, Dutch decimals
    assert "Gebeld" in log
    fit = one.text[one.text.index('id="subsidy-fit"') :].split("</ul>")[0]
    assert fits, "the check found a fitting regulation"
    for regulation in fits:
        assert f'{regulation}: <span class="tag">past</span>' in fit
    assert unknown.status_code == 404
