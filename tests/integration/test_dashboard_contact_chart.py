"""The chart of time to first contact, read from a real initiatives service with the operations key."""

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


async def test_the_chart_counts_initiatives_per_band_of_days_to_first_contact(
    kafka_bootstrap: str, database_url: str, unique: Callable[[str], str], tmp_path: Path
) -> None:
    clock = Clock(SUBMITTED)
    initiatives_database = f"sqlite+aiosqlite:///{tmp_path / 'initiatives.db'}"
    async with running(kafka_bootstrap, initiatives_database, unique("chart"), clock=clock) as initiatives:
        submitted = [
            (await initiatives.client.post("/v1/submissions", json=form(title=title))).json()
            for title in ("Meteen gebeld", "Na een week gebeld", "Nog niet gebeld")
        ]
        contacts = (datetime(2026, 4, 7, 15, 0), datetime(2026, 4, 15, 11, 0))  # the same day, 8 days on
        for receipt, moment in zip(submitted, contacts, strict=False):
            clock.now = moment.replace(tzinfo=AMSTERDAM)  # the service keeps when the contact was logged
            path = f"/v1/initiatives/{receipt['initiative_id']}"
            builder = (await initiatives.client.get(path, headers=initiatives.staff)).json()["builder_id"]
            on = moment.date().isoformat()
            contact = {"kind": "first_contact", "hours": 0.5, "by": builder, "on": on}
            logged = await initiatives.client.post(f"{path}/support", json=contact, headers=initiatives.staff)
            assert logged.status_code == 201, logged.text
        async with (
            served(initiatives.app, lifespan=False) as initiatives_url,
            offline_dashboard(
                database_url, initiatives_url=initiatives_url, operations_key=initiatives.staff_key
            ) as site,
        ):
            await sign_in(site.client, "opbouw")
            page = (await site.client.get("/grafieken")).text

    chart = page[page.index("contact-heading") :]
    assert "Tijd tot eerste contact bij initiatieven" in chart
    assert '<svg viewBox="0 0 ' in chart
    assert counted(chart) == {
        "0 tot 1 dag": 1,
        "2 tot 5 dagen": 0,
        "6 tot 10 dagen": 1,
        "meer dan 10 dagen": 0,
        "nog geen contact": 1,
    }


def counted(chart: str) -> dict[str, int]:
    """The table's rows: each band with its initiatives summed over the wijken."""
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th>(.*?)</tr>', chart)
    return {band: sum(int(n) for n in re.findall(r">(\d+)</td>", cells)) for band, cells in rows}
